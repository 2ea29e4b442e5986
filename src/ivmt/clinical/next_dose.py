"""Next-dose advice after minor side effects: a longer infusion and/or more dilution.

Seed 001: "Patients with minor side effects are often infused over a longer period of time, or
the nutrients are further diluted" [S44]. The source gives no figures, so the steps are DESIGN
settings of ``charting.toml``:

* **slower** (a charted side effect whose ``advice`` includes it, e.g. heat, light-headedness):
  the duration times ``advice_duration_factor``, rounded *up* to ``advice_duration_step_min``,
  at least ``advice_at_least_longer_min`` longer, and never beyond ``advice_max_duration_min``
  for a bag or the route's typical upper time for a push (a slower push is a bag, which the
  physician orders);
* **dilute** (e.g. pain in the infused arm): the mixture goes into the next larger 0.9 % saline
  bag of the list (none → 100 mL → 250 mL → 500 mL); a push cannot be diluted in a bag.

The proposed order is checked by :func:`~ivmt.clinical.infusion_plan.plan_infusion` exactly like
any order, so the advice carries the new pump rate, osmolarity, magnesium rate and warnings.
When nothing can change (already at the longest duration and largest bag) the advice says so
and proposes nothing; the physician decides. Side effects flagged ``notify`` produce advice
that only informs (visual changes, low potassium).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ivmt.clinical.charting import saline_bags_ml, setting_decimal
from ivmt.clinical.infusion_plan import InfusionPlan, plan_infusion
from ivmt.clinical.quantities import plain, round_half_up, round_up
from ivmt.clinical.side_effects import side_effect


@dataclass(frozen=True)
class CurrentOrder:
    """The order the dose was given under; volumes in mL, duration in minutes."""

    formula_id: str
    volumes_ml: Mapping[str, Decimal]
    route_id: str
    duration_min: Decimal
    into_saline_ml: Decimal | None
    osmolarity_limit_id: str | None


@dataclass(frozen=True)
class NextDoseAdvice:
    """What to change for the next dose, and the plan it gives.

    ``changed`` is False when the advice only informs (nothing computed, or nothing possible).
    """

    reasons: tuple[str, ...]
    slower: bool
    dilute: bool
    duration_min: Decimal
    into_saline_ml: Decimal | None
    current: InfusionPlan
    proposed: InfusionPlan
    notes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.duration_min != self.current.duration_min or self.into_saline_ml != (
            self.current.carrier.diluent_ml if self.current.carrier else None
        )

    def summary(self) -> str:
        """One sentence for the physician: what changes, and the resulting figures."""
        parts = []
        before_min = self.current.duration_min
        if before_min is not None and self.duration_min != before_min:
            parts.append(
                f"infuse over {plain(self.duration_min)} min instead of {plain(before_min)}"
            )
        before_ml = self.current.carrier.diluent_ml if self.current.carrier else None
        if self.into_saline_ml != before_ml:
            was = f"{plain(before_ml)} mL" if before_ml is not None else "no saline bag"
            parts.append(
                f"add the mixture to {plain(self.into_saline_ml or Decimal(0))} mL of 0.9 % "
                f"saline instead of {was}"
            )
        if not parts:
            return "No change is proposed. " + " ".join(self.notes)
        plan = self.proposed
        rate = plan.pump_rate_ml_per_h
        magnesium = plan.delivery.magnesium_meq_per_min if plan.delivery else None
        figures = [
            f"pump {plain(round_half_up(rate, 1))} mL/h" if rate is not None else "",
            f"{plain(round_half_up(plan.final_osmolarity_mosm_per_l, 0))} mOsm/L",
            f"magnesium {plain(round_half_up(magnesium, 2))} mEq/min"
            if magnesium is not None
            else "",
        ]
        joined = "; ".join(parts)
        text = joined[:1].upper() + joined[1:] + " (" + ", ".join(f for f in figures if f) + ")."
        return " ".join([text, *self.notes])


def _plan(order: CurrentOrder, duration: Decimal, saline: Decimal | None) -> InfusionPlan:
    return plan_infusion(
        order.formula_id,
        volumes_ml=dict(order.volumes_ml),
        route=order.route_id,
        duration_min=duration,
        into_saline_ml=saline,
        osmolarity_limit_id=order.osmolarity_limit_id,
    )


def _longer(current: InfusionPlan, duration: Decimal) -> tuple[Decimal, str]:
    factor = setting_decimal("advice_duration_factor")
    step = setting_decimal("advice_duration_step_min")
    at_least = setting_decimal("advice_at_least_longer_min")
    if current.route.container == "syringe":
        cap = current.route.typical_duration_min_high
        what = f"the route's typical upper time ({plain(cap)} minutes)"
    else:
        cap = setting_decimal("advice_max_duration_min")
        what = f"{plain(cap)} minutes, the longest the advice suggests"
    wanted = max(round_up(duration * factor / step) * step, duration + at_least)
    chosen = min(wanted, cap)
    if chosen <= duration:
        return duration, f"The duration is already at {what}; the physician decides on more."
    return chosen, ""


def _more_dilute(current: InfusionPlan) -> tuple[Decimal | None, str]:
    now = current.carrier.diluent_ml if current.carrier else None
    if current.route.container != "bag":
        return now, (
            f"{current.route.name} cannot be added to a saline bag; giving it as a bag is a "
            "change of route for the physician."
        )
    larger = [size for size in saline_bags_ml() if now is None or size > now]
    if not larger:
        return now, "The mixture is already in the largest saline bag the advice suggests."
    return larger[0], ""


def advise(order: CurrentOrder, observed: Sequence[str]) -> NextDoseAdvice | None:
    """Advice for the next dose after the side effects ``observed`` (side-effect ids).

    None when none of them suggests a change or asks for the physician (vitamin taste alone).
    Raises a ClinicalError subclass for an unknown side effect or an order that no longer
    composes.
    """
    effects = [side_effect(i) for i in dict.fromkeys(observed)]
    relevant = [e for e in effects if e.slower or e.dilute or e.notify]
    if not relevant:
        return None
    current = _plan(order, order.duration_min, order.into_saline_ml)
    slower = any(e.slower for e in relevant)
    dilute = any(e.dilute for e in relevant)
    notes: list[str] = []
    duration = order.duration_min
    saline = current.carrier.diluent_ml if current.carrier else None
    if slower:
        duration, note = _longer(current, order.duration_min)
        notes += [note] if note else []
    if dilute:
        saline, note = _more_dilute(current)
        notes += [note] if note else []
    if not (slower or dilute):
        notes.append(
            "Reported to the physician: "
            + ", ".join(e.name.lower() for e in relevant if e.notify)
            + ". No change of rate or dilution is known to prevent it."
        )
    proposed = _plan(order, duration, saline)
    return NextDoseAdvice(
        reasons=tuple(e.id for e in relevant),
        slower=slower,
        dilute=dilute,
        duration_min=duration,
        into_saline_ml=saline,
        current=current,
        proposed=proposed,
        notes=tuple(notes),
    )
