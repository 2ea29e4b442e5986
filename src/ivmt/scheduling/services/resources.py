"""The clinic's scheduling resources: chairs, scheduling settings and nurses' shifts (manager
only, audited). Appointments already booked are never silently broken: a shift that still has
visits assigned cannot be removed, and a chair out of service keeps its bookings until they are
moved (the day view flags them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ivmt.accounts.models import Membership
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.roles import Role
from ivmt.patients.errors import EditConflict
from ivmt.scheduling.availability import local_day_bounds
from ivmt.scheduling.clinic_hours import hours_between
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    Chair,
    NurseShift,
    SchedulingSettings,
    ShiftBreak,
)

# DESIGN: shifts are entered for at most this many weeks at once (a quarter's rota).
MAX_SHIFT_WEEKS = 13
SETTINGS_FIELDS = (
    "placement_minutes",
    "observation_minutes",
    "max_patients_per_nurse",
    "one_iv_start_at_a_time",
    "interval_tolerance_days",
    "reminder_hours",
    "optimiser_seconds",
)


def _audit(actor: Actor, action: str, object_type: str, object_id: int, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=actor.ip,
        detail=detail,
    )


def chair_add(*, actor: Actor, name: str, note: str = "") -> Chair:
    actor.require("clinic.configure")
    name = name.strip()
    if not name:
        raise ValidationError("Give the chair a name.")
    with transaction.atomic():
        if Chair.objects.filter(clinic=actor.clinic, name__iexact=name).exists():
            raise ValidationError(f"There is already a chair called {name}.")
        chair = Chair.objects.create(clinic=actor.clinic, name=name, note=note.strip())
        _audit(actor, "chair.add", "chair", chair.pk)
    return chair


def chair_set_in_service(*, actor: Actor, chair_id: int, in_service: bool) -> Chair:
    actor.require("clinic.configure")
    with transaction.atomic():
        chair = Chair.objects.select_for_update().filter(clinic=actor.clinic, pk=chair_id).first()
        if chair is None:
            raise ValidationError("That chair does not exist.")
        chair.in_service = in_service
        chair.save(update_fields=["in_service"])
        _audit(
            actor,
            "chair.in_service" if in_service else "chair.out_of_service",
            "chair",
            chair.pk,
        )
    return chair


def scheduling_settings_update(
    *, actor: Actor, expected_version: int, changes: dict[str, object]
) -> SchedulingSettings:
    """Save the clinic's scheduling settings; EditConflict when someone saved meanwhile."""
    actor.require("scheduling.configure")
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(
            f"These settings cannot be changed here: {', '.join(sorted(unknown))}."
        )
    for name in ("placement_minutes", "observation_minutes"):
        value = changes.get(name)
        if isinstance(value, int) and value % GRID_MINUTES:
            raise ValidationError({name: f"Use a multiple of {GRID_MINUTES} minutes."})
    with transaction.atomic():
        current, _ = SchedulingSettings.objects.select_for_update().get_or_create(
            clinic=actor.clinic
        )
        if current.version != expected_version:
            raise EditConflict(
                "Someone changed these settings after you opened them. Nothing was saved: "
                "reload and make your change again."
            )
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean(exclude=["clinic", "updated_by"])
        current.version += 1
        current.updated_by = actor.user
        current.save()
        _audit(actor, "scheduling.configure", "schedulingsettings", current.pk)
    return current


@dataclass(frozen=True)
class ShiftPattern:
    """Shifts to add: one per open date from ``first`` to ``last`` on the chosen weekdays."""

    nurse_id: int
    first: date
    last: date
    weekdays: frozenset[int]
    starts: time
    ends: time
    breaks: tuple[tuple[time, time], ...] = ()


def _check_pattern(pattern: ShiftPattern) -> None:
    if pattern.ends <= pattern.starts:
        raise ValidationError({"ends": "The shift must end after it starts."})
    if pattern.last < pattern.first:
        raise ValidationError({"last": "The last date is before the first."})
    if (pattern.last - pattern.first).days >= 7 * MAX_SHIFT_WEEKS:
        raise ValidationError({"last": f"Enter at most {MAX_SHIFT_WEEKS} weeks of shifts at once."})
    if not pattern.weekdays:
        raise ValidationError({"weekdays": "Choose at least one weekday."})
    previous_end: time | None = None
    for starts, ends in sorted(pattern.breaks):
        if ends <= starts:
            raise ValidationError({"breaks": f"The break {starts:%H:%M}–{ends:%H:%M} is reversed."})
        if starts < pattern.starts or ends > pattern.ends:
            raise ValidationError(
                {"breaks": f"The break {starts:%H:%M}–{ends:%H:%M} is outside the shift."}
            )
        if previous_end is not None and starts < previous_end:
            raise ValidationError({"breaks": "Breaks must not overlap."})
        previous_end = ends


def nurse_shifts_add(*, actor: Actor, pattern: ShiftPattern, today: date) -> list[NurseShift]:
    """Add the nurse's shift on every open date of the pattern; dates she already has a shift
    on are refused all together (nothing is added), so a rota is never half entered."""
    actor.require("scheduling.configure")
    _check_pattern(pattern)
    if pattern.first < today:
        raise ValidationError({"first": "Shifts cannot be added in the past."})
    is_nurse = Membership.objects.filter(
        clinic=actor.clinic, user_id=pattern.nurse_id, role=Role.NURSE, is_active=True
    ).exists()
    if not is_nurse:
        raise ValidationError({"nurse": "Choose a nurse of this clinic."})
    hours = hours_between(actor.clinic, pattern.first, pattern.last)
    days = [d for d, h in hours.items() if h.is_open and d.weekday() in pattern.weekdays]
    if not days:
        raise ValidationError("The clinic is closed on every chosen date: no shift was added.")
    with transaction.atomic():
        taken = sorted(
            NurseShift.objects.filter(
                clinic=actor.clinic, nurse_id=pattern.nurse_id, day__in=days
            ).values_list("day", flat=True)
        )
        if taken:
            listed = ", ".join(f"{d:%a %d %b}" for d in taken[:5])
            raise ValidationError(
                f"The nurse already has a shift on {listed}{' …' if len(taken) > 5 else ''}. "
                "Remove those first or choose other dates; nothing was added."
            )
        made: list[NurseShift] = []
        for day in days:
            try:
                with transaction.atomic():
                    shift = NurseShift.objects.create(
                        clinic=actor.clinic,
                        nurse_id=pattern.nurse_id,
                        day=day,
                        starts=pattern.starts,
                        ends=pattern.ends,
                        created_by=actor.user,
                    )
            except IntegrityError:
                raise ValidationError(
                    "Someone added a shift for this nurse at the same moment; reload the rota."
                ) from None
            for starts, ends in sorted(pattern.breaks):
                ShiftBreak.objects.create(
                    clinic=actor.clinic, shift=shift, starts=starts, ends=ends
                )
            made.append(shift)
        _audit(
            actor,
            "shift.add",
            "nurseshift",
            made[0].pk,
            detail=f"{len(made)} shifts, nurse {pattern.nurse_id}",
        )
    return made


def nurse_shift_remove(*, actor: Actor, shift_id: int) -> None:
    """Remove a shift that has no live visit assigned to its nurse that day."""
    actor.require("scheduling.configure")
    with transaction.atomic():
        shift = (
            NurseShift.objects.select_for_update().filter(clinic=actor.clinic, pk=shift_id).first()
        )
        if shift is None:
            raise PermissionDenied("That shift is not in your clinic.")
        start, end = local_day_bounds(actor.clinic, shift.day, shift.day)
        assigned = Appointment.objects.filter(
            clinic=actor.clinic,
            nurse_id=shift.nurse_id,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=LIVE_STATUSES,
        ).count()
        if assigned:
            raise ValidationError(
                f"The nurse has {assigned} visit(s) on {shift.day:%a %d %b}: move them to "
                "another nurse (or optimise the day) before removing the shift."
            )
        _audit(actor, "shift.remove", "nurseshift", shift.pk, detail=f"{shift.day:%Y-%m-%d}")
        shift.delete()
