"""The optimiser's proposals as a person reads them, and the nurses' rota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch

from ivmt.core.access import Actor
from ivmt.scheduling.models import Appointment, Chair, DayPlanProposal, NurseShift, ShiftBreak
from ivmt.scheduling.selectors._common import audit_listing, denied, visits_of

# Plans and shifts -------------------------------------------------------------------------------


@dataclass
class MoveRow:
    visit: Appointment
    starts_from: datetime
    starts_to: datetime
    chair_from: str
    chair_to: str
    nurse_from: str
    nurse_to: str


@dataclass
class ProposalView:
    proposal: DayPlanProposal
    moves: list[MoveRow]
    unplaced: list[Appointment]


def proposal_view(*, actor: Actor, proposal_id: int) -> ProposalView:
    actor.require("scheduling.view")
    proposal = DayPlanProposal.objects.filter(clinic=actor.clinic, pk=proposal_id).first()
    if proposal is None:
        raise denied(actor, "day.plan_view", "dayplanproposal", proposal_id)
    ids = [m["appointment"] for m in proposal.moves] + list(proposal.unplaced)
    visits = {a.pk: a for a in visits_of(actor.clinic).filter(pk__in=ids)}
    chairs = dict(Chair.objects.filter(clinic=actor.clinic).values_list("pk", "name"))
    shifts = NurseShift.objects.filter(clinic=actor.clinic, day=proposal.day).select_related(
        "nurse"
    )
    nurses = {s.nurse_id: s.nurse.display_name for s in shifts}
    zone = actor.clinic.zone
    moves = [
        MoveRow(
            visit=visits[m["appointment"]],
            starts_from=datetime.fromisoformat(m["from"]).astimezone(zone),
            starts_to=datetime.fromisoformat(m["to"]).astimezone(zone),
            chair_from=chairs.get(m["from_chair"], "?"),
            chair_to=chairs.get(m["to_chair"], "?"),
            nurse_from=nurses.get(m["from_nurse"], "not assigned"),
            nurse_to=nurses.get(m["to_nurse"], "not assigned"),
        )
        for m in sorted(proposal.moves, key=lambda m: m["to"])
        if m["appointment"] in visits
    ]
    audit_listing(actor, "day.plan_view", f"plan {proposal.pk}: {len(moves)} moves")
    return ProposalView(
        proposal=proposal,
        moves=moves,
        unplaced=[visits[i] for i in proposal.unplaced if i in visits],
    )


def shifts_between(*, actor: Actor, first: date, last: date) -> list[NurseShift]:
    actor.require("scheduling.view")
    return list(
        NurseShift.objects.filter(clinic=actor.clinic, day__gte=first, day__lte=last)
        .select_related("nurse")
        .prefetch_related(Prefetch("breaks", queryset=ShiftBreak.objects.order_by("starts")))
        .order_by("day", "starts", "nurse__last_name")
    )
