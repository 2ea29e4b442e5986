"""The coded medication catalogue screening reads (``data/medications.toml``).

A :class:`Drug` is a medicine as a patient takes it: its active ingredient codes (what a rule such
as "levodopa without carbidopa" looks for) and its classes (what "CNS depressants" looks for). A
:class:`DrugClass` may sit inside wider ones (``parents``: an opioid is a CNS depressant); the
expansion is transitive and computed once at load, so a rule naming ``cns_depressant`` matches a
drug coded only as ``opioid``.

:func:`match_drug` codes a medication typed by name: exact match on the name or an alias after
case-folding and collapsing spaces, nothing fuzzy. A near miss ("digoxine") stays uncoded, and an
uncoded medication is a screening finding of its own, so a typo can never pass silently.

Trade-off: a small curated catalogue rather than RxNorm. It names every drug REFERENCE.md §4
needs and the clinic's common ones; a drug REFERENCE.md does not name is marked 'unverified' and
highlighted when the medical director reviews the knowledge version. The app stores the drug
code with the medication, so a later edit of this file never rewrites a chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import EntryReader, Provenance, entries

FILE = "medications.toml"


class UnknownDrug(ClinicalError):
    """No drug or drug class with this code is in the catalogue."""


def normalise_name(text: str) -> str:
    """Case-folded, single-spaced text for exact name matching ("  DiGoxin " -> "digoxin")."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class DrugClass:
    """A class a screening rule can name; ``ancestors`` are every wider class, transitively."""

    id: str
    name: str
    parents: tuple[str, ...]
    ancestors: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True)
class Drug:
    """A coded medicine. ``all_classes`` holds its classes and all their ancestors."""

    id: str
    name: str
    aliases: tuple[str, ...]
    ingredients: tuple[str, ...]
    classes: tuple[str, ...]
    all_classes: tuple[str, ...]
    provenance: Provenance


def _load_class(entry: EntryReader) -> tuple[str, str, tuple[str, ...], Provenance]:
    result = (entry.slug("id"), entry.text("name"), entry.texts("parents"), entry.provenance())
    entry.finish()
    return result


@cache
def _classes() -> dict[str, DrugClass]:
    raw = {c[0]: c for c in (_load_class(e) for e in entries(FILE, "drug_class"))}
    for class_id, (_, _, parents, _) in raw.items():
        for parent in parents:
            if parent not in raw:
                raise UnknownDrug(
                    f"Knowledge file {FILE}: drug class '{class_id}' names an unknown "
                    f"parent '{parent}'."
                )

    def ancestors(class_id: str, path: tuple[str, ...]) -> tuple[str, ...]:
        if class_id in path:
            raise UnknownDrug(f"Knowledge file {FILE}: drug class '{class_id}' is its own parent.")
        found: list[str] = []
        for parent in raw[class_id][2]:
            found += [parent, *ancestors(parent, (*path, class_id))]
        return tuple(dict.fromkeys(found))

    return {
        cid: DrugClass(
            id=cid, name=name, parents=parents, ancestors=ancestors(cid, ()), provenance=p
        )
        for cid, (_, name, parents, p) in raw.items()
    }


def _load_drug(entry: EntryReader, classes: dict[str, DrugClass]) -> Drug:
    drug_id = entry.slug("id")
    own = entry.texts("classes")
    for class_id in own:
        if class_id not in classes:
            raise entry.error("classes", f"'{class_id}' is not a [[drug_class]]")
    expanded = tuple(dict.fromkeys(c for cid in own for c in (cid, *classes[cid].ancestors)))
    ingredients = entry.texts("ingredients", allow_empty=False)
    drug = Drug(
        id=drug_id,
        name=entry.text("name"),
        aliases=entry.texts("aliases"),
        ingredients=ingredients,
        classes=own,
        all_classes=expanded,
        provenance=entry.provenance(),
    )
    entry.finish()
    return drug


@cache
def _drugs() -> dict[str, Drug]:
    classes = _classes()
    found = {d.id: d for d in (_load_drug(e, classes) for e in entries(FILE, "drug"))}
    names: dict[str, str] = {}
    for drug in found.values():
        for name in (drug.name, *drug.aliases):
            key = normalise_name(name)
            if names.setdefault(key, drug.id) != drug.id:
                raise UnknownDrug(
                    f"Knowledge file {FILE}: the name '{name}' belongs to both "
                    f"'{names[key]}' and '{drug.id}'."
                )
    return found


@cache
def _by_name() -> dict[str, Drug]:
    return {
        normalise_name(name): drug
        for drug in _drugs().values()
        for name in (drug.name, *drug.aliases)
    }


def drug_classes() -> tuple[DrugClass, ...]:
    """Every drug class, in file order."""
    return tuple(_classes().values())


def drug_class(class_id: str) -> DrugClass:
    """The class with this id; raises UnknownDrug."""
    try:
        return _classes()[class_id]
    except KeyError:
        raise UnknownDrug(f"Unknown drug class '{class_id}'.") from None


def drugs() -> tuple[Drug, ...]:
    """Every coded drug, in file order."""
    return tuple(_drugs().values())


def drug(drug_id: str) -> Drug:
    """The drug with this code; raises UnknownDrug (its message is shown to users as is)."""
    try:
        return _drugs()[drug_id]
    except KeyError:
        raise UnknownDrug(f"'{drug_id}' is not a medication in the catalogue.") from None


def match_drug(name: str) -> Drug | None:
    """The drug whose name or alias is exactly ``name`` (case and spacing ignored), else None."""
    return _by_name().get(normalise_name(name))


def known_ingredients() -> frozenset[str]:
    """Every active-ingredient code the catalogue uses (rules may only name these)."""
    return frozenset(i for d in _drugs().values() for i in d.ingredients)
