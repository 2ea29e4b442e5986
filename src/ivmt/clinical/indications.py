"""Indications: why a patient is referred for IVMT, with ICD-10-CM codes.

The data is ``data/indications.toml``.

The list is the seed's (REFERENCE.md §1.1 [S44]) plus "other". Each code carries its own status,
because REFERENCE.md verified some (migraine, ME/CFS) and not others; the indication's status is
the weakest of its codes, checked at load so the data cannot overstate itself.

Trade-off: the codes are a short curated list per indication, not a terminology service. The app
stores the chosen code string with the indication code, so a later edit of this file never
rewrites a patient's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ivmt.clinical.errors import UnknownIndication
from ivmt.clinical.knowledge import STATUSES, EntryReader, entries

FILE = "indications.toml"
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# Weakest first: an indication is only as trustworthy as its least-verified code.
_STRENGTH = {"design": 0, "unverified": 1, "sourced": 2}


@dataclass(frozen=True)
class Icd10Code:
    """One ICD-10-CM code with its title and how far it was verified."""

    code: str
    title: str
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Indication:
    """A reason for referral. ``icd10`` is the primary code (None for "other")."""

    code: str
    name: str
    icd10: str | None
    alternative_icd10: tuple[str, ...]
    codes: tuple[Icd10Code, ...]
    seed_wording: str
    sources: tuple[str, ...]
    status: str
    rationale: str
    version: int


def _code(entry: EntryReader) -> Icd10Code:
    code = entry.text("code")
    if not _ICD10.match(code):
        raise entry.error("code", f"'{code}' does not look like an ICD-10-CM code")
    sources = entry.source_tags("sources")
    status = entry.choice("status", STATUSES)
    if status == "sourced" and not sources:
        raise entry.error("sources", "a 'sourced' code must cite at least one source")
    result = Icd10Code(code=code, title=entry.text("title"), status=status, sources=sources)
    entry.finish()
    return result


def _load_one(entry: EntryReader) -> Indication:
    codes = tuple(_code(c) for c in entry.tables("codes", required=False))
    primary = entry.optional_text("icd10")
    listed = [c.code for c in codes]
    if primary is not None and (not listed or listed[0] != primary):
        raise entry.error("icd10", f"'{primary}' must be the first of the listed codes")
    if primary is None and codes:
        raise entry.error("icd10", "is required when codes are listed")
    provenance = entry.provenance()
    if codes:
        weakest = min((c.status for c in codes), key=_STRENGTH.__getitem__)
        if provenance.status != weakest:
            raise entry.error("status", f"must be '{weakest}', the weakest status of its codes")
    indication_ = Indication(
        code=entry.slug("id"),
        name=entry.text("name"),
        icd10=primary,
        alternative_icd10=tuple(listed[1:]),
        codes=codes,
        seed_wording=entry.text("seed_wording"),
        sources=provenance.sources,
        status=provenance.status,
        rationale=provenance.rationale,
        version=provenance.version,
    )
    entry.finish()
    return indication_


@cache
def _indications() -> dict[str, Indication]:
    return {i.code: i for i in (_load_one(e) for e in entries(FILE, "indication"))}


def indications() -> tuple[Indication, ...]:
    """Every indication, in the order of the data file ("other" last)."""
    return tuple(_indications().values())


def indication(code: str) -> Indication:
    """The indication with this code; raises UnknownIndication naming the known codes."""
    try:
        return _indications()[code]
    except KeyError:
        known = ", ".join(_indications())
        raise UnknownIndication(
            f"Unknown indication '{code}'. Known indications: {known}."
        ) from None
