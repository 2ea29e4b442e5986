"""Independent plan checker: verifies any plan against every constraint of the day.

This module deliberately shares nothing with the model, the baseline or the domain builders
except the input and output dataclasses: it re-derives every rule from the instance with plain
loops and sweeps, so a bug in how the model encodes a constraint cannot hide itself here. It is
slower than the model's propagators and does not need to be fast.

Each violation carries a stable ``kind`` code (for tests and the user interface) and a message a
person can act on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ivmt.scheduling.solver.instance import DayInstance, Request
from ivmt.scheduling.solver.plan import Assignment, Plan


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule. ``kind`` is one of the codes listed in ``KINDS``."""

    kind: str
    message: str
    request_ids: tuple[str, ...] = ()


KINDS = (
    "unknown_id",
    "duplicate",
    "missing",
    "outside_request_window",
    "outside_chair_window",
    "chair_double_use",
    "outside_shift",
    "placement_in_break",
    "placement_overlap",
    "nurse_concurrency",
    "bud_window",
    "outside_pharmacy_window",
    "pharmacy_capacity",
    "fairness",
)


def _clock(minute: int) -> str:
    """Minutes from opening as ``+HH:MM`` for messages (opening hour is not known here)."""
    sign = "-" if minute < 0 else "+"
    return f"{sign}{abs(minute) // 60:02d}:{abs(minute) % 60:02d}"


def check_plan(
    instance: DayInstance, plan: Plan, *, fairness_reference: Plan | None = None
) -> list[Violation]:
    """Every violation of ``plan`` on ``instance``; an empty list means the plan is valid.

    With ``fairness_reference`` (normally the first-come-first-served plan), a request placed in
    both plans may not wait longer than it does in the reference.
    """
    found: list[Violation] = []
    requests = {r.id: r for r in instance.requests}
    chairs = {c.id: c for c in instance.chairs}
    nurses = {n.id: n for n in instance.nurses}

    valid: list[tuple[Assignment, Request]] = []
    seen: set[str] = set()
    for a in plan.assignments:
        r = requests.get(a.request_id)
        if r is None:
            found.append(Violation("unknown_id", f"unknown request {a.request_id!r}"))
            continue
        if a.request_id in seen:
            found.append(Violation("duplicate", f"request {r.id!r} is placed twice", (r.id,)))
            continue
        seen.add(a.request_id)
        if a.chair_id not in chairs:
            found.append(Violation("unknown_id", f"{r.id}: unknown chair {a.chair_id!r}", (r.id,)))
            continue
        if a.nurse_id not in nurses:
            found.append(Violation("unknown_id", f"{r.id}: unknown nurse {a.nurse_id!r}", (r.id,)))
            continue
        valid.append((a, r))
    for rid in plan.unplaced:
        if rid not in requests:
            found.append(Violation("unknown_id", f"unknown unplaced request {rid!r}"))
        elif rid in seen:
            found.append(
                Violation("duplicate", f"request {rid!r} is both placed and unplaced", (rid,))
            )
    for rid in requests:
        if rid not in seen and rid not in plan.unplaced:
            found.append(Violation("missing", f"request {rid!r} is neither placed nor unplaced"))

    for a, r in valid:
        found.extend(_own_rules(instance, a, r))
    found.extend(_chair_overlaps(valid))
    found.extend(_nurse_rules(instance, valid))
    found.extend(_pharmacy_capacity(instance, valid))
    if fairness_reference is not None:
        found.extend(_fairness(valid, fairness_reference))
    return found


def _own_rules(instance: DayInstance, a: Assignment, r: Request) -> list[Violation]:
    """Rules that concern one assignment alone."""
    out: list[Violation] = []
    ids = (r.id,)
    end = a.start + r.duration
    placement_end = a.start + r.placement_minutes
    if not r.earliest_start <= a.start <= r.latest_start:
        out.append(
            Violation(
                "outside_request_window",
                f"{r.id} starts at {_clock(a.start)}, outside its window "
                f"{_clock(r.earliest_start)}..{_clock(r.latest_start)}",
                ids,
            )
        )
    chair = next(c for c in instance.chairs if c.id == a.chair_id)
    if not any(w.start <= a.start and end <= w.end for w in chair.windows):
        out.append(
            Violation(
                "outside_chair_window",
                f"{r.id} occupies chair {chair.id} {_clock(a.start)}-{_clock(end)}, "
                "outside the chair's service windows",
                ids,
            )
        )
    nurse = next(n for n in instance.nurses if n.id == a.nurse_id)
    if a.start < nurse.shift.start:
        out.append(
            Violation(
                "outside_shift",
                f"{r.id}: nurse {nurse.id} places the IV at {_clock(a.start)}, before the "
                f"shift starts at {_clock(nurse.shift.start)}",
                ids,
            )
        )
    if end > nurse.shift.end + nurse.max_overtime_minutes:
        out.append(
            Violation(
                "outside_shift",
                f"{r.id} leaves at {_clock(end)}, later than nurse {nurse.id} may stay "
                f"({_clock(nurse.shift.end + nurse.max_overtime_minutes)})",
                ids,
            )
        )
    for b in nurse.breaks:
        if a.start < b.end and b.start < placement_end:
            out.append(
                Violation(
                    "placement_in_break",
                    f"{r.id}: nurse {nurse.id} places the IV {_clock(a.start)}-"
                    f"{_clock(placement_end)} during the break {_clock(b.start)}-{_clock(b.end)}",
                    ids,
                )
            )
    infusion = placement_end
    if a.prep_start + r.preparation_minutes > infusion:
        out.append(
            Violation(
                "bud_window",
                f"{r.id}: the bag is ready at {_clock(a.prep_start + r.preparation_minutes)}, "
                f"after the infusion starts at {_clock(infusion)}",
                ids,
            )
        )
    if a.prep_start < infusion - r.bud_minutes:
        out.append(
            Violation(
                "bud_window",
                f"{r.id}: preparation starts at {_clock(a.prep_start)}, more than the "
                f"{r.bud_minutes}-minute beyond-use window before the infusion",
                ids,
            )
        )
    prep_end = a.prep_start + r.preparation_minutes
    if r.preparation_minutes > 0 and not any(
        w.start <= a.prep_start and prep_end <= w.end for w in instance.pharmacy.windows
    ):
        out.append(
            Violation(
                "outside_pharmacy_window",
                f"{r.id}: preparation {_clock(a.prep_start)}-{_clock(prep_end)} is outside the "
                "pharmacy's opening",
                ids,
            )
        )
    return out


def _chair_overlaps(valid: list[tuple[Assignment, Request]]) -> list[Violation]:
    out: list[Violation] = []
    by_chair: dict[str, list[tuple[Assignment, Request]]] = defaultdict(list)
    for a, r in valid:
        by_chair[a.chair_id].append((a, r))
    for chair_id, items in sorted(by_chair.items()):
        items.sort(key=lambda item: item[0].start)
        for i, (a, r) in enumerate(items):
            for b, other in items[i + 1 :]:
                if b.start >= a.start + r.duration:
                    break
                out.append(
                    Violation(
                        "chair_double_use",
                        f"chair {chair_id} holds {r.id} and {other.id} at once "
                        f"from {_clock(b.start)}",
                        (r.id, other.id),
                    )
                )
    return out


def _peak(intervals: list[tuple[int, int, str]]) -> tuple[int, int, list[str]]:
    """Largest number of overlapping half-open intervals, when it first occurs, and who."""
    events = sorted(
        [(s, 1, rid) for s, _, rid in intervals] + [(e, -1, rid) for _, e, rid in intervals],
        key=lambda ev: (ev[0], ev[1]),
    )
    current: set[str] = set()
    best, when, who = 0, 0, []
    for minute, delta, rid in events:
        if delta > 0:
            current.add(rid)
            if len(current) > best:
                best, when, who = len(current), minute, sorted(current)
        else:
            current.discard(rid)
    return best, when, who


def _nurse_rules(instance: DayInstance, valid: list[tuple[Assignment, Request]]) -> list[Violation]:
    out: list[Violation] = []
    for nurse in instance.nurses:
        mine = [(a, r) for a, r in valid if a.nurse_id == nurse.id]
        placements = sorted((a.start, a.start + r.placement_minutes, r.id) for a, r in mine)
        for i, (_, e, rid) in enumerate(placements):
            for s2, _, rid2 in placements[i + 1 :]:
                if s2 >= e:
                    break
                out.append(
                    Violation(
                        "placement_overlap",
                        f"nurse {nurse.id} would place two IVs at once ({rid} and {rid2} "
                        f"at {_clock(s2)})",
                        (rid, rid2),
                    )
                )
        visits = [(a.start, a.start + r.duration, r.id) for a, r in mine]
        peak, when, who = _peak(visits)
        if peak > nurse.max_concurrent:
            out.append(
                Violation(
                    "nurse_concurrency",
                    f"nurse {nurse.id} has {peak} patients at {_clock(when)}, more than the cap "
                    f"of {nurse.max_concurrent}",
                    tuple(who),
                )
            )
    return out


def _pharmacy_capacity(
    instance: DayInstance, valid: list[tuple[Assignment, Request]]
) -> list[Violation]:
    preps = [
        (a.prep_start, a.prep_start + r.preparation_minutes, r.id)
        for a, r in valid
        if r.preparation_minutes > 0
    ]
    peak, when, who = _peak(preps)
    if peak > instance.pharmacy.stations:
        return [
            Violation(
                "pharmacy_capacity",
                f"{peak} bags are in preparation at {_clock(when)}, more than the "
                f"{instance.pharmacy.stations} station(s)",
                tuple(who),
            )
        ]
    return []


def _fairness(valid: list[tuple[Assignment, Request]], reference: Plan) -> list[Violation]:
    out: list[Violation] = []
    ref = {a.request_id: a.start for a in reference.assignments}
    for a, r in valid:
        if r.id in ref:
            limit = max(0, ref[r.id] - r.preferred_start)
            wait = max(0, a.start - r.preferred_start)
            if wait > limit:
                out.append(
                    Violation(
                        "fairness",
                        f"{r.id} waits {wait} min, longer than the {limit} min it waits under "
                        "first-come-first-served",
                        (r.id,),
                    )
                )
    return out
