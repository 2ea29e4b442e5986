"""A planned infusion checked against every limit: the one call a page or the CLI needs.

:func:`plan_infusion` composes the bag, optionally adds it to a saline bag, computes rates for
the planned duration and the shortest duration within the label limits, and returns every
finding as a :class:`~ivmt.clinical.alerts.ClinicalWarning` (see ``alerts`` for severities).

What the osmolarity limit is checked against: the fluid that reaches the vein as planned, i.e.
the mixture itself, or the mixture plus the saline bag it is added to (``into_saline_ml``).
A piggy-back saline line also dilutes in practice, but by an amount nobody controls, so the
check stays on the mixture (the conservative case).

:meth:`InfusionPlan.summary` is the documented machine-readable form (used by ``--json``):
every quantity is a decimal *string* rounded half-up to the precision REFERENCE.md §8 shows
(volumes 0.1 mL, osmolarity 1 mOsm/L, mEq 0.01, elemental mg 0.1, concentrations 0.001 mg/mL,
rates 0.01 mEq/min, shortest duration rounded up to a whole minute). The Python objects keep
the exact values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from ivmt.clinical.alerts import ClinicalWarning, by_severity
from ivmt.clinical.compounding import Bag, compose_bag
from ivmt.clinical.errors import DilutionError, RouteError
from ivmt.clinical.formulas import Formula, Route, formula
from ivmt.clinical.ions import ion
from ivmt.clinical.limits import OsmolarityLimit, osmolarity_limit
from ivmt.clinical.osmolarity import SALINE, Diluted, diluent_for_target, with_diluent
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.clinical.rates import (
    Delivery,
    ShortestDuration,
    delivery,
    pump_rate_ml_per_h,
    shortest_duration,
)

_FIGURE_LABELS = {
    "osmolarity_mosm_per_l": "osmolarity",
    "salt_molar_mass_g_per_mol": "molar mass",
    "label_max_rate_mg_per_min": "label rate limit",
}
# Design advice drawn from the light-sensitivity statements of the labels (REFERENCE.md §2.3).
LIGHT_SOURCES = ("S15", "S18", "S20")


@dataclass(frozen=True)
class InfusionPlan:
    """A bag, how it is given, and what the checks found. ``warnings`` are most serious first."""

    bag: Bag
    route: Route
    duration_min: Decimal | None
    carrier: Diluted | None
    osmolarity_limit: OsmolarityLimit
    delivery: Delivery | None
    shortest: ShortestDuration
    warnings: tuple[ClinicalWarning, ...]
    knowledge_version: str

    @property
    def final_volume_ml(self) -> Decimal:
        """What is infused: the mixture, plus the saline bag when added to one."""
        return self.carrier.total_volume_ml if self.carrier else self.bag.total_volume_ml

    @property
    def final_osmolarity_mosm_per_l(self) -> Decimal:
        if self.carrier:
            return self.carrier.osmolarity_mosm_per_l
        return self.bag.osmolarity_mosm_per_l

    def final_concentration_mg_per_ml(self, nutrient: str) -> Decimal:
        """Concentration of a nutrient in what is infused (mixture plus any saline), mg/mL."""
        return self.bag.nutrient_mg(nutrient) / self.final_volume_ml

    @property
    def pump_rate_ml_per_h(self) -> Decimal | None:
        if self.duration_min is None:
            return None
        return pump_rate_ml_per_h(self.final_volume_ml, self.duration_min)

    def summary(self) -> dict[str, object]:
        """The machine-readable plan (see the module docstring for rounding and units)."""
        bag, d = self.bag, self.delivery

        def fixed(value: Decimal | None, places: int) -> str | None:
            return plain(round_half_up(value, places)) if value is not None else None

        return {
            "formula": bag.formula.id,
            "knowledge_version": self.knowledge_version,
            "route": self.route.id,
            "volumes_ml": {ln.ingredient.id: plain(ln.volume_ml) for ln in bag.lines},
            "mixture_volume_ml": fixed(bag.total_volume_ml, 1),
            "mixture_osmolarity_mosm_per_l": fixed(bag.osmolarity_mosm_per_l, 0),
            "into_saline_ml": plain(self.carrier.diluent_ml) if self.carrier else None,
            "total_volume_ml": fixed(self.final_volume_ml, 1),
            "osmolarity_mosm_per_l": fixed(self.final_osmolarity_mosm_per_l, 0),
            "osmolarity_complete": bag.osmolarity_complete,
            "osmolarity_limit_mosm_per_l": plain(self.osmolarity_limit.max_mosm_per_l),
            "magnesium_mmol": fixed(bag.ion("magnesium").mmol, 2),
            "magnesium_meq": fixed(bag.magnesium_meq, 2),
            "magnesium_elemental_mg": fixed(bag.magnesium_elemental_mg, 1),
            "calcium_mmol": fixed(bag.ion("calcium").mmol, 2),
            "calcium_meq": fixed(bag.calcium_meq, 2),
            "calcium_elemental_mg": fixed(bag.calcium_elemental_mg, 1),
            "vitamin_c_mg": fixed(bag.vitamin_c_mg, 0),
            "pyridoxine_hcl_mg": fixed(bag.pyridoxine_mg, 0),
            "thiamine_hcl_mg": fixed(bag.thiamine_mg, 0),
            "benzyl_alcohol_mg": fixed(bag.benzyl_alcohol_mg, 0),
            "concentrations_mg_per_ml": {
                n.nutrient: fixed(self.final_concentration_mg_per_ml(n.nutrient), 3)
                for n in bag.nutrients
            },
            "duration_min": plain(self.duration_min) if self.duration_min is not None else None,
            "magnesium_meq_per_min": fixed(d.magnesium_meq_per_min, 2) if d else None,
            "calcium_meq_per_min": fixed(d.calcium_meq_per_min, 2) if d else None,
            "min_duration_min": plain(self.shortest.whole_min)
            if self.shortest.whole_min is not None
            else None,
            "pump_rate_ml_per_h": fixed(self.pump_rate_ml_per_h, 1),
            "warnings": [w.as_dict() for w in self.warnings],
        }


def plan_infusion(
    formula_: Formula | str,
    *,
    volumes_ml: Mapping[str, object] | None = None,
    route: str | None = None,
    duration_min: object = None,
    into_saline_ml: object = None,
    osmolarity_limit_id: str | int | Decimal | None = None,
) -> InfusionPlan:
    """Compose and check a planned infusion.

    ``volumes_ml`` maps ingredient ids to chosen volumes (mL); ``route`` is a route id allowed by
    the formula (default: the formula's); ``duration_min`` the planned duration in minutes (no
    rate checks without it); ``into_saline_ml`` the 0.9 % saline bag the mixture is added to;
    ``osmolarity_limit_id`` the clinic's school (``"peripheral_900"``, ``600`` ...; default from
    the data). Raises a ClinicalError subclass on any bad input.
    """
    resolved = formula(formula_) if isinstance(formula_, str) else formula_
    route_ = resolved.route(route) if route is not None else resolved.default_route
    limit = osmolarity_limit(osmolarity_limit_id)
    bag = compose_bag(resolved, volumes_ml)
    carrier = None
    if into_saline_ml is not None:
        if route_.container != "bag":
            raise RouteError(
                f"A {route_.name.lower()} cannot be added to a saline bag; "
                "choose a bag route or leave out the saline."
            )
        carrier = with_diluent(bag, into_saline_ml, SALINE)
    rates = delivery(bag, duration_min) if duration_min is not None else None
    plan = InfusionPlan(
        bag=bag,
        route=route_,
        duration_min=rates.duration_min if rates else None,
        carrier=carrier,
        osmolarity_limit=limit,
        delivery=rates,
        shortest=shortest_duration(bag),
        warnings=(),
        knowledge_version=bag.knowledge_version,
    )
    warnings = (
        _osmolarity_warnings(plan)
        + _rate_warnings(plan)
        + _concentration_warnings(plan)
        + _route_warnings(plan)
        + _content_warnings(plan)
        + _provenance_warnings(plan)
    )
    return replace(plan, warnings=by_severity(warnings))


def _osmolarity_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    bag, limit = plan.bag, plan.osmolarity_limit
    found: list[ClinicalWarning] = []
    if not bag.osmolarity_complete:
        names = ", ".join(ln.ingredient.name for ln in bag.lines if ln.osmoles_mosm is None)
        found.append(
            ClinicalWarning(
                code="osmolarity_incomplete",
                severity="warning",
                message=(
                    f"The osmolarity of {names} is unknown, so the mixture's osmolarity is a "
                    "lower bound; check it before giving by a peripheral vein."
                ),
                status="unverified",
            )
        )
    final = plan.final_osmolarity_mosm_per_l
    if final > limit.max_mosm_per_l:
        try:
            saline_ml = diluent_for_target(bag, limit.max_mosm_per_l, SALINE, places=0)
            hint = (
                f" Adding the mixture to at least {plain(saline_ml)} mL of 0.9 % saline brings "
                "it within the limit."
            )
        except DilutionError:
            hint = ""
        found.append(
            ClinicalWarning(
                code="osmolarity_above_limit",
                severity="warning",
                message=(
                    f"Osmolarity {plain(round_half_up(final, 0))} mOsm/L is above the "
                    f"{limit.name} of {plain(limit.max_mosm_per_l)} mOsm/L for a peripheral "
                    f"vein.{hint} (These limits were written for parenteral nutrition, not a "
                    "short infusion.)"
                ),
                value=final,
                limit=limit.max_mosm_per_l,
                unit="mOsm/L",
                sources=limit.provenance.sources,
                status=limit.provenance.status,
                rule_id=limit.id,
            )
        )
    return tuple(found)


def _rate_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    if plan.delivery is None:
        return ()
    found = []
    for rate in plan.delivery.ingredient_rates:
        if rate.within_limit:
            continue
        minutes = plain(plan.shortest.whole_min) if plan.shortest.whole_min else "?"
        found.append(
            ClinicalWarning(
                code="rate_above_label_limit",
                severity="stop",
                message=(
                    f"{rate.name}: {plain(round_half_up(rate.mg_per_min, 1))} mg/min over "
                    f"{plain(plan.delivery.duration_min)} min is "
                    f"{plain(round_half_up(rate.fraction_of_limit * 100, 0))} % of the label "
                    f"limit of {plain(rate.limit_mg_per_min)} mg/min. Give over at least "
                    f"{minutes} minutes."
                ),
                value=rate.mg_per_min,
                limit=rate.limit_mg_per_min,
                unit="mg/min",
                sources=rate.sources,
                status=rate.status,
                rule_id=rate.ingredient_id,
            )
        )
    return tuple(found)


def _concentration_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    found = []
    for line in plan.bag.lines:
        limit = line.ingredient.label_max_concentration_mg_per_ml
        if limit is None or line.active_mg is None:
            continue
        concentration = line.active_mg / plan.final_volume_ml
        if concentration > limit:
            found.append(
                ClinicalWarning(
                    code="concentration_above_label_limit",
                    severity="stop",
                    message=(
                        f"{line.ingredient.name}: {plain(round_half_up(concentration, 0))} mg/mL "
                        f"in the final solution is above the label's {plain(limit)} mg/mL; "
                        "dilute further."
                    ),
                    value=concentration,
                    limit=limit,
                    unit="mg/mL",
                    sources=line.ingredient.sources,
                    status=line.ingredient.status_of("label_max_concentration_mg_per_ml"),
                    rule_id=line.ingredient.id,
                )
            )
    return tuple(found)


def _route_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    found = []
    route_ = plan.route
    if plan.duration_min is not None and not (
        route_.typical_duration_min_low <= plan.duration_min <= route_.typical_duration_min_high
    ):
        found.append(
            ClinicalWarning(
                code="duration_outside_typical",
                severity="info",
                message=(
                    f"{plain(plan.duration_min)} min is outside the typical "
                    f"{plain(route_.typical_duration_min_low)}-"
                    f"{plain(route_.typical_duration_min_high)} min for a "
                    f"{route_.name.lower()}."
                ),
                value=plan.duration_min,
                unit="min",
                sources=route_.provenance.sources,
                status=route_.provenance.status,
                rule_id=route_.id,
            )
        )
    for line in plan.bag.lines:
        if not any("IV" in r for r in line.ingredient.label_routes) and line.ingredient.actives:
            found.append(
                ClinicalWarning(
                    code="label_route_not_iv",
                    severity="info",
                    message=(
                        f"{line.ingredient.name} is labelled for "
                        f"{', '.join(line.ingredient.label_routes)} only; IV use is off-label."
                    ),
                    sources=line.ingredient.sources,
                    status=line.ingredient.status_of("label_routes"),
                    rule_id=line.ingredient.id,
                )
            )
    return tuple(found)


def _content_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    bag = plan.bag
    found = []
    light = bag.light_sensitive
    if light:
        found.append(
            ClinicalWarning(
                code="protect_from_light",
                severity="info",
                message=(
                    f"Light-sensitive: {', '.join(i.name for i in light)}. Cover the "
                    "bag or syringe and keep the hang time short."
                ),
                sources=LIGHT_SOURCES,
                status="design",
            )
        )
    if bag.benzyl_alcohol_mg > 0 or bag.preservatives_unknown_for:
        unknown = ", ".join(bag.preservatives_unknown_for)
        note = f" (at least: preservatives of {unknown} are unknown)" if unknown else ""
        found.append(
            ClinicalWarning(
                code="benzyl_alcohol",
                severity="info",
                message=(
                    f"Contains {plain(round_half_up(bag.benzyl_alcohol_mg, 0))} mg benzyl "
                    f"alcohol{note}. Adults only; ask about benzyl alcohol allergy."
                ),
                value=bag.benzyl_alcohol_mg,
                unit="mg",
                sources=("S28",),
                status="sourced" if not unknown else "unverified",
            )
        )
    for line in bag.lines:
        hours = line.ingredient.after_first_puncture_hours
        if hours is not None:
            found.append(
                ClinicalWarning(
                    code="use_within_hours_of_puncture",
                    severity="info",
                    message=(
                        f"{line.ingredient.name}: dispense within {plain(hours)} h of the first "
                        "puncture of the vial."
                    ),
                    limit=hours,
                    unit="h",
                    sources=line.ingredient.sources,
                    status=line.ingredient.status_of("after_first_puncture_hours"),
                    rule_id=line.ingredient.id,
                )
            )
    return tuple(found)


def _provenance_warnings(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    """One info listing every figure behind this plan that is not 'sourced'."""
    weak: list[str] = []
    for line in plan.bag.lines:
        ingredient_ = line.ingredient
        used = ["osmolarity_mosm_per_l"]
        if any(not c.label_stated for c in ingredient_.ions):
            used.append("salt_molar_mass_g_per_mol")
        if ingredient_.label_max_rate_mg_per_min is not None:
            used.append("label_max_rate_mg_per_min")
        for field in used:
            status = ingredient_.status_of(field)
            if status != "sourced":
                weak.append(f"{ingredient_.name} {_FIGURE_LABELS[field]} ({status})")
    for ion_id in ("magnesium", "calcium"):
        ion_ = ion(ion_id)
        uses_molar_mass = any(
            c.ion.id == ion_id and not c.elemental_from_label
            for ln in plan.bag.lines
            for c in ln.ingredient.ions
        )
        if uses_molar_mass and ion_.provenance.status != "sourced":
            weak.append(f"{ion_.name} molar mass ({ion_.provenance.status})")
    for component in plan.bag.formula.components:
        in_bag = plan.bag.line(component.ingredient.id) is not None
        if in_bag and component.range_status != "sourced":
            weak.append(f"{component.ingredient.name} volume range ({component.range_status})")
    if not weak:
        return ()
    return (
        ClinicalWarning(
            code="unverified_figures",
            severity="info",
            message="Figures not confirmed against a primary source were used: "
            + "; ".join(weak)
            + ".",
            status="unverified",
        ),
    )
