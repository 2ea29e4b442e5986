"""Limits a clinic applies to a planned infusion (``data/limits.toml``).

Peripheral osmolarity is a choice between two schools (900 and 600 mOsm/L), made by the clinic,
so it is a parameter of every check rather than a constant. Label rate limits are per ingredient
(``ingredients``) and lab limits per analyte (``labs``); this module holds the rest and a few
DESIGN settings (default school, the longest plausible duration, the largest drip factor).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import KnowledgeError, UnknownLimit
from ivmt.clinical.knowledge import Provenance, entries
from ivmt.clinical.quantities import plain

FILE = "limits.toml"


@dataclass(frozen=True)
class OsmolarityLimit:
    """A peripheral-vein osmolarity ceiling in mOsm/L."""

    id: str
    name: str
    max_mosm_per_l: Decimal
    provenance: Provenance


@cache
def osmolarity_limits() -> tuple[OsmolarityLimit, ...]:
    """The schools the clinic can choose from, in the order of the data file."""
    loaded = []
    for entry in entries(FILE, "osmolarity_limit"):
        loaded.append(
            OsmolarityLimit(
                id=entry.slug("id"),
                name=entry.text("name"),
                max_mosm_per_l=entry.decimal("max_mosm_per_l", positive=True),
                provenance=entry.provenance(),
            )
        )
        entry.finish()
    return tuple(loaded)


def osmolarity_limit(key: str | int | Decimal | None = None) -> OsmolarityLimit:
    """A limit by id (``"peripheral_600"``) or by value (``600``); None gives the default.

    Raises UnknownLimit naming the choices.
    """
    if key is None:
        key = setting_text("default_osmolarity_limit")
    for limit in osmolarity_limits():
        if str(key) in (limit.id, plain(limit.max_mosm_per_l)):
            return limit
    choices = ", ".join(f"{plain(x.max_mosm_per_l)} ({x.id})" for x in osmolarity_limits())
    raise UnknownLimit(f"Unknown osmolarity limit '{key}'. Choose one of: {choices}.")


@cache
def _settings() -> dict[str, Decimal | str]:
    values: dict[str, Decimal | str] = {}
    for entry in entries(FILE, "setting"):
        key = entry.slug("id")
        values[key] = entry.text("value") if entry.is_text("value") else entry.decimal("value")
        entry.provenance()
        entry.finish()
    return values


def setting_decimal(key: str) -> Decimal:
    value = _settings().get(key)
    if not isinstance(value, Decimal):
        raise KnowledgeError(f"Knowledge file {FILE}: setting '{key}' must be a number.")
    return value


def setting_text(key: str) -> str:
    value = _settings().get(key)
    if not isinstance(value, str):
        raise KnowledgeError(f"Knowledge file {FILE}: setting '{key}' must be text.")
    return value
