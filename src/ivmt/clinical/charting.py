"""Settings of chair-side charting (``data/charting.toml``).

Numbers that are not clinical facts but decide how the chart behaves: the CPT push/infusion
boundary, how far back a time may be charted, the largest plausible pump rate, the drip sets a
nurse may choose, and the steps the next-dose advice takes (``next_dose``). Each carries its
provenance like every knowledge entry; most are DESIGN.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import KnowledgeError
from ivmt.clinical.knowledge import Provenance, entries

FILE = "charting.toml"


@dataclass(frozen=True)
class DripSet:
    """A gravity set: ``drops_per_ml`` drops make one mL."""

    id: str
    name: str
    drops_per_ml: int
    provenance: Provenance


@cache
def _settings() -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for entry in entries(FILE, "setting"):
        values[entry.slug("id")] = entry.decimal("value", positive=True)
        entry.provenance()
        entry.finish()
    return values


def setting_decimal(key: str) -> Decimal:
    """A charting setting; KnowledgeError when the data file lacks it."""
    try:
        return _settings()[key]
    except KeyError:
        raise KnowledgeError(f"Knowledge file {FILE}: setting '{key}' is missing.") from None


@cache
def drip_sets() -> tuple[DripSet, ...]:
    """The gravity sets offered, in the order of the data file."""
    loaded = []
    for entry in entries(FILE, "drip_set"):
        loaded.append(
            DripSet(
                id=entry.slug("id"),
                name=entry.text("name"),
                drops_per_ml=entry.integer("drops_per_ml", minimum=1),
                provenance=entry.provenance(),
            )
        )
        entry.finish()
    return tuple(loaded)


@cache
def saline_bags_ml() -> tuple[Decimal, ...]:
    """The 0.9 % saline bag sizes the advice may step up to, smallest first (mL)."""
    sizes = []
    for entry in entries(FILE, "saline_bag"):
        sizes.append(entry.decimal("volume_ml", positive=True))
        entry.slug("id")
        entry.provenance()
        entry.finish()
    return tuple(sorted(sizes))
