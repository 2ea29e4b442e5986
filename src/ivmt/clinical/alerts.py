"""Warnings as values: what a check found, how serious it is, the limit and its source.

The clinical core never prints or logs a warning; it returns :class:`ClinicalWarning` values, and
the caller (a page, a PDF, the command line) decides how to show them and whether a reason must
be recorded.

Severity (ordered):

* ``info``: something to know or to do (protect from light, benzyl alcohol content, an
  unverified figure was used, off-label route);
* ``warning``: a soft limit is exceeded or a figure is incomplete; proceeding needs a recorded
  reason (osmolarity above the clinic's chosen school, unknown osmolarity);
* ``stop``: a hard limit from a product label is exceeded (rate, concentration); the plan must
  change, or a physician overrides it with a written reason.

``code`` is a stable machine identifier (tests, translations, audit rows); ``rule_id`` is the
knowledge entry the limit came from. Decimals stay exact; :meth:`ClinicalWarning.as_dict` turns
them into strings for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ivmt.clinical.quantities import plain

Severity = Literal["info", "warning", "stop"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "stop": 2}


@dataclass(frozen=True)
class ClinicalWarning:
    """One finding of a check. ``value`` and ``limit`` share ``unit`` when given."""

    code: str
    severity: Severity
    message: str
    value: Decimal | None = None
    limit: Decimal | None = None
    unit: str | None = None
    sources: tuple[str, ...] = ()
    status: str = "sourced"
    rule_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready mapping; Decimals become plain strings (``"0.47"``), never floats."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "value": plain(self.value) if self.value is not None else None,
            "limit": plain(self.limit) if self.limit is not None else None,
            "unit": self.unit,
            "sources": list(self.sources),
            "status": self.status,
            "rule_id": self.rule_id,
        }


def worst(warnings: tuple[ClinicalWarning, ...]) -> str | None:
    """The highest severity present, or None for no warnings."""
    if not warnings:
        return None
    return max((w.severity for w in warnings), key=SEVERITY_ORDER.__getitem__)


def by_severity(warnings: tuple[ClinicalWarning, ...]) -> tuple[ClinicalWarning, ...]:
    """Warnings sorted most serious first, keeping their order within a severity."""
    return tuple(sorted(warnings, key=lambda w: -SEVERITY_ORDER[w.severity]))
