"""The ingredient catalogue: vials and carrier fluids, per mL (``data/ingredients.toml``).

An :class:`Ingredient` describes one commercial product per mL: the principal active (the salt
the label's rate limit refers to), everything else it delivers (``actives``), the ions it
supplies, its preservatives, the vial's osmolarity, light sensitivity, label rate and
concentration limits, and the vial (single-dose, multi-dose, pharmacy bulk package or bag).

Ion content is either *derived* (``mg / molar mass x ions per formula unit``, e.g. magnesium
chloride) or *label-stated* (``mEq/mL`` as printed, e.g. calcium gluconate 0.465 mEq/mL). Label
figures are preferred where the label gives them, so the computed bag matches what the pharmacist
reads on the vial; the choice and its reason are recorded per ingredient in the data.

``figure_status`` lets one figure (say a CALC osmolarity) be weaker than the entry as a whole;
:meth:`Ingredient.status_of` answers for any field, so the app can show exactly which numbers are
unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import UnknownIngredient
from ivmt.clinical.ions import Ion, ion
from ivmt.clinical.knowledge import STATUSES, EntryReader, Provenance, entries

FILE = "ingredients.toml"
VIAL_TYPES = ("single_dose", "multi_dose", "pharmacy_bulk", "bag")
# 1 % w/v = 1 g per 100 mL = 10 mg per mL.
MG_PER_ML_PER_PERCENT = Decimal(10)


@dataclass(frozen=True)
class Active:
    """A substance the vial delivers: ``mg_per_ml``; shown in ``display_unit`` (mg or mcg)."""

    nutrient: str
    name: str
    mg_per_ml: Decimal
    display_unit: str


@dataclass(frozen=True)
class IonContent:
    """Ions per mL: ``mmol_per_ml`` (exact, derived or from the label's mEq/mL and the valence)
    and the elemental mass per mL (label-stated or mmol x molar mass; None if unknowable)."""

    ion: Ion
    mmol_per_ml: Decimal
    elemental_mg_per_ml: Decimal | None
    label_stated: bool
    elemental_from_label: bool = False

    @property
    def meq_per_ml(self) -> Decimal:
        return self.ion.meq_from_mmol(self.mmol_per_ml)


@dataclass(frozen=True)
class Preservative:
    """A preservative at ``percent_w_v`` (1 % = 10 mg/mL)."""

    name: str
    percent_w_v: Decimal

    @property
    def mg_per_ml(self) -> Decimal:
        return self.percent_w_v * MG_PER_ML_PER_PERCENT


@dataclass(frozen=True)
class Ingredient:
    """One product, per mL. Decimals carry their unit in the field name."""

    id: str
    name: str
    product: str
    salt: str | None
    strength_mg_per_ml: Decimal | None
    salt_molar_mass_g_per_mol: Decimal | None
    actives: tuple[Active, ...]
    ions: tuple[IonContent, ...]
    preservatives: tuple[Preservative, ...]
    preservatives_known: bool
    osmolarity_mosm_per_l: Decimal | None
    light_sensitive: bool
    storage_note: str | None
    vial_type: str
    vial_volume_ml: Decimal
    after_first_puncture_hours: Decimal | None
    label_routes: tuple[str, ...]
    label_max_rate_mg_per_min: Decimal | None
    label_max_concentration_mg_per_ml: Decimal | None
    label_rate_note: str | None
    provenance: Provenance
    figure_status: tuple[tuple[str, str], ...] = ()

    @property
    def status(self) -> str:
        return self.provenance.status

    @property
    def sources(self) -> tuple[str, ...]:
        return self.provenance.sources

    def status_of(self, field: str) -> str:
        """Status of one figure: its own override, else the entry's status."""
        return dict(self.figure_status).get(field, self.provenance.status)

    @property
    def single_dose(self) -> bool:
        """True when an opened container must be discarded after one preparation."""
        return self.vial_type in ("single_dose", "bag")

    def ion_content(self, ion_id: str) -> IonContent | None:
        return next((c for c in self.ions if c.ion.id == ion_id), None)

    @property
    def benzyl_alcohol_mg_per_ml(self) -> Decimal:
        return sum(
            (p.mg_per_ml for p in self.preservatives if p.name == "benzyl alcohol"), Decimal(0)
        )

    def elemental_fraction(self, ion_id: str) -> Decimal | None:
        """Elemental mass of ``ion_id`` per mass of the principal active (e.g. Mg in MgCl2·6H2O
        = 24.305 / 203.30); None when either figure is unknown."""
        content = self.ion_content(ion_id)
        if content is None or content.elemental_mg_per_ml is None or not self.strength_mg_per_ml:
            return None
        return content.elemental_mg_per_ml / self.strength_mg_per_ml

    @property
    def active_mmol_per_ml(self) -> Decimal | None:
        """mmol of the principal active per mL, when its molar mass is recorded."""
        if self.strength_mg_per_ml is None or self.salt_molar_mass_g_per_mol is None:
            return None
        return self.strength_mg_per_ml / self.salt_molar_mass_g_per_mol


_FIGURES = (
    "strength_mg_per_ml",
    "salt_molar_mass_g_per_mol",
    "osmolarity_mosm_per_l",
    "light_sensitive",
    "vial_type",
    "vial_volume_ml",
    "label_routes",
    "label_max_rate_mg_per_min",
    "label_max_concentration_mg_per_ml",
    "after_first_puncture_hours",
    "actives",
    "ions",
    "preservatives",
)


def _ion_content(
    entry: EntryReader, strength: Decimal | None, molar_mass: Decimal | None
) -> IonContent:
    ion_ = ion(entry.slug("ion"))
    per_unit = entry.optional_integer("per_formula_unit", minimum=1)
    meq = entry.optional_decimal("meq_per_ml", positive=True)
    elemental = entry.optional_decimal("elemental_mg_per_ml", positive=True)
    elemental_from_label = elemental is not None
    if per_unit is not None and meq is None:
        if strength is None or molar_mass is None:
            raise entry.error(
                "per_formula_unit", "needs strength_mg_per_ml and salt_molar_mass_g_per_mol"
            )
        mmol = strength / molar_mass * per_unit
    elif meq is not None and per_unit is None:
        mmol = ion_.mmol_from_meq(meq)
    else:
        raise entry.error("per_formula_unit", "give exactly one of per_formula_unit, meq_per_ml")
    if elemental is None and ion_.molar_mass_g_per_mol is not None:
        elemental = ion_.mg_from_mmol(mmol)
    entry.finish()
    return IonContent(
        ion=ion_,
        mmol_per_ml=mmol,
        elemental_mg_per_ml=elemental,
        label_stated=meq is not None,
        elemental_from_label=elemental_from_label,
    )


def _load_one(entry: EntryReader) -> Ingredient:
    strength = entry.optional_decimal("strength_mg_per_ml", positive=True)
    molar_mass = entry.optional_decimal("salt_molar_mass_g_per_mol", positive=True)
    actives = []
    for sub in entry.tables("actives", required=False):
        display_unit = sub.optional_text("display_unit") or "mg"
        if display_unit not in ("mg", "mcg"):
            raise sub.error("display_unit", f"'{display_unit}' is not one of mg, mcg")
        actives.append(
            Active(
                nutrient=sub.slug("nutrient"),
                name=sub.text("name"),
                mg_per_ml=sub.decimal("mg_per_ml", positive=True),
                display_unit=display_unit,
            )
        )
        sub.finish()
    ions_ = tuple(
        _ion_content(s, strength, molar_mass) for s in entry.tables("ions", required=False)
    )
    preservatives = []
    for sub in entry.tables("preservatives", required=False):
        preservatives.append(
            Preservative(
                name=sub.text("name"), percent_w_v=sub.decimal("percent_w_v", positive=True)
            )
        )
        sub.finish()
    figure_status: list[tuple[str, str]] = []
    table = entry.optional_table("figure_status")
    if table is not None:
        for field in _FIGURES:
            if table.has(field):
                figure_status.append((field, table.choice(field, STATUSES)))
        table.finish()
    max_rate = entry.optional_decimal("label_max_rate_mg_per_min", positive=True)
    max_conc = entry.optional_decimal("label_max_concentration_mg_per_ml", positive=True)
    if (max_rate or max_conc) and strength is None:
        raise entry.error("strength_mg_per_ml", "is needed for a label rate or concentration limit")
    ingredient_ = Ingredient(
        id=entry.slug("id"),
        name=entry.text("name"),
        product=entry.text("product"),
        salt=entry.optional_text("salt"),
        strength_mg_per_ml=strength,
        salt_molar_mass_g_per_mol=molar_mass,
        actives=tuple(actives),
        ions=ions_,
        preservatives=tuple(preservatives),
        preservatives_known=entry.optional_boolean("preservatives_known", True),
        osmolarity_mosm_per_l=entry.optional_decimal("osmolarity_mosm_per_l", non_negative=True),
        light_sensitive=entry.boolean("light_sensitive"),
        storage_note=entry.optional_text("storage_note"),
        vial_type=entry.choice("vial_type", VIAL_TYPES),
        vial_volume_ml=entry.decimal("vial_volume_ml", positive=True),
        after_first_puncture_hours=entry.optional_decimal(
            "after_first_puncture_hours", positive=True
        ),
        label_routes=entry.texts("label_routes", allow_empty=False),
        label_max_rate_mg_per_min=max_rate,
        label_max_concentration_mg_per_ml=max_conc,
        label_rate_note=entry.optional_text("label_rate_note"),
        provenance=entry.provenance(),
        figure_status=tuple(figure_status),
    )
    entry.finish()
    return ingredient_


@cache
def _ingredients() -> dict[str, Ingredient]:
    return {i.id: i for i in (_load_one(e) for e in entries(FILE, "ingredient"))}


def ingredients() -> tuple[Ingredient, ...]:
    """Every ingredient, in the order of the data file."""
    return tuple(_ingredients().values())


def ingredient(ingredient_id: str) -> Ingredient:
    """The ingredient with this id; raises UnknownIngredient naming the known ids."""
    try:
        return _ingredients()[ingredient_id]
    except KeyError:
        known = ", ".join(_ingredients())
        raise UnknownIngredient(
            f"Unknown ingredient '{ingredient_id}'. Known ingredients: {known}."
        ) from None
