"""Demo infusions at the chairs (``ivmt.demo.EXTENSIONS``, last: it uses the pharmacy's courses
and bags and the outcomes demo's running courses).

Today's board, by chair:

1. a visit that finished this morning: heat ten minutes in, the rate slowed, the bag run
   through, flushed, the IV out, signed — with next-dose advice waiting for a physician;
2. a visit stopped early: the patient fainted four minutes in (a vasovagal reaction), an
   adverse event with actions and outcome, signed — waiting on the physicians' dashboards;
3. an infusion running for twenty minutes (time left on the board);
4. a held dose: systolic pressure 86 mmHg at check-in, below the clinic's hold limit;
5. an identified patient whose bag is ready (the Yale push, which needs a physician named to
   start: faster than the magnesium label);
6. a patient who arrived while the bag is still in the pharmacy;

and the rest of the day's doses still expected. Everything goes through the services the pages
call, with one exception the clock forces: the wristband-and-bag scan is stamped by the
service with the time it is called, so for the three visits of the morning the demo moves that
stamp back to when it would have been charted (the services refuse a start before the scan).

Doses are those planned for today, or within the clinic's tolerance of a few days (with a
reason) when the demo is loaded on a day the clinic is closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from ivmt.clinical.charting import setting_decimal
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.pharmacy import services as pharmacy
from ivmt.pharmacy.demo import FIRST_PLAIN_PATIENT
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.models import Chair

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

NORMAL = {"systolic_mmhg": "122", "diastolic_mmhg": "78", "heart_rate_bpm": "74"}
LOW = {"systolic_mmhg": "86", "diastolic_mmhg": "54", "heart_rate_bpm": "66"}
MOVED = "Demo: the clinic is closed today; the visit is shown as if it were held today."
# The pharmacy demo's courses (patients from FIRST_PLAIN_PATIENT): the seed recipe in a bag,
# the gentle piggy-back, the Yale push, the course changed after side effects.
BAG_COURSE, GENTLE, YALE = 0, 1, 2


class _Team:
    def __init__(self, ctx: DemoContext) -> None:
        def actor(name: str, role: Role, director: bool = False) -> Actor:
            return Actor(
                user=ctx.users[name], clinic=ctx.clinic, role=role, is_medical_director=director
            )

        self.nurse = actor("nadia", Role.NURSE)
        self.nurse2 = actor("noah", Role.NURSE)
        self.doctor = actor("diaz", Role.PHYSICIAN, director=True)
        self.priya = actor("priya", Role.PHARMACIST)
        self.paul = actor("paul", Role.PHARMACIST)


def _fresh(chart: InfusionChart) -> InfusionChart:
    return InfusionChart.objects.get(pk=chart.pk)


def _check_in(
    team: _Team,
    dose: PlannedDose,
    chair: Chair,
    arrived: datetime,
    vitals: dict[str, str],
    keep_hold: bool = False,
) -> InfusionChart:
    nurse = team.nurse
    services.wristband_issue(actor=nurse, patient=dose.patient)
    chart = services.chart_check_in(
        actor=nurse,
        entry=services.CheckIn(
            dose_id=dose.pk,
            chair_id=chair.pk,
            arrived_at=arrived,
            vitals=vitals,
            advice_fluids=True,
            advice_warm=dose.number % 2 == 0,
            moved_reason="" if dose.date == clinic_today(nurse.clinic) else MOVED,
        ),
    )
    if chart.status == InfusionChart.Status.HELD and not keep_hold:
        chart = services.chart_hold_release(
            actor=team.doctor,
            chart_id=chart.pk,
            expected_version=chart.version,
            reason="Demo: finding known and reviewed with the patient at the last visit.",
        )
    return chart


def _identify(team: _Team, chart: InfusionChart, at: datetime | None = None) -> InfusionChart:
    chart = _fresh(chart)
    band = services.wristband_issue(actor=team.nurse, patient=chart.patient)
    bag = CompoundingRecord.objects.filter(dose=chart.dose).exclude(status="wasted").get()
    chart = services.chart_identify(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        wristband_code=band.code,
        bag_code=bag.bag_code,
    )
    if at is not None:  # see the module docstring: the morning's scan, stamped at its time
        chart.identified_at = at
        chart.save(update_fields=["identified_at"])
    return chart


def _running(
    team: _Team, dose: PlannedDose, chair: Chair, started: datetime, vitals: dict[str, str]
) -> InfusionChart:
    """A bag made, checked in, scanned, IV placed and started at ``started``."""
    record = pharmacy.compounding_prepare(
        actor=team.priya, dose_id=dose.pk, prep_started_at=started - timedelta(minutes=30)
    )
    pharmacy.compounding_verify(actor=team.paul, record_id=record.pk)
    pharmacy.compounding_dispense(actor=team.priya, record_id=record.pk)
    chart = _check_in(team, dose, chair, started - timedelta(minutes=15), vitals)
    chart = _identify(team, chart, at=started - timedelta(minutes=10))
    chart = services.chart_iv_record(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        site="forearm" if dose.number % 2 else "hand",
        side="left",
        device="catheter",
        gauge=22,
        attempts=1 if dose.number % 3 else 2,
        placed_by_id=team.nurse2.user.pk,
        placed_at=started - timedelta(minutes=5),
    )
    return services.infusion_start(
        actor=team.nurse, chart_id=chart.pk, expected_version=chart.version, started_at=started
    )


def _finish(team: _Team, chart: InfusionChart, removed: datetime) -> InfusionChart:
    chart = _fresh(chart)
    chart = services.chart_finish(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        flush_ml=Decimal(20),
        iv_removed_at=removed,
        site_check="clean",
        bandage=True,
        discharge_advice=True,
    )
    return services.chart_sign(actor=team.nurse, chart_id=chart.pk, expected_version=chart.version)


def _candidates(ctx: DemoContext) -> list[PlannedDose]:
    """Doses of the outcomes demo's running courses near today, without a bag or chart: one
    per patient, the patients without screening findings, nearest day first."""
    today = clinic_today(ctx.clinic)
    tolerance = int(setting_decimal("dose_day_tolerance_days"))
    plain = [p.pk for p in ctx.patients[FIRST_PLAIN_PATIENT + 5 :]]
    doses = (
        PlannedDose.objects.filter(
            clinic=ctx.clinic,
            patient_id__in=plain,
            status=PlannedDose.Status.PLANNED,
            order__status=CourseOrder.Status.SIGNED,
            date__gte=today,
            date__lte=today + timedelta(days=tolerance),
            bags__isnull=True,
            infusion_charts__isnull=True,
        )
        .select_related("patient", "order")
        .order_by("date", "patient__family_name", "number")
    )
    chosen: dict[int, PlannedDose] = {}
    for dose in doses:
        chosen.setdefault(dose.patient_id, dose)
    return list(chosen.values())


def _first_dose(ctx: DemoContext, index: int) -> PlannedDose | None:
    patient = ctx.patients[FIRST_PLAIN_PATIENT + index]
    return (
        PlannedDose.objects.filter(
            patient=patient, status=PlannedDose.Status.PLANNED, bags__isnull=False
        )
        .select_related("patient")
        .order_by("number")
        .first()
    )


def load(ctx: DemoContext) -> None:
    if InfusionChart.objects.filter(clinic=ctx.clinic).exists():
        return
    team = _Team(ctx)
    chairs = list(Chair.objects.filter(clinic=ctx.clinic, in_service=True).order_by("name"))
    now = timezone.now().replace(second=0, microsecond=0)
    morning = _candidates(ctx)[:3]
    if len(chairs) < 6 or len(morning) < 3:
        return

    # 1. Finished this morning, with heat and a slower rate: next-dose advice.
    start = now - timedelta(minutes=110)
    chart = _running(team, morning[0], chairs[0], start, NORMAL)
    services.observation_record(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        seen=services.Seen(
            side_effect_id="heat_sensation",
            severity="moderate",
            at=start + timedelta(minutes=10),
            note="flushed, warm all over",
        ),
    )
    chart = _fresh(chart)
    chart = services.infusion_rate_change(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        kind="slow",
        at=start + timedelta(minutes=11),
        reason="warmth uncomfortable",
        rate_ml_per_h=Decimal(120),
    )
    chart = services.infusion_end(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        ended_at=start + timedelta(minutes=58),
    )
    _finish(team, chart, start + timedelta(minutes=62))

    # 2. Stopped early: a vasovagal faint, an adverse event for the physicians.
    start = now - timedelta(minutes=50)
    chart = _running(team, morning[1], chairs[1], start, NORMAL)
    services.observation_record(
        actor=team.nurse,
        chart_id=chart.pk,
        expected_version=chart.version,
        seen=services.Seen(
            side_effect_id="fainting",
            severity="moderate",
            at=start + timedelta(minutes=4),
            note="pale, sweaty, brief loss of consciousness; BP 92/58 after",
            action_taken="Infusion stopped; lying flat with legs raised; recovered in 2 minutes; "
            "Dr Diaz informed; water given",
            stop_infusion=True,
            event_severity="moderate",
            event_outcome="resolved",
        ),
    )
    _finish(team, chart, start + timedelta(minutes=20))

    # 3. Infusing for twenty minutes.
    _running(team, morning[2], chairs[2], now - timedelta(minutes=20), NORMAL)

    # 4-6. The pharmacy demo's patients: held, bag ready, arrived.
    gentle, yale, bag_course = (_first_dose(ctx, i) for i in (GENTLE, YALE, BAG_COURSE))
    if gentle is not None:
        _check_in(team, gentle, chairs[3], now - timedelta(minutes=10), LOW, keep_hold=True)
    if yale is not None:
        _identify(team, _check_in(team, yale, chairs[4], now - timedelta(minutes=5), NORMAL))
    if bag_course is not None:
        _check_in(team, bag_course, chairs[5], now, NORMAL)
