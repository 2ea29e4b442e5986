"""Demo scheduling (``ivmt.demo.EXTENSIONS``, after the pharmacy and infusion demos):

* the scheduling settings saved by the manager, and the nurses' rota for the next four weeks
  (Nadia 08:00–16:30 with lunch 12:00–12:30, Noah 08:30–17:00 with lunch 13:00–13:30);
* today's visits that the infusion demo charted (finished, stopped early, infusing, held,
  identified, arrived) and the pharmacy demo's booked first doses, as appointments on the same
  chairs, with the matching status;
* every signed course's remaining doses booked as a series through the booking page's own
  selector and service, each patient at a preferred time of their own;
* last week's visits as done, with two no-shows, and two cancellations to come (their doses
  wait on "Series to book");
* on the next open day, two patients whose visits were pushed into the afternoon "when the
  morning looked full": the optimiser's page shows what it gains.

Appointments in the past cannot be booked through the services (they refuse a time that has
passed), so those are written as rows, as the services would have written them on their day;
the database's double-booking guards check them all the same. No e-mail is sent
(``messages_withheld``): the patients and their addresses are invented.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.orders.services import planned_dose_schedule
from ivmt.scheduling import selectors, services
from ivmt.scheduling.availability import settings_for
from ivmt.scheduling.clinic_hours import hours_between
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    Chair,
    SchedulingSettings,
)
from ivmt.scheduling.services.booking import visit_minutes
from ivmt.scheduling.services.notify import messages_withheld

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

ROTA_WEEKS = 4
# The infusion chart's status → the appointment's (the chart says more; the calendar needs this).
CHART_STATUS = {
    "arrived": "arrived",
    "held": "arrived",
    "ready": "arrived",
    "infusing": "infusing",
    "paused": "infusing",
    "ended": "infusing",
    "done": "done",
    "signed": "done",
}
PREFERRED = [time(8, 30), time(9, 0), time(9, 30), time(10, 0), time(10, 30), time(11, 0),
             time(13, 0), time(13, 30), time(14, 0), time(14, 30)]  # fmt: skip


def _actor(ctx: DemoContext, username: str, role: Role) -> Actor:
    return Actor(user=ctx.users[username], clinic=ctx.clinic, role=role)


def _grid_down(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % GRID_MINUTES)


def _row(
    ctx: DemoContext,
    dose: PlannedDose,
    chair: Chair,
    start: datetime,
    status: str,
    settings: SchedulingSettings,
    nurses: list[int],
    booker: Actor,
    note: str = "",
) -> Appointment | None:
    """A visit of the past (or under way) written as a row; None if the guards refuse it."""
    placement, infusion, observation = visit_minutes(settings, dose.order)
    minutes = placement + infusion + observation
    for nurse in [*nurses, None]:
        visit = Appointment(
            clinic=ctx.clinic,
            patient_id=dose.patient_id,
            dose=dose,
            chair=chair,
            nurse_id=nurse,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            placement_ends_at=start + timedelta(minutes=placement),
            preferred_start=start,
            placement_minutes=placement,
            infusion_minutes=infusion,
            observation_minutes=observation,
            status=status,
            status_reason=note,
            status_changed_at=start if status != "booked" else None,
            booked_by=booker.user,
        )
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:
            continue
        AppointmentEvent.objects.create(
            clinic=ctx.clinic,
            appointment=visit,
            kind=AppointmentEvent.Kind.BOOKED,
            at=start - timedelta(days=7),
            by=booker.user,
            summary=f"Booked for dose {dose.number}",
        )
        if status != "booked":
            AppointmentEvent.objects.create(
                clinic=ctx.clinic,
                appointment=visit,
                kind=AppointmentEvent.Kind.STATUS,
                at=start,
                by=booker.user,
                summary=Appointment.Status(status).label,
                reason=note,
            )
        return visit
    return None


def _rota(ctx: DemoContext, manager: Actor, today: date) -> None:
    for username, starts, ends, lunch in (
        ("nadia", time(8, 0), time(16, 30), (time(12, 0), time(12, 30))),
        ("noah", time(8, 30), time(17, 0), (time(13, 0), time(13, 30))),
    ):
        try:
            services.nurse_shifts_add(
                actor=manager,
                pattern=services.ShiftPattern(
                    nurse_id=ctx.users[username].pk,
                    first=today,
                    last=today + timedelta(days=7 * ROTA_WEEKS - 1),
                    weekdays=frozenset(range(5)),
                    starts=starts,
                    ends=ends,
                    breaks=(lunch,),
                ),
                today=today,
            )
        except ValidationError:
            continue  # the clinic is closed on every date of the range (cannot happen here)


def _today_from_charts(
    ctx: DemoContext, settings: SchedulingSettings, desk: Actor, nurses: list[int]
) -> set[int]:
    """Appointments for the visits the infusion demo charted today (its model is read by name:
    the scheduling app does not import infusions)."""
    try:
        chart_model = apps.get_model("infusions", "InfusionChart")
    except LookupError:
        return set()
    done: set[int] = set()
    zone = ctx.clinic.zone
    today = clinic_today(ctx.clinic)
    for chart in chart_model.objects.filter(clinic=ctx.clinic).select_related(
        "dose", "dose__order", "chair"
    ):
        if chart.chair is None or chart.arrived_at.astimezone(zone).date() != today:
            continue
        dose = chart.dose
        booked = dose.scheduled_at if dose.scheduled_at is not None else chart.arrived_at
        start = _grid_down(min(booked, chart.arrived_at + timedelta(minutes=10)))
        status = CHART_STATUS.get(chart.status, "arrived")
        if _row(ctx, dose, chart.chair, start, status, settings, nurses, desk) is not None:
            planned_dose_schedule(actor=desk, dose_id=dose.pk, scheduled_at=start)
            done.add(dose.pk)
    return done


def _pharmacy_bookings(ctx: DemoContext, desk: Actor) -> None:
    """The pharmacy demo booked some first doses by writing their time on the dose; book them
    properly at that time (the first chair free), so its queue keeps its order and flags."""
    chairs = list(Chair.objects.filter(clinic=ctx.clinic, in_service=True).order_by("name"))
    doses = (
        PlannedDose.objects.filter(
            clinic=ctx.clinic, scheduled_at__gt=timezone.now(), status=PlannedDose.Status.PLANNED
        )
        .exclude(appointments__status__in=LIVE_STATUSES)
        .order_by("scheduled_at")
    )
    for dose in doses:
        assert dose.scheduled_at is not None  # noqa: S101  # filtered on it
        start = _grid_down(dose.scheduled_at)
        for chair in chairs:
            try:
                services.appointment_book(
                    actor=desk, dose_id=dose.pk, starts_at=start, chair_id=chair.pk
                )
            except ValidationError:
                continue
            break


def _series(ctx: DemoContext, desk: Actor, rng: random.Random) -> None:
    orders = (
        CourseOrder.objects.filter(clinic=ctx.clinic, status=CourseOrder.Status.SIGNED)
        .select_related("patient")
        .order_by("patient__family_name", "pk")
    )
    for order in orders:
        preferred = rng.choice(PREFERRED)
        plan = selectors.series_plan(actor=desk, order_id=order.pk, preferred=preferred)
        picks = [
            services.SeriesPick(line.dose.pk, line.chosen.starts_at, line.chosen.chair_id)
            for line in plan.lines
            if line.chosen is not None
        ]
        if not picks:
            continue
        try:
            services.series_book(actor=desk, order_id=order.pk, picks=picks)
        except ValidationError:
            continue  # a slot the demo's own earlier bookings took: the desk books it later


def _history(
    ctx: DemoContext, settings: SchedulingSettings, desk: Actor, nurses: list[int]
) -> None:
    """Last week's doses of the running courses as done visits, two of them no-shows."""
    today = clinic_today(ctx.clinic)
    chairs = list(Chair.objects.filter(clinic=ctx.clinic, in_service=True).order_by("name"))
    hours = hours_between(ctx.clinic, today - timedelta(days=7), today - timedelta(days=1))
    doses = (
        PlannedDose.objects.filter(
            clinic=ctx.clinic,
            date__gte=today - timedelta(days=7),
            date__lt=today,
            status=PlannedDose.Status.PLANNED,
        )
        .exclude(appointments__status__in=LIVE_STATUSES)
        .select_related("order")
        .order_by("date", "patient__family_name")
    )
    slot_of_day: dict[date, int] = {}
    no_shows = 0
    for dose in doses:
        day = hours.get(dose.date)
        if day is None or day.opens is None or not chairs:
            continue
        k = slot_of_day.get(dose.date, 0)
        slot_of_day[dose.date] = k + 1
        start = day.opens + timedelta(minutes=30 + 20 * k)
        if day.closes is not None and start + timedelta(minutes=90) > day.closes:
            continue
        status, note = "done", ""
        if no_shows < 2 and k >= 1:
            status, note = "no_show", "Did not come; phoned, rebooking"
        if _row(ctx, dose, chairs[k % len(chairs)], start, status, settings, nurses, desk, note):
            no_shows += status == "no_show"


def _cancellations(ctx: DemoContext, desk: Actor) -> None:
    future = list(
        Appointment.objects.filter(
            clinic=ctx.clinic, status="booked", starts_at__gte=timezone.now() + timedelta(days=8)
        ).order_by("starts_at", "pk")[:40:20]
    )
    for visit, reason in zip(future, ("Patient has a cold", "Work trip that week"), strict=False):
        services.appointment_cancel(
            actor=desk, appointment_id=visit.pk, expected_version=visit.version, reason=reason
        )


def _crowded_morning(ctx: DemoContext, desk: Actor) -> None:
    """On the next open day, push two morning visits into the afternoon, as a desk does when
    the morning looks full: the day's optimiser has something to win back."""
    today = clinic_today(ctx.clinic)
    hours = hours_between(ctx.clinic, today + timedelta(days=1), today + timedelta(days=7))
    day = next((d for d, h in sorted(hours.items()) if h.is_open), None)
    if day is None:
        return
    book = hours[day]
    assert book.opens is not None  # noqa: S101  # an open day has hours
    morning = list(
        Appointment.objects.filter(
            clinic=ctx.clinic,
            status="booked",
            starts_at__gte=book.opens,
            starts_at__lt=book.opens + timedelta(hours=4),
        ).order_by("starts_at", "pk")[:2]
    )
    chairs = list(Chair.objects.filter(clinic=ctx.clinic, in_service=True).order_by("name"))
    afternoon = [time(14, 0), time(14, 30), time(15, 0), time(15, 30)]
    for visit in morning:
        for later, chair in ((t, c) for t in afternoon for c in chairs):
            try:
                services.appointment_move(
                    actor=desk,
                    appointment_id=visit.pk,
                    expected_version=visit.version,
                    starts_at=datetime.combine(day, later, tzinfo=ctx.clinic.zone),
                    chair_id=chair.pk,
                    reason="Morning looked full when the patient called",
                )
            except ValidationError:
                continue
            afternoon.remove(later)
            break


def load(ctx: DemoContext) -> None:
    if Appointment.objects.filter(clinic=ctx.clinic).exists():
        return
    desk = _actor(ctx, "fran", Role.FRONT_DESK)
    manager = _actor(ctx, "morgan", Role.MANAGER)
    rng = random.Random(7)  # noqa: S311  # demo data, not security
    today = clinic_today(ctx.clinic)
    with messages_withheld():
        services.scheduling_settings_update(
            actor=manager, expected_version=settings_for(ctx.clinic).version, changes={}
        )
        settings = settings_for(ctx.clinic)
        _rota(ctx, manager, today)
        nurses = [ctx.users["nadia"].pk, ctx.users["noah"].pk]
        _today_from_charts(ctx, settings, desk, nurses)
        _history(ctx, settings, desk, nurses)
        _pharmacy_bookings(ctx, desk)
        _series(ctx, desk, rng)
        _cancellations(ctx, desk)
        _crowded_morning(ctx, desk)
