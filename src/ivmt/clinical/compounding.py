"""What a bag (or syringe) contains: per-component amounts and per-bag totals.

:func:`compose_bag` turns a formula and the chosen volumes into a :class:`Bag`:

* per component: mg of each active (mcg shown for B12), mmol of the principal active when its
  molar mass is known, mmol / mEq / elemental mg of each ion, osmoles and benzyl alcohol;
* per bag: total volume, totals by nutrient (pyridoxine from the pyridoxine vial *and* the
  B-complex, for instance), by ion, osmoles, benzyl alcohol, and concentrations.

Everything is exact Decimal arithmetic (see ``quantities``); nothing is rounded here.
Osmolarity assumes ideal, additive osmoles and volumes (REFERENCE.md §8.1, CALC): real osmolality
of concentrated mixtures is somewhat lower, so the figure errs on the safe (high) side.

An ingredient without a known osmolarity or with unknown preservatives is recorded in
``osmolarity_unknown_for`` / ``preservatives_unknown_for``: its totals are then lower bounds,
and the infusion plan warns about it instead of presenting a false figure as complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ivmt.clinical.formulas import Formula, formula, resolve_volumes
from ivmt.clinical.ingredients import Ingredient
from ivmt.clinical.knowledge import knowledge_version

MCG_PER_MG = Decimal(1000)
ML_PER_L = Decimal(1000)
ZERO = Decimal(0)


@dataclass(frozen=True)
class NutrientAmount:
    """Mass of one nutrient, in mg; ``display_unit`` says whether to show mg or mcg."""

    nutrient: str
    name: str
    mg: Decimal
    display_unit: str

    @property
    def display_amount(self) -> Decimal:
        """The amount in ``display_unit`` (mg, or mcg = mg x 1000)."""
        return self.mg * MCG_PER_MG if self.display_unit == "mcg" else self.mg


@dataclass(frozen=True)
class IonAmount:
    """Amount of one ion: mmol, mEq (= mmol x |valence|) and elemental mg (None if unknown)."""

    ion_id: str
    symbol: str
    mmol: Decimal
    meq: Decimal
    elemental_mg: Decimal | None


@dataclass(frozen=True)
class BagLine:
    """One component as drawn up: ``volume_ml`` of ``ingredient``."""

    ingredient: Ingredient
    volume_ml: Decimal
    active_mg: Decimal | None
    active_mmol: Decimal | None
    nutrients: tuple[NutrientAmount, ...]
    ions: tuple[IonAmount, ...]
    osmoles_mosm: Decimal | None
    benzyl_alcohol_mg: Decimal


@dataclass(frozen=True)
class Bag:
    """The contents of one bag or syringe, before any carrier fluid is added."""

    formula: Formula
    lines: tuple[BagLine, ...]
    omitted: tuple[str, ...]
    total_volume_ml: Decimal
    nutrients: tuple[NutrientAmount, ...]
    ions: tuple[IonAmount, ...]
    osmoles_mosm: Decimal
    osmolarity_unknown_for: tuple[str, ...]
    benzyl_alcohol_mg: Decimal
    preservatives_unknown_for: tuple[str, ...]
    knowledge_version: str

    @property
    def osmolarity_mosm_per_l(self) -> Decimal:
        """Osmoles per litre of the mixture (a lower bound if ``osmolarity_unknown_for``)."""
        return self.osmoles_mosm / (self.total_volume_ml / ML_PER_L)

    @property
    def osmolarity_complete(self) -> bool:
        return not self.osmolarity_unknown_for

    def ion(self, ion_id: str) -> IonAmount:
        """Total of one ion; zero amounts when the bag holds none of it."""
        for amount in self.ions:
            if amount.ion_id == ion_id:
                return amount
        return IonAmount(ion_id=ion_id, symbol=ion_id, mmol=ZERO, meq=ZERO, elemental_mg=ZERO)

    def nutrient_mg(self, nutrient: str) -> Decimal:
        """Total mg of a nutrient from every component (0 if absent)."""
        return sum((n.mg for n in self.nutrients if n.nutrient == nutrient), ZERO)

    def concentration_mg_per_ml(self, nutrient: str) -> Decimal:
        """Final concentration of a nutrient in the mixture, mg/mL."""
        return self.nutrient_mg(nutrient) / self.total_volume_ml

    def line(self, ingredient_id: str) -> BagLine | None:
        return next((ln for ln in self.lines if ln.ingredient.id == ingredient_id), None)

    @property
    def magnesium_meq(self) -> Decimal:
        return self.ion("magnesium").meq

    @property
    def magnesium_elemental_mg(self) -> Decimal:
        return self.ion("magnesium").elemental_mg or ZERO

    @property
    def calcium_meq(self) -> Decimal:
        return self.ion("calcium").meq

    @property
    def calcium_elemental_mg(self) -> Decimal:
        return self.ion("calcium").elemental_mg or ZERO

    @property
    def vitamin_c_mg(self) -> Decimal:
        return self.nutrient_mg("ascorbic_acid")

    @property
    def pyridoxine_mg(self) -> Decimal:
        return self.nutrient_mg("pyridoxine_hcl")

    @property
    def thiamine_mg(self) -> Decimal:
        return self.nutrient_mg("thiamine_hcl")

    @property
    def light_sensitive(self) -> tuple[Ingredient, ...]:
        return tuple(ln.ingredient for ln in self.lines if ln.ingredient.light_sensitive)


def compose_line(ingredient_: Ingredient, volume_ml: Decimal) -> BagLine:
    """Amounts in ``volume_ml`` of one ingredient (no validation: see ``resolve_volumes``)."""
    active_mg = (
        ingredient_.strength_mg_per_ml * volume_ml
        if ingredient_.strength_mg_per_ml is not None
        else None
    )
    active_mmol_per_ml = ingredient_.active_mmol_per_ml
    ions = tuple(
        IonAmount(
            ion_id=c.ion.id,
            symbol=c.ion.symbol,
            mmol=c.mmol_per_ml * volume_ml,
            meq=c.meq_per_ml * volume_ml,
            elemental_mg=c.elemental_mg_per_ml * volume_ml
            if c.elemental_mg_per_ml is not None
            else None,
        )
        for c in ingredient_.ions
    )
    osmolarity = ingredient_.osmolarity_mosm_per_l
    return BagLine(
        ingredient=ingredient_,
        volume_ml=volume_ml,
        active_mg=active_mg,
        active_mmol=active_mmol_per_ml * volume_ml if active_mmol_per_ml is not None else None,
        nutrients=tuple(
            NutrientAmount(a.nutrient, a.name, a.mg_per_ml * volume_ml, a.display_unit)
            for a in ingredient_.actives
        ),
        ions=ions,
        osmoles_mosm=osmolarity * volume_ml / ML_PER_L if osmolarity is not None else None,
        benzyl_alcohol_mg=ingredient_.benzyl_alcohol_mg_per_ml * volume_ml,
    )


def _sum_nutrients(lines: tuple[BagLine, ...]) -> tuple[NutrientAmount, ...]:
    totals: dict[str, NutrientAmount] = {}
    for line in lines:
        for n in line.nutrients:
            before = totals.get(n.nutrient)
            totals[n.nutrient] = (
                n
                if before is None
                else NutrientAmount(n.nutrient, before.name, before.mg + n.mg, before.display_unit)
            )
    return tuple(totals.values())


def _sum_ions(lines: tuple[BagLine, ...]) -> tuple[IonAmount, ...]:
    totals: dict[str, IonAmount] = {}
    for line in lines:
        for i in line.ions:
            before = totals.get(i.ion_id)
            if before is None:
                totals[i.ion_id] = i
                continue
            elemental = (
                before.elemental_mg + i.elemental_mg
                if before.elemental_mg is not None and i.elemental_mg is not None
                else None
            )
            totals[i.ion_id] = IonAmount(
                i.ion_id, i.symbol, before.mmol + i.mmol, before.meq + i.meq, elemental
            )
    return tuple(totals.values())


def compose_bag(formula_: Formula | str, chosen_ml: Mapping[str, object] | None = None) -> Bag:
    """The bag made from ``formula_`` (an id or a Formula) with the chosen volumes in mL.

    Raises UnknownFormula, UnknownIngredient, VolumeChoiceRequired or VolumeError (see
    ``formulas.resolve_volumes``).
    """
    resolved_formula = formula(formula_) if isinstance(formula_, str) else formula_
    resolved = resolve_volumes(resolved_formula, chosen_ml)
    lines = tuple(compose_line(c.ingredient, v) for c, v in resolved if v > 0)
    omitted = tuple(c.ingredient.id for c, v in resolved if v == 0)
    return Bag(
        formula=resolved_formula,
        lines=lines,
        omitted=omitted,
        total_volume_ml=sum((ln.volume_ml for ln in lines), ZERO),
        nutrients=_sum_nutrients(lines),
        ions=_sum_ions(lines),
        osmoles_mosm=sum((ln.osmoles_mosm or ZERO for ln in lines), ZERO),
        osmolarity_unknown_for=tuple(ln.ingredient.id for ln in lines if ln.osmoles_mosm is None),
        benzyl_alcohol_mg=sum((ln.benzyl_alcohol_mg for ln in lines), ZERO),
        preservatives_unknown_for=tuple(
            ln.ingredient.id for ln in lines if not ln.ingredient.preservatives_known
        ),
        knowledge_version=knowledge_version(),
    )
