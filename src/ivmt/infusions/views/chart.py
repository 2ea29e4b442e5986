"""The chart page and its actions. Every action posts to its own URL and comes back to the
chart; a refusal re-renders the chart with the form's errors (400, or 409 when someone else
charted meanwhile) and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ivmt.clinical.charting import drip_sets
from ivmt.clinical.rates import drops_per_min, drops_per_min_shown
from ivmt.clinical.side_effects import side_effect, side_effects
from ivmt.clinical.vital_signs import vital
from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.infusions import selectors, services
from ivmt.infusions.forms import (
    AmendForm,
    EndForm,
    FinishForm,
    IdentifyForm,
    IVForm,
    ObservationForm,
    RateForm,
    ReasonForm,
    SignChartForm,
    StartForm,
    VitalsForm,
)
from ivmt.infusions.models import InfusionChart
from ivmt.infusions.services.running import plan_for, suggested_rate
from ivmt.infusions.services.signing import AMENDABLE, effective_value
from ivmt.infusions.views._common import aware, now_text, status_for
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_today
from ivmt.orders.views import add_errors

# The chart ---------------------------------------------------------------------------------


def _forms(actor: Actor, chart: InfusionChart, detail: selectors.ChartDetail) -> dict[str, Any]:
    """Every action form of the chart page, unbound, with today's defaults."""
    version = {"version": chart.version}
    now = now_text(actor)
    policy = services.policy_for(actor.clinic)
    forms_: dict[str, Any] = {
        "vitals_form": VitalsForm(initial={**version, "taken_at": now}, charted=policy.charted),
        "identify_form": IdentifyForm(initial=version),
        "iv_form": IVForm(
            initial={**version, "placed_at": now, "placed_by": actor.user.pk, "attempts": 1},
            clinic_id=actor.clinic.pk,
        ),
        "observation_form": ObservationForm(initial={**version, "at": now, "severity": "mild"}),
        "end_form": EndForm(initial={**version, "ended_at": now}),
        "finish_form": FinishForm(
            initial={**version, "iv_removed_at": now, "bandage": True, "discharge_advice": True}
        ),
        "hold_form": ReasonForm(initial=version, prefix="hold"),
        "release_form": ReasonForm(initial=version, prefix="release"),
        "not_given_form": ReasonForm(initial=version, prefix="notgiven"),
        "sign_form": SignChartForm(initial=version, user=actor.user),
        "amend_form": AmendForm(),
    }
    start_initial: dict[str, Any] = {**version, "started_at": now}
    rate_initial: dict[str, Any] = {**version, "at": now, "kind": "slow"}
    if chart.bag is not None and chart.status in ("ready", "infusing", "paused"):
        try:
            plan = plan_for(
                CourseOrder.objects.prefetch_related("lines").get(pk=chart.bag.order_id)
            )
        except ValidationError:
            plan = None
        forms_["plan"] = plan
        if plan is not None:
            start_initial["rate_ml_per_h"] = suggested_rate(plan)
            if plan.duration_min is not None:
                forms_["drops"] = [
                    (
                        s.name,
                        drops_per_min_shown(
                            drops_per_min(plan.final_volume_ml, plan.duration_min, s.drops_per_ml)
                        ),
                    )
                    for s in drip_sets()
                ]
            if chart.order.override_reason:
                start_initial["physician"] = chart.order.signed_by_id
    forms_["start_form"] = StartForm(initial=start_initial, clinic_id=actor.clinic.pk)
    forms_["rate_form"] = RateForm(initial=rate_initial, clinic_id=actor.clinic.pk)
    return forms_


def _chart_page(
    request: HttpRequest, actor: Actor, chart_id: int, status: int = 200, **bound: Any
) -> HttpResponse:
    detail = selectors.chart_detail(actor=actor, chart_id=chart_id)
    chart = detail.chart
    context: dict[str, Any] = {
        "detail": detail,
        "chart": chart,
        "patient": chart.patient,
        "age": chart.patient.age_on(clinic_today(actor.clinic)),
        "side_effects": {e.id: e for e in side_effects()},
        "prompts": [(e.id, e.kind, e.prompt) for e in side_effects()],
        "vitals_spec": [vital(v) for v in services.policy_for(actor.clinic).charted],
        "amended": {
            field: AMENDABLE[field].show(effective_value(chart, detail.amendments, field))
            for field in AMENDABLE
            if field != "addendum" and any(a.field == field for a in detail.amendments)
        },
        "amendment_rows": [
            (
                a,
                AMENDABLE[a.field].label if a.field in AMENDABLE else a.field,
                AMENDABLE[a.field].show(a.original) if a.field in AMENDABLE else a.original,
                AMENDABLE[a.field].show(a.corrected) if a.field in AMENDABLE else a.corrected,
            )
            for a in detail.amendments
        ],
        **_forms(actor, chart, detail),
        **bound,
    }
    return render(request, "infusions/chart.html", context, status=status)


@requires("infusions.view")
def chart(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_page(request, actor_from_request(request), chart_id)


def _chart_action(
    request: HttpRequest,
    chart_id: int,
    form_class: Callable[..., forms.Form],
    form_name: str,
    save: Callable[[Actor, dict[str, Any]], object],
    done: str,
    form_kwargs: Callable[[Actor], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Bind the posted form, call ``save``; on refusal show the chart with the form's errors."""
    actor = actor_from_request(request)
    selectors.chart_get(actor=actor, chart_id=chart_id, action="infusion.form")
    kwargs = form_kwargs(actor) if form_kwargs else {}
    form = form_class(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            save(actor, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
            status = status_for(error)
        else:
            messages.success(request, done)
            return redirect("infusions:chart", chart_id=chart_id)
    messages.error(request, "Nothing was saved: see the form below.")
    return _chart_page(
        request, actor, chart_id, status, **{form_name: form, "open_form": form_name}
    )


@requires("infusions.chart")
@require_POST
def chart_vitals(request: HttpRequest, chart_id: int) -> HttpResponse:
    flagged: list[str] = []

    def save(actor: Actor, data: dict[str, Any]) -> object:
        _, outside = services.chart_vitals_record(
            actor=actor,
            chart_id=chart_id,
            expected_version=data["version"],
            taken_at=aware(actor, data["taken_at"]),
            values={k[len("vital__") :]: v for k, v in data.items() if k.startswith("vital__")},
        )
        flagged.extend(h.message for h in outside)
        return None

    response = _chart_action(
        request,
        chart_id,
        VitalsForm,
        "vitals_form",
        save,
        "Vital signs recorded.",
        lambda actor: {"charted": services.policy_for(actor.clinic).charted},
    )
    for message in flagged:
        messages.warning(request, message)
    return response


@requires("infusions.chart")
@require_POST
def chart_identify(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        IdentifyForm,
        "identify_form",
        lambda actor, d: services.chart_identify(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            wristband_code=d["wristband_code"],
            bag_code=d["bag_code"],
        ),
        "Wristband and bag match: patient and bag identified.",
    )


@requires("infusions.chart")
@require_POST
def chart_iv(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        IVForm,
        "iv_form",
        lambda actor, d: services.chart_iv_record(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            site=d["site"],
            side=d["side"],
            device=d["device"],
            gauge=d["gauge"],
            attempts=d["attempts"],
            placed_by_id=d["placed_by"],
            placed_at=aware(actor, d["placed_at"]),
        ),
        "IV charted.",
        lambda actor: {"clinic_id": actor.clinic.pk},
    )


@requires("infusions.chart")
@require_POST
def chart_start(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        StartForm,
        "start_form",
        lambda actor, d: services.infusion_start(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            started_at=aware(actor, d["started_at"]),
            rate_ml_per_h=d["rate_ml_per_h"],
            drops_per_ml=d["drops_per_ml"],
            physician_id=d["physician"],
            override_reason=d["override_reason"],
        ),
        "Infusion started; the bag is recorded as given.",
        lambda actor: {"clinic_id": actor.clinic.pk},
    )


@requires("infusions.chart")
@require_POST
def chart_rate(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        RateForm,
        "rate_form",
        lambda actor, d: services.infusion_rate_change(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            kind=d["kind"],
            at=aware(actor, d["at"]),
            reason=d["reason"],
            rate_ml_per_h=d["rate_ml_per_h"],
            physician_id=d["physician"],
            override_reason=d["override_reason"],
        ),
        "Rate change charted.",
        lambda actor: {"clinic_id": actor.clinic.pk},
    )


@requires("infusions.chart")
@require_POST
def chart_observe(request: HttpRequest, chart_id: int) -> HttpResponse:
    def save(actor: Actor, d: dict[str, Any]) -> object:
        return services.observation_record(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            seen=services.Seen(
                side_effect_id=d["side_effect_id"],
                severity=d["severity"],
                at=aware(actor, d["at"]),
                note=d["note"],
                action_taken=d["action_taken"],
                stop_infusion=d["stop_infusion"],
                event_severity=d["event_severity"],
                event_outcome=d["event_outcome"],
            ),
        )

    response = _chart_action(
        request, chart_id, ObservationForm, "observation_form", save, "Charted."
    )
    if response.status_code == 302:
        effect = side_effect(request.POST.get("side_effect_id", ""))
        if effect.kind == "serious" or request.POST.get("severity") == "severe":
            messages.warning(
                request, "Adverse event recorded: the physicians are notified on their dashboard."
            )
        else:
            messages.info(request, effect.prompt)
    return response


@requires("infusions.chart")
@require_POST
def chart_end(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        EndForm,
        "end_form",
        lambda actor, d: services.infusion_end(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            ended_at=aware(actor, d["ended_at"]),
        ),
        "Infusion complete. Flush, remove the IV and check the site.",
    )


@requires("infusions.chart")
@require_POST
def chart_finish(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        FinishForm,
        "finish_form",
        lambda actor, d: services.chart_finish(
            actor=actor,
            chart_id=chart_id,
            expected_version=d["version"],
            flush_ml=d["flush_ml"],
            iv_removed_at=aware(actor, d["iv_removed_at"]),
            site_check=d["site_check"],
            bandage=d["bandage"],
            discharge_advice=d["discharge_advice"],
        ),
        "Visit finished. Sign the chart.",
    )


@requires("infusions.chart")
@require_POST
def chart_hold(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        lambda data, **kw: ReasonForm(data, prefix="hold"),
        "hold_form",
        lambda actor, d: services.chart_hold(
            actor=actor, chart_id=chart_id, expected_version=d["version"], reason=d["reason"]
        ),
        "The dose is held.",
    )


@requires("infusions.review")
@require_POST
def chart_release(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        lambda data, **kw: ReasonForm(data, prefix="release"),
        "release_form",
        lambda actor, d: services.chart_hold_release(
            actor=actor, chart_id=chart_id, expected_version=d["version"], reason=d["reason"]
        ),
        "Hold released: the dose may go ahead.",
    )


@requires("infusions.chart")
@require_POST
def chart_not_given(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        lambda data, **kw: ReasonForm(data, prefix="notgiven"),
        "not_given_form",
        lambda actor, d: services.chart_not_given(
            actor=actor, chart_id=chart_id, expected_version=d["version"], reason=d["reason"]
        ),
        "Recorded as not given. Sign the chart; the pharmacy wastes the bag.",
    )


@requires("infusions.chart")
@require_POST
def chart_sign(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        lambda data, **kw: SignChartForm(data, user=actor_from_request(request).user),
        "sign_form",
        lambda actor, d: services.chart_sign(
            actor=actor, chart_id=chart_id, expected_version=d["version"]
        ),
        "Chart signed. It can no longer be changed; corrections are amendments.",
    )


@requires("infusions.chart")
@require_POST
def chart_amend(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_action(
        request,
        chart_id,
        lambda data, **kw: AmendForm(data),
        "amend_form",
        lambda actor, d: services.chart_amend(
            actor=actor,
            chart_id=chart_id,
            field=d["field"],
            corrected=d["corrected"],
            reason=d["reason"],
        ),
        "Amendment added; the original stays on the chart.",
    )
