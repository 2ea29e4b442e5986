"""Scheduling benchmark: day optimiser vs first-come-first-served, and the series stream.

    uv run python bench/scheduler.py day [--seeds 2] [--cells all] [--budget 10] [--reference 120]
    uv run python bench/scheduler.py series [--load 0.8] [--seeds 3]

Run with ``nice -n 19`` on a shared machine. See bench/README.md for the measured figures.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "src")]
sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

import ortools  # noqa: E402
from bench.instances import (  # noqa: E402
    CHAIR_LOADS,
    LOADING_DOSES,
    NURSE_LOADS,
    dose_dates,
    generate_day,
    generate_series_stream,
)

from ivmt.scheduling.solver import (  # noqa: E402
    SolveOptions,
    SolveResult,
    Window,
    evaluate_plan,
    schedule_fcfs,
    solve_day,
)
from ivmt.scheduling.solver.bounds import wait_lower_bounds  # noqa: E402
from ivmt.scheduling.solver.checker import check_plan  # noqa: E402
from ivmt.scheduling.solver.series import DoseTarget, SeriesRules, book_series  # noqa: E402
from ivmt.scheduling.solver.solve import fairness_caps  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _solver_row(result: SolveResult) -> dict[str, Any]:
    o = result.objective
    return {
        "total_wait": o.total_wait,
        "max_wait": o.max_wait,
        "overtime": o.overtime,
        "placed": o.placed,
        "placed_priority": o.placed_priority,
        "nurse_load_spread": o.nurse_load_spread,
        "lower_bound": result.lower_bound,
        "bounds": result.bounds,
        "wall_s": round(result.wall_time_s, 2),
        "stats": {k: round(v, 3) for k, v in result.stats.items()},
    }


def run_day(args: argparse.Namespace) -> dict[str, Any]:
    cells = [(c, n) for c in CHAIR_LOADS for n in NURSE_LOADS]
    if args.cells != "all":
        wanted = {tuple(float(x) for x in cell.split("x")) for cell in args.cells.split(",")}
        cells = [cell for cell in cells if cell in wanted]
    rows: list[dict[str, Any]] = []
    reused: dict[str, dict[str, Any]] = {}
    if args.reuse:
        reused = {r["instance"]: r for r in json.loads(Path(args.reuse).read_text())["rows"]}
    header = (
        f"{'instance':<16}{'n':>4}{'C':>3}{'N':>2} | {'FCFS W':>7}{'maxW':>5}{'OT':>5} | "
        f"{'ours W':>7}{'maxW':>5}{'OT':>5}{'pl':>4}{'t/s':>6} | "
        f"{'ref W':>7}{'maxW':>5}{'OT':>5}{'t/s':>6} | {'LB':>6}{'G':>6}{'Q':>6}{'dW%':>6}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for chair_load, nurse_load in cells:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            g = generate_day(chair_load, nurse_load, seed)
            day = g.instance
            began = time.perf_counter()
            fcfs = schedule_fcfs(day)
            fcfs_s = time.perf_counter() - began
            fo = evaluate_plan(day, fcfs)
            ours = solve_day(
                day,
                SolveOptions(
                    time_limit_s=args.budget,
                    num_workers=args.workers,
                    seed=0,
                    deterministic=False,
                ),
            )
            ref = None
            old = reused.get(g.name)
            if old is not None:
                pass  # reference and offline bound taken from the earlier run below
            elif args.reference > 0:
                ref = solve_day(
                    day,
                    SolveOptions(
                        time_limit_s=args.reference,
                        num_workers=args.ref_workers,
                        seed=0,
                        deterministic=False,
                        use_lns=False,
                    ),
                )
            # The instance's best known bound: ours, the reference's, and the LP given time.
            min_priority = None if not fcfs.unplaced else ours.objective.placed_priority
            if old is not None:
                offline = old["offline_bounds"]
                ref_row = old["reference"]
            else:
                offline = wait_lower_bounds(
                    day,
                    fairness_caps(day, fcfs),
                    time_limit_s=args.lp_time,
                    min_priority=min_priority,
                )
                ref_row = _solver_row(ref) if ref is not None else None
            lb_candidates = [ours.lower_bound, *offline.values()]
            if ref_row is not None and ref_row["placed_priority"] == ours.objective.placed_priority:
                lb_candidates.append(ref_row["lower_bound"])
            lb = max(lb_candidates)
            w0, w = fo.total_wait, ours.objective.total_wait
            w_ref = ref_row["total_wait"] if ref_row is not None else None
            g_closed = (w0 - w) / (w0 - lb) if w0 > lb else 1.0
            q = w / w_ref if w_ref else (1.0 if w_ref == 0 and w == 0 else None)
            violations = {
                "fcfs": len(check_plan(day, fcfs)),
                "ours": len(check_plan(day, ours.plan, fairness_reference=fcfs)),
                "ref": (
                    len(check_plan(day, ref.plan, fairness_reference=fcfs))
                    if ref
                    else (old["violations"]["ref"] if old else 0)
                ),
            }
            row = {
                "instance": g.name,
                "chair_load": chair_load,
                "nurse_load": nurse_load,
                "seed": seed,
                "realised_chair_load": g.realised_chair_load,
                "realised_nurse_load": g.realised_nurse_load,
                "requests": len(day.requests),
                "chairs": len(day.chairs),
                "nurses": len(day.nurses),
                "fcfs": {
                    "total_wait": fo.total_wait,
                    "max_wait": fo.max_wait,
                    "overtime": fo.overtime,
                    "placed": fo.placed,
                    "wall_s": round(fcfs_s, 3),
                },
                "ours": _solver_row(ours),
                "reference": ref_row,
                "reference_reused_from": args.reuse if old is not None else None,
                "offline_bounds": offline,
                "lower_bound": lb,
                "G": round(g_closed, 4),
                "Q": round(q, 4) if q is not None else None,
                "wait_reduction_pct": round(100 * (w0 - w) / w0, 2) if w0 else 0.0,
                "max_wait_not_above_fcfs": ours.objective.max_wait <= fo.max_wait,
                "violations": violations,
            }
            rows.append(row)
            ref_wall = f"{ref_row['wall_s']:.0f}" if ref_row else "-"
            print(
                f"{g.name:<16}{len(day.requests):>4}{len(day.chairs):>3}{len(day.nurses):>2} | "
                f"{fo.total_wait:>7}{fo.max_wait:>5}{fo.overtime:>5} | "
                f"{w:>7}{ours.objective.max_wait:>5}{ours.objective.overtime:>5}"
                f"{ours.objective.placed - fo.placed:>+4}{ours.wall_time_s:>6.1f} | "
                f"{(ref_row['total_wait'] if ref_row else '-'):>7}"
                f"{(ref_row['max_wait'] if ref_row else '-'):>5}"
                f"{(ref_row['overtime'] if ref_row else '-'):>5}"
                f"{ref_wall:>6} | "
                f"{lb:>6}{g_closed:>6.2f}{(f'{q:.3f}' if q is not None else '-'):>6}"
                f"{row['wait_reduction_pct']:>6.1f}"
                + ("" if not any(violations.values()) else f"  VIOLATIONS {violations}"),
                flush=True,
            )
    summary = summarise(rows)
    print_summary(summary)
    return {"rows": rows, "summary": summary}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def agg(items: list[dict[str, Any]]) -> dict[str, Any]:
        qs = [r["Q"] for r in items if r["Q"] is not None]
        return {
            "instances": len(items),
            "median_G": round(_median([r["G"] for r in items]), 3),
            "median_Q": round(_median(qs), 4) if qs else None,
            "median_wait_reduction_pct": round(
                _median([r["wait_reduction_pct"] for r in items]), 1
            ),
            "max_wait_never_above_fcfs": all(r["max_wait_not_above_fcfs"] for r in items),
            "median_ours_s": round(_median([r["ours"]["wall_s"] for r in items]), 1),
            "violations": sum(sum(r["violations"].values()) for r in items),
        }

    cells: dict[str, Any] = {}
    for r in rows:
        cells.setdefault(f"{r['chair_load']}x{r['nurse_load']}", []).append(r)
    target = [r for r in rows if r["chair_load"] >= 0.75 and r["nurse_load"] >= 0.75]
    chair_target = [r for r in rows if r["chair_load"] >= 0.75]
    return {
        "cells": {k: agg(v) for k, v in cells.items()},
        "loads_both_ge_0.75": agg(target) if target else None,
        "chair_load_ge_0.75": agg(chair_target) if chair_target else None,
        "all": agg(rows) if rows else None,
    }


def print_summary(summary: dict[str, Any]) -> None:
    print()
    print(
        f"{'cell (chair x nurse)':<24}{'n':>3}{'med G':>8}{'med Q':>8}{'med dW%':>9}"
        f"{'maxW<=FCFS':>12}{'ours s':>8}{'viol':>6}"
    )
    groups = [*summary["cells"].items()]
    for name in ("loads_both_ge_0.75", "chair_load_ge_0.75", "all"):
        if summary[name] is not None:
            groups.append((name, summary[name]))
    for name, s in groups:
        q = f"{s['median_Q']:.3f}" if s["median_Q"] is not None else "-"
        print(
            f"{name:<24}{s['instances']:>3}{s['median_G']:>8.2f}{q:>8}"
            f"{s['median_wait_reduction_pct']:>9.1f}{s['max_wait_never_above_fcfs']!s:>12}"
            f"{s['median_ours_s']:>8.1f}{s['violations']:>6}"
        )
    print("targets at loads >= 0.75: median G >= 0.7, Q <= 1.02, dW >= 15 %, maxW <= FCFS")


def run_series(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        stream = generate_series_stream(args.load, seed)
        rules = SeriesRules(
            tolerance_days=args.tolerance,
            day_minutes=540,
            closed_days=stream.closed_days,
            time_step=args.time_step,
        )
        chairs = [f"C{i + 1}" for i in range(stream.chairs)]
        occupancy: dict[date, dict[str, list[Window]]] = {}
        cancellations: list[tuple[date, date, str, int, int]] = []
        weekly = weekly_on_day = weekly_on_slot = weekly_on_requested = 0
        unbooked = total = no_shows = 0
        times: list[float] = []
        for p in stream.patients:
            now = max(p.start, stream.first_day)
            while cancellations and cancellations[0][0] <= now:
                _, day, chair, start, end = heapq.heappop(cancellations)
                occupancy[day][chair].remove(Window(start, end))
            doses = [
                DoseTarget(i, d, p.minute, p.duration, interval)
                for i, d, interval in dose_dates(p)
                if now <= d <= stream.last_day
            ]
            if not doses:
                continue
            proposal = book_series(
                doses,
                chairs=chairs,
                occupancy=occupancy,
                rules=rules,
                may_shift_series=p.start >= stream.first_day,
                max_series_shift_days=args.series_shift,
            )
            times.append(proposal.elapsed_ms)
            for decision in proposal.decisions:
                total += 1
                dose = decision.dose
                chosen = decision.chosen
                if dose.index < LOADING_DOSES:
                    weekly += 1
                    if chosen is not None and chosen.on_target_day:
                        weekly_on_day += 1
                        weekly_on_slot += chosen.minutes_from_preferred == 0
                        weekly_on_requested += proposal.shift_days == 0
                if chosen is None:
                    unbooked += 1
                    continue
                window = Window(chosen.start_minute, chosen.start_minute + dose.duration_minutes)
                occupancy.setdefault(chosen.day, {}).setdefault(chosen.chair_id, []).append(window)
                if dose.index in p.cancelled:
                    when = min(
                        now + timedelta(days=p.cancel_after_days[dose.index]),
                        chosen.day - timedelta(days=1),
                    )
                    heapq.heappush(
                        cancellations,
                        (when, chosen.day, chosen.chair_id, window.start, window.end),
                    )
                elif dose.index in p.no_show:
                    no_shows += 1
        while cancellations:  # cancellations after the last booking still free their slots
            _, day, chair, start, end = heapq.heappop(cancellations)
            occupancy[day][chair].remove(Window(start, end))
        open_days = sum(
            1
            for k in range((stream.last_day - stream.first_day).days + 1)
            if not rules.is_closed(stream.first_day + timedelta(days=k))
        )
        used = sum(
            w.end - w.start
            for day, by_chair in occupancy.items()
            if stream.first_day <= day <= stream.last_day
            for ws in by_chair.values()
            for w in ws
        )
        run = {
            "seed": seed,
            "patients": len(stream.patients),
            "doses_requested": total,
            "weekly_sessions": weekly,
            "weekly_on_target_day_pct": round(100 * weekly_on_day / max(1, weekly), 2),
            "weekly_on_target_day_and_time_pct": round(100 * weekly_on_slot / max(1, weekly), 2),
            "weekly_on_requested_date_pct": round(100 * weekly_on_requested / max(1, weekly), 2),
            "unbooked": unbooked,
            "no_shows": no_shows,
            "realised_chair_load": round(used / (open_days * stream.chairs * 540), 3),
            "decision_ms_median": round(_median(times), 2),
            "decision_ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
            "decision_ms_max": round(max(times), 2),
        }
        runs.append(run)
        print(
            f"seed {seed}: {run['patients']} patients, {weekly} weekly sessions, "
            f"{run['weekly_on_target_day_pct']} % on target day "
            f"({run['weekly_on_target_day_and_time_pct']} % same time too, "
            f"{run['weekly_on_requested_date_pct']} % on the unshifted date), "
            f"{unbooked} unbooked, chair load {run['realised_chair_load']}, decision "
            f"median {run['decision_ms_median']} ms, p95 {run['decision_ms_p95']} ms, "
            f"max {run['decision_ms_max']} ms",
            flush=True,
        )
    print("targets: >= 95 % of weekly sessions on target day at 80 % chair load; < 200 ms")
    return {"runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    day = sub.add_parser("day", help="day instances: FCFS vs ours vs CP-SAT reference")
    day.add_argument("--seeds", type=int, default=2)
    day.add_argument("--first-seed", type=int, default=1)
    day.add_argument("--cells", default="all", help="'all' or e.g. 0.75x0.9,0.9x1.0")
    day.add_argument("--budget", type=float, default=10.0, help="our solver's seconds")
    day.add_argument("--workers", type=int, default=1, help="our solver's CP-SAT workers")
    day.add_argument("--reference", type=float, default=120.0, help="0 to skip the reference")
    day.add_argument("--ref-workers", type=int, default=2)
    day.add_argument("--lp-time", type=float, default=30.0, help="seconds for the offline LP")
    day.add_argument(
        "--reuse",
        default=None,
        help="JSON of an earlier run: take its reference results and offline bounds",
    )
    series = sub.add_parser("series", help="12-week series booking stream")
    series.add_argument("--load", type=float, default=0.8)
    series.add_argument("--seeds", type=int, default=3)
    series.add_argument("--first-seed", type=int, default=1)
    series.add_argument("--tolerance", type=int, default=2)
    series.add_argument("--time-step", type=int, default=15, help="minutes between offered starts")
    series.add_argument(
        "--series-shift", type=int, default=3, help="days a new series may move as a whole"
    )
    for p in (day, series):
        p.add_argument("--out", default=None, help="JSON path (default bench/results/...)")
    args = parser.parse_args()

    began = datetime.now(UTC)
    result = run_day(args) if args.command == "day" else run_series(args)
    result["config"] = {k: v for k, v in vars(args).items()}
    result["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "started_utc": began.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(exist_ok=True)
    out = (
        Path(args.out)
        if args.out
        else RESULTS / (f"{args.command}-{began.strftime('%Y%m%dT%H%M%SZ')}.json")
    )
    out.write_text(json.dumps(result, indent=1, default=_json_default) + "\n")
    print(f"saved {out}")


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)  # type: ignore[call-overload]
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    main()
