"""The coded allergen catalogue screening reads (``data/allergens.toml``).

An :class:`Allergen` says which nutrients (ingredient actives) and preservatives of the IVMT vials
it is, so that a rule can ask "is the patient allergic to something in the planned formula?"
without a list of names in code. Names and preservatives are checked against the ingredient
catalogue at load: an allergen naming a nutrient no vial has is a data error, not a silent miss.

:func:`match_allergen` codes an allergy typed by name, by exact name or alias (case and spacing
ignored); anything else stays uncoded and is a screening finding of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.ingredients import ingredients
from ivmt.clinical.knowledge import EntryReader, Provenance, entries
from ivmt.clinical.medications import normalise_name

FILE = "allergens.toml"


class UnknownAllergen(ClinicalError):
    """No allergen with this code is in the catalogue."""


@dataclass(frozen=True)
class Allergen:
    """A coded allergen; empty ``nutrients`` and ``preservatives`` = in no IVMT vial."""

    id: str
    name: str
    aliases: tuple[str, ...]
    nutrients: tuple[str, ...]
    preservatives: tuple[str, ...]
    provenance: Provenance

    @property
    def in_ivmt_vials(self) -> bool:
        return bool(self.nutrients or self.preservatives)


def known_nutrients() -> frozenset[str]:
    """Nutrient codes of every ingredient's actives."""
    return frozenset(a.nutrient for i in ingredients() for a in i.actives)


def known_preservatives() -> frozenset[str]:
    """Preservative names as the ingredient catalogue spells them."""
    return frozenset(p.name for i in ingredients() for p in i.preservatives)


def _load_one(entry: EntryReader) -> Allergen:
    allergen_id = entry.slug("id")
    nutrients = entry.texts("nutrients")
    for nutrient in nutrients:
        if nutrient not in known_nutrients():
            raise entry.error("nutrients", f"'{nutrient}' is not an active of any ingredient")
    preservatives = entry.texts("preservatives")
    for name in preservatives:
        if name not in known_preservatives():
            raise entry.error("preservatives", f"'{name}' is not a preservative of any ingredient")
    result = Allergen(
        id=allergen_id,
        name=entry.text("name"),
        aliases=entry.texts("aliases"),
        nutrients=nutrients,
        preservatives=preservatives,
        provenance=entry.provenance(),
    )
    entry.finish()
    return result


@cache
def _allergens() -> dict[str, Allergen]:
    return {a.id: a for a in (_load_one(e) for e in entries(FILE, "allergen"))}


@cache
def _by_name() -> dict[str, Allergen]:
    found: dict[str, Allergen] = {}
    for allergen in _allergens().values():
        for name in (allergen.name, *allergen.aliases):
            key = normalise_name(name)
            if key in found and found[key].id != allergen.id:
                raise UnknownAllergen(
                    f"Knowledge file {FILE}: the name '{name}' belongs to both "
                    f"'{found[key].id}' and '{allergen.id}'."
                )
            found[key] = allergen
    return found


def allergens() -> tuple[Allergen, ...]:
    """Every coded allergen, in file order."""
    return tuple(_allergens().values())


def allergen(allergen_id: str) -> Allergen:
    """The allergen with this code; raises UnknownAllergen (shown to users as is)."""
    try:
        return _allergens()[allergen_id]
    except KeyError:
        raise UnknownAllergen(f"'{allergen_id}' is not an allergen in the catalogue.") from None


def match_allergen(substance: str) -> Allergen | None:
    """The allergen whose name or alias is exactly ``substance`` (case/spacing ignored)."""
    return _by_name().get(normalise_name(substance))
