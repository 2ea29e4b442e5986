"""Pharmacy pages: the just-in-time queue, preparing and checking a bag, its worksheet and
label PDFs, stock, recalls and settings. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import infusion_plan, order_input
from ivmt.orders.presentation import content_rows
from ivmt.orders.views import add_errors
from ivmt.patients.errors import EditConflict
from ivmt.patients.selectors import patient_get
from ivmt.pharmacy import selectors, services
from ivmt.pharmacy.forms import (
    AdministerForm,
    PharmacySettingsForm,
    PrepareForm,
    QuarantineForm,
    QueueDayForm,
    RecallForm,
    ReceiveLotForm,
    ScanForm,
    VerifyForm,
    WasteForm,
)
from ivmt.pharmacy.labels import bag_label_pdf
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.pharmacy.recall_csv import recall_csv
from ivmt.pharmacy.services.compounding import (
    LOT_FIELD,
    bag_beyond_use,
    needs_of,
    plan_draws,
)
from ivmt.pharmacy.worksheet import worksheet_pdf, worksheet_rows

LABEL_STATES = ("verified", "dispensed", "administered")


def _plan(order: CourseOrder) -> InfusionPlan | None:
    try:
        return infusion_plan(order_input(order), order.osmolarity_limit_id or None)
    except ClinicalError:
        return None


@requires("pharmacy.compound")
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = QueueDayForm(request.GET or None)
    day = form.cleaned_data.get("day") if form.is_valid() else None
    status = 400 if request.GET and not form.is_valid() else 200
    data = selectors.compounding_queue(actor=actor, day=day)
    return render(
        request,
        "pharmacy/queue.html",
        {"queue": data, "form": form, "scan_form": ScanForm(), "now": timezone.now()},
        status=status,
    )


@requires("pharmacy.compound")
@require_http_methods(["GET", "POST"])
def prepare(request: HttpRequest, dose_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    dose = selectors.dose_get(actor=actor, dose_id=dose_id)
    order = dose.order
    live = selectors.live_bag(dose=dose)
    if live is not None:
        messages.info(request, f"Dose {dose.number} already has bag {live.bag_code}.")
        return redirect("pharmacy:bag", record_id=live.pk)
    plan = _plan(order)
    blocked = ""
    if order.status != CourseOrder.Status.SIGNED or dose.status != PlannedDose.Status.PLANNED:
        blocked = (
            f"This dose cannot be prepared: the order is {order.get_status_display().lower()} "
            f"and the dose is {dose.get_status_display().lower()}."
        )
    elif plan is None:
        blocked = "The order can no longer be calculated; ask the prescriber to review it."
    needs = needs_of(order) if plan is not None else []
    fefo_problems: list[str] = []
    status = 200
    if request.method == "POST" and not blocked:
        form = PrepareForm(request.POST, needs=needs)
        status = 400
        if form.is_valid():
            started = form.cleaned_data["prep_started_at"]
            if timezone.is_naive(started):
                started = timezone.make_aware(started, actor.clinic.zone)
            try:
                record = services.compounding_prepare(
                    actor=actor,
                    dose_id=dose.pk,
                    prep_started_at=started,
                    lot_choices=form.lot_choices(),
                )
            except ValidationError as error:
                add_errors(form, error)
                status = 409 if isinstance(error, EditConflict) else 400
            else:
                messages.success(
                    request, f"Bag {record.bag_code} prepared. A second pharmacist verifies it."
                )
                return redirect("pharmacy:bag", record_id=record.pk)
    else:
        now = timezone.now().astimezone(actor.clinic.zone).replace(second=0, microsecond=0)
        initial: dict[str, Any] = {"prep_started_at": now.strftime("%Y-%m-%dT%H:%M")}
        if needs:
            try:
                draws = plan_draws(actor, needs, {}, bag_beyond_use(actor, now), lock=False)
            except ValidationError as error:
                fefo_problems = error.messages
            else:
                for need in needs:
                    initial[LOT_FIELD + need.ingredient_id] = ", ".join(
                        d.lot_number for d in draws[need.ingredient_id]
                    )
        form = PrepareForm(initial=initial, needs=needs)
    bud = bag_beyond_use(actor, timezone.now())
    return render(
        request,
        "pharmacy/prepare.html",
        {
            "dose": dose,
            "order": order,
            "patient": dose.patient,
            "plan": plan,
            "rows": content_rows(plan) if plan else [],
            "form": form if not blocked else None,
            "blocked": blocked,
            "bud_preview": bud,
            "lapses": selectors.lapse_before_use(bud.beyond_use_at, dose, actor.clinic.zone),
            "fefo_problems": fefo_problems,
            "settings": selectors.settings_for(actor),
        },
        status=status if not blocked or request.method == "GET" else 409,
    )


def _bag_page(
    request: HttpRequest, actor: Actor, record_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    record = selectors.bag_get(actor=actor, record_id=record_id)
    plan = _plan(record.order)
    context: dict[str, Any] = {
        "record": record,
        "patient": record.patient,
        "order": record.order,
        "plan": plan,
        "worksheet": worksheet_rows(record, plan) if plan else [],
        "cost": selectors.bag_price(record),
        "currency": selectors.settings_for(actor).currency,
        "now": timezone.now(),
        "verify_form": VerifyForm(user=actor.user),
        "waste_form": WasteForm(),
        "label_ready": record.status in LABEL_STATES,
        "lapses": selectors.lapse_before_use(record.beyond_use_at, record.dose, actor.clinic.zone)
        if record.status in ("prepared", "verified", "dispensed")
        else "",
        **forms_,
    }
    return render(request, "pharmacy/bag.html", context, status=status)


@requires("pharmacy.bag_view")
def bag(request: HttpRequest, record_id: int) -> HttpResponse:
    return _bag_page(request, actor_from_request(request), record_id)


@requires("pharmacy.compound")
@require_POST
def bag_verify(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.bag_get(actor=actor, record_id=record_id, action="bag.verify_form")
    # Only the password is read: a posted "verified_by" or "prepared_by" is ignored, so
    # nobody verifies on someone else's behalf.
    form = VerifyForm(request.POST, user=actor.user)
    if form.is_valid():
        try:
            services.compounding_verify(actor=actor, record_id=record.pk)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Bag {record.bag_code} verified. Print its label.")
            return redirect("pharmacy:bag", record_id=record.pk)
    elif "password" in form.errors:
        _bad_signature(actor, record, "bag.verify")
    return _bag_page(request, actor, record.pk, 400, verify_form=form)


def _bad_signature(actor: Actor, record: CompoundingRecord, action: str) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=record.patient_id,
        object_type="compoundingrecord",
        object_id=record.pk,
        outcome=AuditEvent.Outcome.DENIED,
        ip=actor.ip,
        detail="signature password wrong",
    )


@requires("pharmacy.compound")
@require_POST
def bag_dispense(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.bag_get(actor=actor, record_id=record_id, action="bag.dispense_form")
    try:
        services.compounding_dispense(actor=actor, record_id=record.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _bag_page(request, actor, record.pk, 400)
    messages.success(request, f"Bag {record.bag_code} dispensed to the chair.")
    return redirect("pharmacy:bag", record_id=record.pk)


@requires("pharmacy.compound")
@require_POST
def bag_waste(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.bag_get(actor=actor, record_id=record_id, action="bag.waste_form")
    form = WasteForm(request.POST)
    if form.is_valid():
        try:
            services.compounding_waste(
                actor=actor,
                record_id=record.pk,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Bag {record.bag_code} recorded as wasted.")
            return redirect("pharmacy:bag", record_id=record.pk)
    return _bag_page(request, actor, record.pk, 400, waste_form=form)


@requires("pharmacy.administer")
@require_http_methods(["GET", "POST"])
def administer(request: HttpRequest, patient_id: int) -> HttpResponse:
    """At the chair: scan the bag, confirm it is this patient's, sign that it was given."""
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="bag.administer_form")
    form = AdministerForm(request.POST or None, user=actor.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                record = services.compounding_administer(
                    actor=actor, patient_id=patient.pk, scanned_code=form.cleaned_data["bag_code"]
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Bag {record.bag_code} recorded as given.")
                return redirect("orders:detail", order_id=record.order_id)
    return render(
        request,
        "pharmacy/administer.html",
        {
            "patient": patient,
            "form": form,
            "bags": selectors.bag_for_patient(actor=actor, patient=patient),
        },
        status=status,
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@requires("pharmacy.bag_view")
def worksheet_document(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.bag_get(actor=actor, record_id=record_id, action="bag.worksheet_pdf")
    plan = _plan(record.order)
    if plan is None:
        messages.error(request, "The order can no longer be calculated.")
        return _bag_page(request, actor, record.pk, 409)
    return _pdf(worksheet_pdf(record, plan, actor.clinic.zone), f"worksheet-{record.bag_code}.pdf")


@requires("pharmacy.bag_view")
def label_document(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.bag_get(actor=actor, record_id=record_id, action="bag.label_pdf")
    plan = _plan(record.order)
    if record.status not in LABEL_STATES or plan is None:
        messages.error(
            request, "A label is printed only after a second pharmacist has verified the bag."
        )
        return _bag_page(request, actor, record.pk, 409)
    return _pdf(bag_label_pdf(record, plan, actor.clinic.zone), f"label-{record.bag_code}.pdf")


@requires("pharmacy.bag_view")
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """Find a bag by its scanned code (no patient data in the URL: the code is posted)."""
    actor = actor_from_request(request)
    form = ScanForm(request.POST)
    if form.is_valid():
        found = selectors.bag_id_for_code(actor=actor, code=form.cleaned_data["code"])
        if found is not None:
            return redirect("pharmacy:bag", record_id=found)
        form.add_error("code", "No bag with this code in this clinic.")
    return render(request, "pharmacy/scan.html", {"form": form}, status=400)


@requires("pharmacy.stock_view")
def stock(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "pharmacy/stock.html",
        {"stock": selectors.stock_overview(actor=actor), "quarantine_form": QuarantineForm()},
    )


@requires("pharmacy.stock_receive")
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = ReceiveLotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = services.lot_receive(
                actor=actor,
                ingredient_id=data["ingredient_id"],
                lot_number=data["lot_number"],
                expiry_date=data["expiry_date"],
                units=data["units"],
                unit_cost=data["unit_cost"],
                unit_volume_ml=data["unit_volume_ml"],
                supplier=data["supplier"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Lot {lot.lot_number} received into stock.")
            return redirect("pharmacy:stock")
    return render(
        request,
        "pharmacy/receive.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires("pharmacy.stock_receive")
@require_POST
def quarantine(request: HttpRequest, lot_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = QuarantineForm(request.POST)
    if form.is_valid():
        try:
            lot = services.lot_quarantine(
                actor=actor, lot_id=lot_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Lot {lot.lot_number} quarantined: it will not be drawn.")
            return redirect("pharmacy:stock")
    else:
        messages.error(request, "Say why the lot is quarantined.")
    response = stock(request)
    response.status_code = 400
    return response


@requires("pharmacy.recall")
@require_http_methods(["GET", "POST"])
def recall(request: HttpRequest) -> HttpResponse:
    """Enter a lot: one match shows its trace, several ask which ingredient was meant."""
    actor = actor_from_request(request)
    form = RecallForm(request.POST or None)
    matches = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            matches = selectors.lots_matching(
                actor=actor,
                lot_number=form.cleaned_data["lot_number"],
                ingredient_id=form.cleaned_data["ingredient_id"],
            )
            if len(matches) == 1:
                return redirect("pharmacy:recall_lot", lot_id=matches[0].pk)
            if not matches:
                form.add_error("lot_number", "No lot with this number was received here.")
            else:
                status = 200
    return render(
        request, "pharmacy/recall.html", {"form": form, "matches": matches}, status=status
    )


@requires("pharmacy.recall")
def recall_lot(request: HttpRequest, lot_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    trace = selectors.recall_trace(actor=actor, lot_id=lot_id)
    return render(request, "pharmacy/recall_lot.html", {"recall": trace})


@requires("pharmacy.recall")
def recall_export(request: HttpRequest, lot_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    trace = selectors.recall_trace(actor=actor, lot_id=lot_id, action="recall.export")
    response = HttpResponse(recall_csv(trace, actor.clinic.zone), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="recall-lot-{trace.lot.pk}.csv"'
    return response


@requires("pharmacy.configure")
@require_http_methods(["GET", "POST"])
def pharmacy_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    current = selectors.settings_for(actor)
    form = PharmacySettingsForm(
        request.POST or None,
        initial={
            "category": current.category,
            "storage": current.storage,
            "expiring_soon_days": current.expiring_soon_days,
            "low_stock_horizon_days": current.low_stock_horizon_days,
            "version": current.version,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pharmacy_settings_update(
                    actor=actor,
                    expected_version=data["version"],
                    category=data["category"],
                    storage=data["storage"],
                    expiring_soon_days=data["expiring_soon_days"],
                    low_stock_horizon_days=data["low_stock_horizon_days"],
                )
            except ValidationError as error:
                add_errors(form, error)
                status = 409 if isinstance(error, EditConflict) else 400
            else:
                messages.success(request, "Pharmacy settings saved.")
                return redirect("pharmacy:settings")
    return render(
        request, "pharmacy/settings.html", {"form": form, "current": current}, status=status
    )
