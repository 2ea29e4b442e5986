"""The checks of a planned infusion, each returning warnings as values (see ``alerts``).

Kept apart from ``infusion_plan`` (which composes the plan) so each check reads alone:
osmolarity against the clinic's school, label rate and concentration limits, route and typical
duration, content advice (light, benzyl alcohol, puncture window) and the list of non-sourced
figures the plan relied on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivmt.clinical.alerts import ClinicalWarning
from ivmt.clinical.errors import DilutionError
from ivmt.clinical.ions import ion
from ivmt.clinical.osmolarity import SALINE, diluent_for_target
from ivmt.clinical.quantities import plain, round_half_up

if TYPE_CHECKING:
    from ivmt.clinical.infusion_plan import InfusionPlan

_FIGURE_LABELS = {
    "osmolarity_mosm_per_l": "osmolarity",
    "salt_molar_mass_g_per_mol": "molar mass",
    "label_max_rate_mg_per_min": "label rate limit",
}
# Design advice drawn from the light-sensitivity statements of the labels (REFERENCE.md §2.3).
LIGHT_SOURCES = ("S15", "S18", "S20")


def check_plan(plan: InfusionPlan) -> tuple[ClinicalWarning, ...]:
    """Every warning for ``plan``, in check order (the caller sorts by severity)."""
    return (
        _osmolarity_warnings(plan)
        + _rate_warnings(plan)
        + _concentration_warnings(plan)
        + _route_warnings(plan)
        + _content_warnings(plan)
        + _provenance_warnings(plan)
    )


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
