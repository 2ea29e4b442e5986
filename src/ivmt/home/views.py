from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ivmt.accounts.models import Membership
from ivmt.billing.selectors import balances, consents_to_sign
from ivmt.core.access import actor_from_request, requires, signed_in
from ivmt.core.audit import audit_record
from ivmt.core.roles import Role
from ivmt.core.selectors import audit_counts_today
from ivmt.infusions.selectors import board_counts, open_adverse_events, pending_advice
from ivmt.orders.selectors import drafts_awaiting_signature
from ivmt.outcomes.reviews import review_queue
from ivmt.outcomes.selectors import open_alerts
from ivmt.patients.models import LabResult, Patient
from ivmt.patients.selectors import portal_chart
from ivmt.pharmacy.selectors import queue_count
from ivmt.referrals.selectors import accepted_without_referral, overdue_referrals
from ivmt.scheduling.selectors import todays_bookings
from ivmt.screening.selectors import screening_queue_count

RECENT_DAYS = 30


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return redirect("accounts:choose_clinic")
    if membership.role == Role.PATIENT:
        return redirect("home:portal")
    return redirect("home:dashboard")


@requires("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    context: dict[str, object] = {"role": actor.role}
    patients = Patient.objects.filter(clinic=actor.clinic)
    context["patient_count"] = patients.count()
    if actor.may("screening.queue"):
        context["screening_queue"] = screening_queue_count(actor=actor)
    if actor.may("patients.view"):
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        context["recent_patients"] = list(patients.order_by("-created_at")[:8])
        context["abnormal_results"] = list(
            LabResult.objects.filter(
                clinic=actor.clinic, collected_at__gte=since, entered_in_error=False
            )
            .exclude(flag="")
            .select_related("patient")
            .order_by("-collected_at")[:15]
        )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="dashboard.view",
            ip=actor.ip,
            detail="patient lists shown",
        )
    if actor.may("orders.prescribe"):
        context["unsigned_drafts"] = drafts_awaiting_signature(actor=actor)
    if actor.may("pharmacy.compound"):
        context["pharmacy_queue"] = queue_count(actor=actor)
    if actor.may("infusions.board"):
        context["infusion_counts"] = board_counts(actor=actor)
    if actor.may("infusions.review"):
        context["adverse_events_open"] = open_adverse_events(actor=actor, limit=10)
        context["advice_pending"] = pending_advice(actor=actor, limit=10)
    if actor.may("outcomes.review"):
        context["reviews_due"] = review_queue(actor=actor, limit=10)
        context["outcome_alerts"] = open_alerts(actor=actor, limit=10)
    if actor.may("billing.consent_sign") and actor.role == Role.FRONT_DESK:
        # Issue 9: whose next visit needs a (re-)signature, referrals with no news.
        context["consents_to_sign"] = consents_to_sign(actor=actor, limit=10)
        context["overdue_referrals"] = overdue_referrals(actor=actor, limit=10)
        context["accepted_not_referred"] = accepted_without_referral(actor=actor, limit=10)
    if actor.may("scheduling.book"):
        context["todays_bookings"] = todays_bookings(actor=actor)
    if actor.role == Role.MANAGER:
        context["balances"] = balances(actor=actor, limit=10)
        context["audit_today"] = audit_counts_today(actor=actor)
        context["staff"] = list(
            Membership.objects.filter(clinic=actor.clinic, is_active=True)
            .exclude(role=Role.PATIENT)
            .select_related("user")
            .order_by("role")
        )
    return render(request, "home/dashboard.html", context)


@requires("portal.view")
def portal(request: HttpRequest) -> HttpResponse:
    """A patient's own summary: details and lab results, from their linked chart only."""
    actor = actor_from_request(request)
    patient_id = request.membership.patient_id  # type: ignore[attr-defined]
    if patient_id is None:
        raise Http404("Your account is not linked to a chart yet: ask the front desk.")
    chart = portal_chart(actor=actor, patient_id=patient_id)
    return render(
        request, "home/portal.html", {"patient": chart.patient, "panels": chart.lab_panels}
    )
