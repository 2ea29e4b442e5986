"""How a plan's figures are shown: the same rounding on the order page, the pharmacy worksheet
and the bag label (half-up, to the precision of REFERENCE.md §8, via ``plan.summary()``).

Exact values stay in the clinical core; only text leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ivmt.clinical.compounding import BagLine
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.quantities import plain, round_half_up


def amount_text(value: Decimal, unit: str) -> str:
    """An amount for display: whole units from 10 up, else up to two decimals (half-up)."""
    places = 0 if value >= 10 else 2
    shown = round_half_up(value, places).normalize()
    return f"{plain(shown)} {unit}"


@dataclass(frozen=True)
class ContentRow:
    ingredient_id: str
    name: str
    volume_ml: str
    amounts: str
    light_sensitive: bool


def line_amounts(line: BagLine) -> str:
    """What ``line`` delivers: each active (mg or mcg) and each ion (mEq)."""
    parts = [amount_text(n.display_amount, n.display_unit) + f" {n.name}" for n in line.nutrients]
    parts += [f"{plain(round_half_up(i.meq, 2))} mEq {i.symbol}" for i in line.ions]
    return "; ".join(parts)


def content_rows(plan: InfusionPlan) -> list[ContentRow]:
    """One row per component drawn up (0 mL components are left out), then the saline bag."""
    rows = [
        ContentRow(
            ingredient_id=line.ingredient.id,
            name=line.ingredient.name,
            volume_ml=plain(round_half_up(line.volume_ml, 2).normalize()),
            amounts=line_amounts(line),
            light_sensitive=line.ingredient.light_sensitive,
        )
        for line in plan.bag.lines
    ]
    if plan.carrier is not None:
        rows.append(
            ContentRow(
                ingredient_id=plan.carrier.diluent.id,
                name=plan.carrier.diluent.name + " (carrier bag)",
                volume_ml=plain(plan.carrier.diluent_ml.normalize()),
                amounts="the mixture is added to this bag",
                light_sensitive=plan.carrier.diluent.light_sensitive,
            )
        )
    return rows


def severity_class(severity: str) -> str:
    """Bootstrap colour for a warning severity."""
    return {"stop": "danger", "warning": "warning"}.get(severity, "info")
