"""Ions counted in mmol and mEq, with their valence and molar mass (``data/ions.toml``).

mEq and mmol are defined per ion: ``mEq = mmol x |valence|``. There is deliberately no generic
"mEq to mmol" unit conversion anywhere in the core; every conversion goes through an :class:`Ion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import ClinicalError, KnowledgeError
from ivmt.clinical.knowledge import Provenance, entries

FILE = "ions.toml"


@dataclass(frozen=True)
class Ion:
    """An ion: ``valence`` is signed (Mg2+ = 2, Cl- = -1); molar mass in g/mol (= mg/mmol)."""

    id: str
    symbol: str
    name: str
    valence: int
    molar_mass_g_per_mol: Decimal | None
    provenance: Provenance

    def meq_from_mmol(self, mmol: Decimal) -> Decimal:
        """Milliequivalents of charge in ``mmol`` of this ion (non-negative for mmol >= 0)."""
        return mmol * abs(self.valence)

    def mmol_from_meq(self, meq: Decimal) -> Decimal:
        """Millimoles of this ion carrying ``meq`` milliequivalents."""
        return meq / abs(self.valence)

    def mg_from_mmol(self, mmol: Decimal) -> Decimal:
        """Elemental mass in mg of ``mmol`` of this ion; ClinicalError without a molar mass."""
        return mmol * self.require_molar_mass()

    def require_molar_mass(self) -> Decimal:
        if self.molar_mass_g_per_mol is None:
            raise ClinicalError(f"No molar mass is recorded for {self.name}.")
        return self.molar_mass_g_per_mol


@cache
def ions() -> tuple[Ion, ...]:
    """Every ion of the knowledge base."""
    loaded: list[Ion] = []
    for entry in entries(FILE, "ion"):
        valence = entry.integer("valence")
        if valence == 0:
            raise entry.error("valence", "must not be zero for an ion")
        loaded.append(
            Ion(
                id=entry.slug("id"),
                symbol=entry.text("symbol"),
                name=entry.text("name"),
                valence=valence,
                molar_mass_g_per_mol=entry.optional_decimal("molar_mass_g_per_mol", positive=True),
                provenance=entry.provenance(),
            )
        )
        entry.finish()
    return tuple(loaded)


def ion(ion_id: str) -> Ion:
    """The ion with this id; raises KnowledgeError (a data fault, not user input) if unknown."""
    for candidate in ions():
        if candidate.id == ion_id:
            return candidate
    raise KnowledgeError(f"Knowledge base: no ion '{ion_id}' in {FILE}.")
