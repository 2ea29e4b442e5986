"""Command line for the clinical core: ``ivmt formula ...`` and ``ivmt protocol ...``.

The main ``ivmt`` program calls :func:`register` with its argparse sub-parsers; each command
sets ``func`` (``args -> exit code``). Until then the module runs alone:
``python -m ivmt.clinical.cli formula list``.

Exit codes: 0 success; 2 bad input. A domain error (:class:`ClinicalError`) is printed to stderr
as one line, ``error: <message>``, never as a traceback.

``formula calc --json`` prints :meth:`InfusionPlan.summary`: every quantity is a decimal
*string* rounded as documented there (exact values stay in the Python API), booleans and nulls
are JSON literals, and ``warnings`` is a list of objects (code, severity, message, value,
limit, unit, sources, status, rule_id).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from ivmt.clinical.alerts import ClinicalWarning
from ivmt.clinical.compounding import Bag, compose_bag
from ivmt.clinical.errors import ClinicalError, ScheduleError, VolumeChoiceRequired, VolumeError
from ivmt.clinical.formulas import Formula, formula, formulas
from ivmt.clinical.infusion_plan import InfusionPlan, plan_infusion
from ivmt.clinical.protocols import ClinicCalendar, Schedule, expand, protocol, protocols
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.clinical.rates import drops_per_min, drops_per_min_shown

Handler = Callable[[argparse.Namespace], int]
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``formula`` and ``protocol`` commands to the main program's sub-parsers."""
    formula_parser = subparsers.add_parser("formula", help="IVMT formulas and bag calculations")
    formula_commands = formula_parser.add_subparsers(dest="formula_command", required=True)

    listing = formula_commands.add_parser("list", help="list the formulas")
    listing.set_defaults(func=_guarded(_formula_list))

    show = formula_commands.add_parser("show", help="show a formula and what its bag contains")
    show.add_argument("name", help="formula id, e.g. seed_recipe")
    _add_set(show)
    show.set_defaults(func=_guarded(_formula_show))

    calc = formula_commands.add_parser("calc", help="calculate and check a planned bag")
    calc.add_argument("name", help="formula id, e.g. seed_recipe")
    _add_set(calc)
    calc.add_argument("--duration", metavar="MIN", help="planned duration in minutes")
    calc.add_argument("--into-saline", metavar="ML", help="add the mixture to a saline bag (mL)")
    calc.add_argument(
        "--osmolarity-limit",
        metavar="900|600",
        help="peripheral osmolarity school in mOsm/L (default from the knowledge base)",
    )
    calc.add_argument("--route", help="route id (default: the formula's)")
    calc.add_argument("--drop-factor", metavar="GTT_PER_ML", help="drip set drops per mL")
    calc.add_argument("--json", action="store_true", help="print JSON instead of text")
    calc.set_defaults(func=_guarded(_formula_calc))

    protocol_parser = subparsers.add_parser("protocol", help="treatment protocols (series)")
    protocol_commands = protocol_parser.add_subparsers(dest="protocol_command", required=True)
    plist = protocol_commands.add_parser("list", help="list the protocols")
    plist.set_defaults(func=_guarded(_protocol_list))
    pshow = protocol_commands.add_parser("show", help="dated doses and reviews from a start date")
    pshow.add_argument("name", help="protocol id, e.g. seed_clinic")
    pshow.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    pshow.add_argument("--closed-weekdays", default="", metavar="sat,sun")
    pshow.add_argument("--closed-dates", default="", metavar="YYYY-MM-DD,...")
    pshow.add_argument("--doses", action="append", default=[], metavar="PHASE=N")
    pshow.add_argument("--interval", action="append", default=[], metavar="PHASE=DAYS")
    pshow.set_defaults(func=_guarded(_protocol_show))


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="INGREDIENT_ID=ML",
        help="volume of one component in mL (repeatable)",
    )


def _guarded(handler: Handler) -> Handler:
    """Run a handler, turning a ClinicalError into one line on stderr and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ClinicalError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT

    return run


def _pairs(items: Sequence[str], what: str, error: type[ClinicalError]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise error(f"{what} must look like NAME=VALUE, not '{item}'.")
        pairs[key.strip()] = value.strip()
    return pairs


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _fixed(value: Decimal | None, places: int) -> str:
    return plain(round_half_up(value, places)) if value is not None else "-"


# formula ----------------------------------------------------------------------------------------


def _formula_list(args: argparse.Namespace) -> int:
    rows = [(f.id, f.name, ", ".join(r.id for r in f.routes), f.status) for f in formulas()]
    print(_table(("id", "name", "routes", "status"), rows))
    return 0


def _component_rows(formula_: Formula) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for c in formula_.components:
        if c.volume_ml is not None:
            volume = f"{plain(c.volume_ml)} mL"
        else:
            default = f" (default {plain(c.default_ml)} mL)" if c.default_ml is not None else ""
            volume = f"prescriber chooses{default}"
        rows.append((c.ingredient.id, c.ingredient.name, volume, c.range_text(), c.range_status))
    return rows


def _bag_rows(bag: Bag) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for line in bag.lines:
        amounts = ", ".join(
            f"{_fixed(n.display_amount, 1)} {n.display_unit} {n.name}" for n in line.nutrients
        )
        ions = ", ".join(
            f"{_fixed(i.meq, 2)} mEq {i.symbol}"
            + (f" ({_fixed(i.elemental_mg, 1)} mg)" if i.elemental_mg is not None else "")
            for i in line.ions
        )
        osm = _fixed(line.osmoles_mosm, 2) if line.osmoles_mosm is not None else "unknown"
        rows.append(
            (line.ingredient.id, f"{plain(line.volume_ml)}", amounts or "-", ions or "-", osm)
        )
    return rows


def _formula_show(args: argparse.Namespace) -> int:
    formula_ = formula(args.name)
    print(
        f"{formula_.name}  [{formula_.id}, {formula_.status}; sources: "
        f"{', '.join(formula_.provenance.sources)}]"
    )
    print(formula_.provenance.rationale)
    print(f"Routes: {', '.join(r.name for r in formula_.routes)}")
    print()
    print(
        _table(
            ("ingredient", "name", "volume", "allowed", "range status"), _component_rows(formula_)
        )
    )
    print()
    try:
        bag = compose_bag(formula_, _pairs(args.set, "--set", VolumeError))
    except VolumeChoiceRequired as pending:
        print(f"To see the bag's contents: {pending}")
        return 0
    print(_table(("ingredient", "mL", "contains", "ions", "mOsm"), _bag_rows(bag)))
    print()
    print(_totals_text(bag))
    return 0


def _totals_text(bag: Bag) -> str:
    lower = "" if bag.osmolarity_complete else " (lower bound: some osmolarities unknown)"
    return "\n".join(
        [
            f"Total volume       {_fixed(bag.total_volume_ml, 1)} mL",
            f"Osmolarity         {_fixed(bag.osmolarity_mosm_per_l, 0)} mOsm/L{lower}",
            f"Magnesium          {_fixed(bag.ion('magnesium').mmol, 2)} mmol = "
            f"{_fixed(bag.magnesium_meq, 2)} mEq = {_fixed(bag.magnesium_elemental_mg, 1)} mg",
            f"Calcium            {_fixed(bag.ion('calcium').mmol, 2)} mmol = "
            f"{_fixed(bag.calcium_meq, 2)} mEq = {_fixed(bag.calcium_elemental_mg, 1)} mg",
            f"Vitamin C          {_fixed(bag.vitamin_c_mg, 0)} mg",
            f"Pyridoxine HCl     {_fixed(bag.pyridoxine_mg, 0)} mg (all sources)",
            f"Thiamine HCl       {_fixed(bag.thiamine_mg, 0)} mg",
            f"Benzyl alcohol     {_fixed(bag.benzyl_alcohol_mg, 0)} mg",
            f"Knowledge version  {bag.knowledge_version}",
        ]
    )


def _warning_line(w: ClinicalWarning) -> str:
    tags = f" [{', '.join(w.sources)}]" if w.sources else ""
    status = f" ({w.status})" if w.status != "sourced" else ""
    return f"  {w.severity.upper():7} {w.message}{tags}{status}"


def _formula_calc(args: argparse.Namespace) -> int:
    plan = plan_infusion(
        args.name,
        volumes_ml=_pairs(args.set, "--set", VolumeError),
        route=args.route,
        duration_min=args.duration,
        into_saline_ml=args.into_saline,
        osmolarity_limit_id=args.osmolarity_limit,
    )
    summary = plan.summary()
    if args.drop_factor is not None:
        if plan.duration_min is None:
            raise VolumeError("--drop-factor needs --duration.")
        rate = drops_per_min(plan.final_volume_ml, plan.duration_min, args.drop_factor)
        summary["drops_per_min"] = plain(drops_per_min_shown(rate))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    print(_plan_text(plan, summary))
    return 0


def _plan_text(plan: InfusionPlan, summary: dict[str, object]) -> str:
    lines = [f"{plan.bag.formula.name} by {plan.route.name.lower()}", "", _totals_text(plan.bag)]
    if plan.carrier is not None:
        lines.append(
            f"In saline bag      {summary['total_volume_ml']} mL (with "
            f"{plain(plan.carrier.diluent_ml)} mL 0.9 % saline) at "
            f"{summary['osmolarity_mosm_per_l']} mOsm/L"
        )
    lines.append(
        f"Osmolarity limit   {summary['osmolarity_limit_mosm_per_l']} mOsm/L "
        f"({plan.osmolarity_limit.name})"
    )
    if plan.delivery is not None:
        lines.append(
            f"Over {plain(plan.delivery.duration_min)} min        "
            f"Mg {summary['magnesium_meq_per_min']} mEq/min, Ca {summary['calcium_meq_per_min']} "
            f"mEq/min, pump {summary['pump_rate_ml_per_h']} mL/h"
        )
        if "drops_per_min" in summary:
            lines.append(f"Drip rate          {summary['drops_per_min']} drops/min")
    if plan.shortest.whole_min is not None:
        lines.append(f"Shortest duration  {summary['min_duration_min']} min (label rate limits)")
    if plan.warnings:
        lines += ["", "Warnings:"] + [_warning_line(w) for w in plan.warnings]
    return "\n".join(lines)


# protocol ---------------------------------------------------------------------------------------


def _protocol_list(args: argparse.Namespace) -> int:
    rows = [(p.id, p.name, p.provenance.status) for p in protocols()]
    print(_table(("id", "name", "status"), rows))
    return 0


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"{what} must be a date as YYYY-MM-DD, not '{text}'.") from None


def _counts(items: Sequence[str], what: str) -> dict[str, int]:
    counts = {}
    for key, value in _pairs(items, what, ScheduleError).items():
        if not value.isdigit():
            raise ScheduleError(f"{what} {key} must be a whole number, not '{value}'.")
        counts[key] = int(value)
    return counts


def _protocol_show(args: argparse.Namespace) -> int:
    protocol_ = protocol(args.name)
    start = _date(args.start, "--start")
    weekdays = [w for w in args.closed_weekdays.split(",") if w.strip()]
    dates = [_date(d, "--closed-dates") for d in args.closed_dates.split(",") if d.strip()]
    schedule = expand(
        protocol_,
        start,
        ClinicCalendar.from_names(weekdays, dates),
        doses=_counts(args.doses, "--doses"),
        intervals=_counts(args.interval, "--interval"),
    )
    print(_schedule_text(schedule))
    return 0


def _schedule_text(schedule: Schedule) -> str:
    p = schedule.protocol
    keyed: list[tuple[tuple[date, int], tuple[str, ...]]] = []
    for dose in schedule.doses:
        moved = f"moved {dose.shift_days:+d} d" if dose.shift_days else ""
        row = (
            dose.date.isoformat(),
            f"{dose.date:%a}",
            f"dose {dose.number}",
            dose.phase_id,
            moved,
        )
        keyed.append(((dose.date, 0), row))
    for review in schedule.reviews:
        shift = (review.date - review.nominal_date).days
        moved = f"moved {shift:+d} d" if shift else ""
        row = (review.date.isoformat(), f"{review.date:%a}", "review", review.name, moved)
        keyed.append(((review.date, 1), row))
    rows = [row for _, row in sorted(keyed, key=lambda item: item[0])]
    header = f"{p.name}  [{p.id}, {p.provenance.status}]"
    note = (
        f"Start {schedule.start.isoformat()}; first open day {schedule.anchor.isoformat()}. "
        f"Knowledge version {schedule.knowledge_version}."
    )
    return "\n".join([header, note, "", _table(("date", "day", "event", "detail", "moved"), rows)])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the clinical commands alone (``python -m ivmt.clinical.cli``)."""
    parser = argparse.ArgumentParser(prog="ivmt", description="IVMT clinical calculations")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    handler: Handler = args.func
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
