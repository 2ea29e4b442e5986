"""Course-order pages. Thin: parse the form, call a service or selector, render.

The order form posts to :func:`order_calculate` on every change (htmx): it answers the live
panel (contents, osmolarity against the clinic's limit, magnesium rate, warnings, the dated
series) and, when the formula or protocol changed, the form's fields out of band. Without
JavaScript the same form works by full page posts (the "Recalculate" and "Use … mL" buttons).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders import selectors, services
from ivmt.orders.forms import (
    CourseOrderForm,
    DiscardForm,
    OrderSettingsForm,
    SignForm,
    StopForm,
    formula_or_default,
    initial_for_order,
    prepare_data,
    stated_volumes,
)
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_calendar, osmolarity_limit_id, warnings_needing_reason
from ivmt.orders.presentation import content_rows
from ivmt.patients.errors import EditConflict
from ivmt.patients.selectors import patient_get


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's error to the form: to its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _order_form(
    actor: Actor, data: Any = None, *, amendment: bool = False, initial: Any = None
) -> CourseOrderForm:
    return CourseOrderForm(
        prepare_data(data) if data is not None else None,
        limit_id=osmolarity_limit_id(actor.clinic),
        calendar=clinic_calendar(actor.clinic),
        amendment=amendment,
        initial=initial,
    )


def _is_preview(request: HttpRequest) -> bool:
    """A full-page post that only recalculates (no JavaScript): nothing is saved."""
    return "recalculate" in request.POST or "suggest" in request.POST


def _form_context(form: CourseOrderForm, **extra: Any) -> dict[str, Any]:
    plan = form.plan
    return {
        "form": form,
        "plan": plan,
        "summary": plan.summary() if plan else None,
        "rows": content_rows(plan) if plan else [],
        "schedule": form.schedule,
        "needs_reason": warnings_needing_reason(plan) if plan else [],
        **extra,
    }


@requires("orders.view")
def patient_orders(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="orders.list")
    orders = selectors.course_orders_for_patient(actor=actor, patient=patient)
    return render(request, "orders/patient_orders.html", {"patient": patient, "orders": orders})


@requires("orders.prescribe")
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="order.form")
    if request.method == "POST":
        form = _order_form(actor, request.POST)
        if not _is_preview(request) and form.is_valid() and form.chosen is not None:
            try:
                order = services.course_order_draft(
                    actor=actor, patient=patient, chosen=form.chosen
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Draft saved. Review it, then sign.")
                return redirect("orders:detail", order_id=order.pk)
        status = 200 if _is_preview(request) else 400
    else:
        default = formula_or_default(None)
        form = _order_form(
            actor,
            initial={
                **stated_volumes(default),
                "formula": default.id,
                "shown_formula": default.id,
                "route": default.default_route.id,
            },
        )
        status = 200
    return render(
        request,
        "orders/order_form.html",
        _form_context(form, patient=patient, title="New course order", order=None),
        status=status,
    )


@requires("orders.prescribe")
@require_http_methods(["GET", "POST"])
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    order = selectors.course_order_get(actor=actor, order_id=order_id, action="order.form")
    if not order.is_draft:
        messages.error(
            request,
            "A signed order cannot be edited. To change it, make a new version with a reason.",
        )
        if request.method == "POST":
            audit_record(
                user=actor.user,
                clinic_id=actor.clinic.pk,
                action="order.update",
                patient_id=order.patient_id,
                object_type="courseorder",
                object_id=order.pk,
                outcome=AuditEvent.Outcome.DENIED,
                ip=actor.ip,
                detail=f"order is {order.status}",
            )
            return render(
                request,
                "orders/refused.html",
                {"order": order, "reason": "A signed order cannot be edited."},
                status=409,
            )
        return redirect("orders:detail", order_id=order.pk)
    amendment = order.previous_id is not None
    if request.method == "POST":
        form = _order_form(actor, request.POST)
        status = 200 if _is_preview(request) else 400
        if not _is_preview(request) and form.is_valid() and form.chosen is not None:
            version = form.cleaned_data.get("version") or 0
            try:
                services.course_order_update(
                    actor=actor, order=order, expected_version=version, chosen=form.chosen
                )
            except ValidationError as error:
                add_errors(form, error)
                status = 409 if isinstance(error, EditConflict) else 400
            else:
                messages.success(request, "Draft saved.")
                return redirect("orders:detail", order_id=order.pk)
    else:
        form = _order_form(actor, initial=initial_for_order(order))
        status = 200
    title = f"Edit draft (revision {order.revision})" if amendment else "Edit draft course order"
    return render(
        request,
        "orders/order_form.html",
        _form_context(form, patient=order.patient, title=title, order=order),
        status=status,
    )


@requires("orders.prescribe")
@require_http_methods(["GET", "POST"])
def order_amend(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    order = selectors.course_order_get(actor=actor, order_id=order_id, action="order.form")
    if request.method == "POST":
        form = _order_form(actor, request.POST, amendment=True)
        status = 200 if _is_preview(request) else 400
        if not _is_preview(request) and form.is_valid() and form.chosen is not None:
            try:
                amendment = services.course_order_amend(
                    actor=actor,
                    order=order,
                    chosen=form.chosen,
                    reason=form.cleaned_data["change_reason"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "New version drafted. Review it, then sign.")
                return redirect("orders:detail", order_id=amendment.pk)
    else:
        if order.status != CourseOrder.Status.SIGNED:
            messages.error(request, "Only the current signed version of a course can be changed.")
            return redirect("orders:detail", order_id=order.pk)
        form = _order_form(actor, amendment=True, initial=initial_for_order(order))
        status = 200
    return render(
        request,
        "orders/order_form.html",
        _form_context(
            form,
            patient=order.patient,
            title=f"Change the order (new revision {order.revision + 1})",
            order=None,
            amending=order,
        ),
        status=status,
    )


@requires("orders.prescribe")
@require_POST
def order_calculate(request: HttpRequest) -> HttpResponse:
    """The live panel (htmx). A preview: it reads no patient data and writes nothing."""
    actor = actor_from_request(request)
    amendment = "change_reason" in request.POST
    form = _order_form(actor, request.POST, amendment=amendment)
    form.is_valid()
    # Fields that depend on the formula or the protocol are re-rendered only when that choice
    # changed, so that what the prescriber is typing elsewhere is never replaced.
    formula_changed = (
        request.POST.get("shown_formula") != form.formula_.id or "suggest" in request.POST
    )
    protocol_changed = request.POST.get("shown_protocol", "") != request.POST.get("protocol", "")
    return render(
        request,
        "orders/calc_response.html",
        _form_context(form, formula_oob=formula_changed, protocol_oob=protocol_changed),
    )


@requires("orders.view")
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    return _detail_page(request, actor_from_request(request), order_id, 200)


@requires("orders.prescribe")
@require_POST
def order_sign(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    order = selectors.course_order_get(actor=actor, order_id=order_id, action="order.sign_form")
    form = SignForm(request.POST, user=actor.user)
    status = 400
    if form.is_valid():
        try:
            services.course_order_sign(
                actor=actor,
                order=order,
                expected_version=form.cleaned_data["version"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = 409 if isinstance(error, EditConflict) else 400
        else:
            messages.success(request, "Course order signed. The pharmacy can prepare its doses.")
            return redirect("orders:detail", order_id=order.pk)
    elif "password" in form.errors:
        _audit_bad_signature(actor, order, "order.sign")
    return _detail_page(request, actor, order.pk, status, sign_form=form)


def _audit_bad_signature(actor: Actor, order: CourseOrder, action: str) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=order.patient_id,
        object_type="courseorder",
        object_id=order.pk,
        outcome=AuditEvent.Outcome.DENIED,
        ip=actor.ip,
        detail="signature password wrong",
    )


def _detail_page(
    request: HttpRequest, actor: Actor, order_id: int, status: int, **forms_: Any
) -> HttpResponse:
    """The order page; a refused form is passed in to show its errors in place."""
    detail = selectors.course_order_detail(actor=actor, order_id=order_id)
    order, plan = detail.order, detail.plan
    context: dict[str, Any] = {
        "detail": detail,
        "order": order,
        "patient": order.patient,
        "plan": plan,
        "summary": plan.summary() if plan else None,
        "rows": content_rows(plan) if plan else [],
        "needs_reason": warnings_needing_reason(plan) if plan else [],
        "sign_form": SignForm(user=actor.user, initial={"version": order.version}),
        "stop_form": StopForm(user=actor.user),
        "discard_form": DiscardForm(initial={"version": order.version}),
        "today": timezone.localdate(),
        **forms_,
    }
    return render(request, "orders/order_detail.html", context, status=status)


@requires("orders.prescribe")
@require_POST
def order_discard(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    order = selectors.course_order_get(actor=actor, order_id=order_id, action="order.discard")
    form = DiscardForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.course_order_discard(
                actor=actor, order=order, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            add_errors(form, error)
            status = 409 if isinstance(error, EditConflict) else 400
        else:
            messages.success(request, "Draft discarded.")
            return redirect("orders:patient_orders", patient_id=order.patient_id)
    return _detail_page(request, actor, order.pk, status, discard_form=form)


@requires("orders.prescribe")
@require_POST
def order_stop(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    order = selectors.course_order_get(actor=actor, order_id=order_id, action="order.stop")
    form = StopForm(request.POST, user=actor.user)
    if form.is_valid():
        try:
            services.course_order_stop(actor=actor, order=order, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Course stopped; its remaining planned doses are cancelled.")
            return redirect("orders:detail", order_id=order.pk)
    elif "password" in form.errors:
        _audit_bad_signature(actor, order, "order.stop")
    return _detail_page(request, actor, order.pk, 400, stop_form=form)


@requires("orders.configure")
@require_http_methods(["GET", "POST"])
def order_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    current = selectors.order_settings(actor=actor)
    initial = {"osmolarity_limit_id": current.osmolarity_limit_id, "version": current.version}
    form = OrderSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.order_settings_update(
                    actor=actor,
                    osmolarity_limit_id=form.cleaned_data["osmolarity_limit_id"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_errors(form, error)
                status = 409 if isinstance(error, EditConflict) else 400
            else:
                messages.success(request, "Prescribing settings saved.")
                return redirect("orders:settings")
    return render(
        request,
        "orders/settings.html",
        {"form": form, "current": current, "may_change": actor.is_medical_director},
        status=status,
    )
