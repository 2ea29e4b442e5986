"""De-identification helpers for the research export (pure, no Django import).

* A **pseudonym** per patient: the first 16 hex digits of HMAC-SHA256(clinic secret,
  "subject:<id>"). Stable across exports; without the secret it cannot be linked back.
* A **date shift** per patient: a whole number of days in ±1..±``MAX_SHIFT_DAYS`` from
  HMAC-SHA256(clinic secret, "shift:<id>"). Every date of a patient moves by the same offset,
  so intervals (days from baseline to week 6) survive, calendar dates do not.
* **Ages** over 89 are reported as "90+" (the HIPAA Safe Harbor rule for ages).
* **CSV injection**: a text cell starting with ``= + - @`` or a tab / carriage return is
  prefixed with an apostrophe so a spreadsheet shows it as text instead of running it
  (OWASP "CSV Injection"). Plain numbers (``-3.5``) are left as numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta

MAX_SHIFT_DAYS = 180
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _digest(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def pseudonym(secret: str, patient_id: int) -> str:
    return _digest(secret, f"subject:{patient_id}").hex()[:16]


def shift_days(secret: str, patient_id: int) -> int:
    """A stable, non-zero offset in days, uniform over ±1..±MAX_SHIFT_DAYS."""
    value = int.from_bytes(_digest(secret, f"shift:{patient_id}")[:8], "big")
    magnitude = value % MAX_SHIFT_DAYS + 1
    return magnitude if (value >> 32) % 2 == 0 else -magnitude


def shifted(day: date, offset_days: int) -> date:
    return day + timedelta(days=offset_days)


def age_text(born: date, on: date) -> str:
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    age = on.year - born.year - (0 if had_birthday else 1)
    return "90+" if age >= 90 else str(age)


def csv_safe(value: object) -> str:
    """The cell text, neutralised against formula injection (numbers are kept as numbers)."""
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS_START) and not _NUMBER.match(text):
        return "'" + text
    return text
