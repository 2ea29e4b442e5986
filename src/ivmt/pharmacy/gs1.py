"""Reading what a barcode scanner types from a vial's GS1 barcode (plain Python).

Vials and bags carry a GS1 DataMatrix (or GS1-128) with the GTIN (AI 01), the expiry (AI 17,
``YYMMDD``; day ``00`` means the end of that month) and the lot (AI 10). A keyboard-wedge
scanner types the element string, optionally behind a symbology identifier (``]d2``, ``]C1``,
``]Q3``) with variable-length fields ended by the group separator (ASCII 29; some scanners
send it as ``^]`` or ``<GS>``). The human-readable form ``(01)...(17)...(10)...`` is read too.

Anything that is not a GS1 element string is taken as a lot number typed by hand.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

GS = "\x1d"
_FIXED = {"00": 18, "01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2}
_VARIABLE = {"10", "21", "22", "30", "37", "240", "241"}
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9]")
_BRACKETED = re.compile(r"\((\d{2,4})\)([^()]*)")
MAX_VARIABLE = 20


class ScanError(ValueError):
    """A GS1 string that cannot be read; ``str()`` is for the user."""


@dataclass(frozen=True)
class ScannedLabel:
    lot: str
    expiry: date | None = None
    gtin: str | None = None
    scanned: bool = False


def _expiry(text: str) -> date:
    if not re.fullmatch(r"\d{6}", text):
        raise ScanError(f"The scanned expiry '{text}' is not a date (YYMMDD).")
    year, month, day = 2000 + int(text[:2]), int(text[2:4]), int(text[4:])
    if not 1 <= month <= 12:
        raise ScanError(f"The scanned expiry '{text}' has no month {month}.")
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return date(year, month, day)
    except ValueError:
        raise ScanError(f"The scanned expiry '{text}' is not a real date.") from None


def _elements(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if text.startswith("("):
        found.update(_BRACKETED.findall(text))
        if not found:
            raise ScanError("The scanned code could not be read; type the lot number instead.")
        return found
    rest = text
    while rest:
        rest = rest.lstrip(GS)
        if not rest:
            break
        ai = next((a for a in (rest[:2], rest[:3]) if a in _FIXED or a in _VARIABLE), None)
        if ai is None:
            raise ScanError(
                f"The scanned code has an element ({rest[:4]}…) this page does not read; "
                "type the lot number instead."
            )
        rest = rest[len(ai) :]
        if ai in _FIXED:
            value, rest = rest[: _FIXED[ai]], rest[_FIXED[ai] :]
            if len(value) != _FIXED[ai]:
                raise ScanError("The scanned code is cut short; scan it again.")
        else:
            end = rest.find(GS)
            value, rest = (rest, "") if end < 0 else (rest[:end], rest[end:])
            if len(value) > MAX_VARIABLE:
                raise ScanError("The scanned lot is longer than GS1 allows; scan it again.")
        found[ai] = value
    return found


def read_lot(raw: str) -> ScannedLabel:
    """The lot (and expiry, GTIN when scanned) in what was typed or scanned.

    Raises ScanError for a GS1 string that cannot be read or lacks a lot.
    """
    text = raw.replace("^]", GS).replace("<GS>", GS).strip()
    text = _SYMBOLOGY.sub("", text)
    looks_gs1 = text.startswith("(01)") or (
        text.startswith("01")
        and len(text) >= 16
        and (GS in text or text[16:18] in ("10", "17", "11", "21"))
    )
    if not looks_gs1:
        return ScannedLabel(lot=raw.strip())
    elements = _elements(text)
    lot = elements.get("10", "").strip()
    if not lot:
        raise ScanError("The scanned code carries no lot number (AI 10); type it instead.")
    expiry = _expiry(elements["17"]) if "17" in elements else None
    return ScannedLabel(lot=lot, expiry=expiry, gtin=elements.get("01"), scanned=True)
