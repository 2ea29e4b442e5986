"""“Optimise this day”: the solver proposes, a person decides.

:func:`day_optimise` lays out a day's booked infusions with the solver (a small time budget,
a fixed seed, one worker: the same day gives the same plan), verifies the plan with the
independent checker, and stores it as a :class:`DayPlanProposal` with the figures the page
compares: the current plan, first-come-first-served, the proposal and the lower bound.
Nothing is moved.

:func:`day_plan_apply` applies an accepted proposal in one transaction, only if the day is
exactly as it was when the plan was made (same live appointments, same versions): every
moved appointment is first set aside (``moving``), then put down in its new place and checked
again against the same rules as any booking, with the database's constraints behind them. Any
refusal rolls back every move.

The day must not have started: once a patient has arrived, their nurse and chair are fixed in
a way the optimiser cannot yet be told (it would be free to reassign the nurse).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.planning import clinic_today
from ivmt.orders.services import planned_dose_schedule
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.availability import (
    Candidate,
    book_for,
    local_day_bounds,
    nurse_conflicts,
    settings_for,
    slot_conflicts,
)
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    DayPlanProposal,
)
from ivmt.scheduling.services.booking import (
    LIVE_BAG,
    audit_appointment,
    record_event,
    refused_by_database,
)
from ivmt.scheduling.services.notify import notify_after_commit
from ivmt.scheduling.solver import Objective, SolveOptions, check_plan, solve_day
from ivmt.scheduling.solver_bridge import (
    build_day,
    current_plan,
    current_waits,
    keep_current_places,
)

logger = logging.getLogger(__name__)

SEED = 20261122


def _figures(objective: Objective) -> dict[str, int]:
    return {
        "placed": objective.placed,
        "total_wait": objective.total_wait * GRID_MINUTES,
        "max_wait": objective.max_wait * GRID_MINUTES,
        "overtime": objective.overtime * GRID_MINUTES,
        "nurse_load_spread": objective.nurse_load_spread * GRID_MINUTES,
    }


def _snapshot(actor: Actor, day: date, *, lock: bool) -> list[list[int]]:
    start, end = local_day_bounds(actor.clinic, day, day)
    rows = Appointment.objects.filter(
        clinic=actor.clinic, starts_at__gte=start, starts_at__lt=end, status__in=LIVE_STATUSES
    ).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    return [[pk, version] for pk, version in rows.values_list("pk", "version")]


def day_optimise(
    *,
    actor: Actor,
    day: date,
    time_limit_s: float | None = None,
    num_workers: int = 1,
    seed: int = SEED,
) -> DayPlanProposal:
    """Propose a better layout of ``day`` (nothing moves until a person accepts it)."""
    actor.require("scheduling.optimise")
    if not 1 <= num_workers <= 2:
        raise ValidationError("Use one or two solver workers.")
    settings = settings_for(actor.clinic)
    limit = float(time_limit_s if time_limit_s is not None else settings.optimiser_seconds)
    if not 0 < limit <= 60:
        raise ValidationError("The optimiser's time budget must be between 0 and 60 seconds.")
    if day < clinic_today(actor.clinic):
        raise ValidationError("That day has passed: only today or a later day can be optimised.")
    now = timezone.now()
    book = book_for(actor.clinic, day, settings=settings)
    if not book.hours.is_open:
        raise ValidationError(f"The clinic is {book.hours.label()} on {day:%A %d %B}.")
    started = [a for a in book.appointments if a.status != Appointment.Status.BOOKED]
    if started:
        raise ValidationError(
            f"{len(started)} patient(s) have already arrived that day: the day is laid out "
            "before the first arrival."
        )
    if not book.shifts:
        raise ValidationError(
            f"No nurse has a shift on {day:%A %d %B}: record the rota first; the optimiser "
            "assigns the nurses."
        )
    if not any(a.chair_id is not None for a in book.appointments):
        raise ValidationError(f"There is no booked infusion on {day:%A %d %B} to lay out.")
    bags = dict(
        CompoundingRecord.objects.filter(
            clinic=actor.clinic,
            dose_id__in=[a.dose_id for a in book.appointments if a.dose_id],
            status__in=LIVE_BAG,
        ).values_list("dose_id", "beyond_use_at")
    )
    model = build_day(book, bags, now)
    options = SolveOptions(
        time_limit_s=limit, num_workers=num_workers, seed=seed, hard_stop_factor=1.5
    )
    result = solve_day(model.instance, options)
    plan = keep_current_places(model, result.plan, result.baseline)
    problems = check_plan(model.instance, plan, fairness_reference=result.baseline)
    if problems:
        logger.error("Solver plan for %s failed the checker: %s", day, problems)
        raise ValidationError(
            "The optimiser's plan failed the independent check, so it is not offered. "
            "Nothing was changed."
        )
    moves = []
    for placed in plan.assignments:
        visit = model.visits[placed.request_id]
        to = model.moment(placed.start)
        chair, nurse = int(placed.chair_id), int(placed.nurse_id)
        if (to, chair, nurse) != (visit.starts_at, visit.chair_id, visit.nurse_id):
            moves.append(
                {
                    "appointment": visit.pk,
                    "from": visit.starts_at.astimezone(UTC).isoformat(),
                    "to": to.astimezone(UTC).isoformat(),
                    "from_chair": visit.chair_id,
                    "to_chair": chair,
                    "from_nurse": visit.nurse_id,
                    "to_nurse": nurse,
                }
            )
    waits = current_waits(model)
    plan_now = current_plan(model)
    figures = {
        "current": {
            "placed": len(model.visits),
            "total_wait": sum(waits),
            "max_wait": max(waits, default=0),
            "rules_broken": (
                None if plan_now is None else len(check_plan(model.instance, plan_now))
            ),
        },
        "fcfs": _figures(result.baseline_objective),
        "proposed": _figures(result.objective),
        "lower_bound": result.lower_bound * GRID_MINUTES,
        "gap": round(result.gap, 3),
        "status": result.status,
        "wall_time_s": round(result.wall_time_s, 2),
        "time_limit_s": limit,
        "seed": seed,
        "workers": num_workers,
        "notes": model.notes,
    }
    with transaction.atomic():
        proposal = DayPlanProposal.objects.create(
            clinic=actor.clinic,
            day=day,
            snapshot=_snapshot(actor, day, lock=False),
            moves=moves,
            figures=figures,
            unplaced=[int(r) for r in plan.unplaced],
            created_by=actor.user,
        )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="day.optimise",
            object_type="dayplanproposal",
            object_id=proposal.pk,
            ip=actor.ip,
            detail=f"{day:%Y-%m-%d}: {len(moves)} moves proposed",
        )
    return proposal


def _open_proposal(actor: Actor, proposal_id: int) -> DayPlanProposal:
    proposal = (
        DayPlanProposal.objects.select_for_update()
        .filter(clinic=actor.clinic, pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise PermissionDenied("That plan is not in your clinic.")
    if proposal.status != DayPlanProposal.Status.PROPOSED:
        raise ValidationError(f"This plan was already {proposal.get_status_display().lower()}.")
    return proposal


def day_plan_apply(*, actor: Actor, proposal_id: int) -> DayPlanProposal:
    """Apply an accepted plan, all of it or nothing (see the module docstring)."""
    actor.require("scheduling.optimise")
    now = timezone.now()
    with transaction.atomic():
        proposal = _open_proposal(actor, proposal_id)
        if proposal.unplaced:
            raise ValidationError(
                f"This plan leaves {len(proposal.unplaced)} visit(s) without a place, so it "
                "cannot be applied: add a nurse's shift or move those visits to another day."
            )
        settings = settings_for(actor.clinic)
        # Lock order: shifts, then appointments.
        book_for(actor.clinic, proposal.day, settings=settings, lock_shifts=True)
        if _snapshot(actor, proposal.day, lock=True) != proposal.snapshot:
            raise ValidationError(
                "The day changed after this plan was made (a booking, a move or a check-in). "
                "Nothing was applied: optimise the day again."
            )
        visits = {
            a.pk: a
            for a in Appointment.objects.select_related("dose").filter(
                pk__in=[m["appointment"] for m in proposal.moves]
            )
        }
        for visit in visits.values():
            visit.moving = True
            visit.save(update_fields=["moving"])
        book = book_for(actor.clinic, proposal.day, settings=settings)
        problems: list[str] = []
        moved: dict[int, list[int]] = defaultdict(list)
        for move in sorted(proposal.moves, key=lambda m: (m["to"], m["appointment"])):
            visit = visits[move["appointment"]]
            to = datetime.fromisoformat(move["to"])
            candidate = Candidate(
                visit.patient_id,
                to,
                visit.placement_minutes,
                visit.infusion_minutes,
                visit.observation_minutes,
                move["to_chair"],
                move["to_nurse"],
                ignore=frozenset({visit.pk}),
            )
            checked_now = now if to != visit.starts_at else min(now, to)
            found = slot_conflicts(book, candidate, now=checked_now) + nurse_conflicts(
                book, candidate, move["to_nurse"]
            )
            if found:
                problems += [f"{book.clock(to)}: {message}" for message in found]
                continue
            time_changed = to != visit.starts_at
            zone = actor.clinic.zone
            summary = (
                f"Day plan: {visit.starts_at.astimezone(zone):%H:%M} → {to.astimezone(zone):%H:%M}"
                if time_changed
                else "Day plan: chair or nurse changed"
            )
            visit.starts_at = to
            visit.ends_at = candidate.ends_at
            visit.placement_ends_at = candidate.placement_ends_at(settings.one_iv_start_at_a_time)
            visit.chair_id = move["to_chair"]
            visit.nurse_id = move["to_nurse"]
            visit.moving = False
            visit.version += 1
            try:
                with transaction.atomic():
                    visit.save()
            except IntegrityError as error:
                problems.append(str(refused_by_database(error).messages[0]))
                continue
            book.appointments.append(visit)
            record_event(actor, visit, AppointmentEvent.Kind.OPTIMISED, summary)
            audit_appointment(actor, "appointment.optimise", visit, f"plan {proposal.pk}")
            if time_changed:
                if visit.dose is not None:
                    planned_dose_schedule(actor=actor, dose_id=visit.dose.pk, scheduled_at=to)
                moved[visit.patient_id].append(visit.pk)
        if problems:
            raise ValidationError(
                ["The plan no longer fits the day; nothing was applied:", *problems]
            )
        proposal.status = DayPlanProposal.Status.APPLIED
        proposal.decided_by = actor.user
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="day.plan_apply",
            object_type="dayplanproposal",
            object_id=proposal.pk,
            ip=actor.ip,
            detail=f"{len(proposal.moves)} moves",
        )
        for patient_id, ids in moved.items():
            notify_after_commit(actor, "moved", patient_id, ids)
    return proposal


def day_plan_discard(*, actor: Actor, proposal_id: int) -> DayPlanProposal:
    actor.require("scheduling.optimise")
    with transaction.atomic():
        proposal = _open_proposal(actor, proposal_id)
        proposal.status = DayPlanProposal.Status.DISCARDED
        proposal.decided_by = actor.user
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="day.plan_discard",
            object_type="dayplanproposal",
            object_id=proposal.pk,
            ip=actor.ip,
        )
    return proposal
