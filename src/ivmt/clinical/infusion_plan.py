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

from ivmt.clinical import plan_checks
from ivmt.clinical.alerts import ClinicalWarning, by_severity
from ivmt.clinical.compounding import Bag, compose_bag
from ivmt.clinical.errors import RouteError
from ivmt.clinical.formulas import Formula, Route, formula
from ivmt.clinical.limits import OsmolarityLimit, osmolarity_limit
from ivmt.clinical.osmolarity import SALINE, Diluted, with_diluent
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.clinical.rates import (
    Delivery,
    ShortestDuration,
    delivery,
    pump_rate_ml_per_h,
    shortest_duration,
)


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
    return replace(plan, warnings=by_severity(plan_checks.check_plan(plan)))
