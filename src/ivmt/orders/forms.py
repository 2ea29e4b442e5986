"""Order forms: the course order (fields follow the chosen formula and protocol), signing,
amending, stopping and the prescribing settings.

The course-order form is built for one formula and one protocol: a volume field per component
(``vol__<ingredient>``) and, where the protocol leaves a choice, a dose-count or interval field
per phase (``doses__<phase>``, ``interval__<phase>``). :func:`prepare_data` keeps a posted form
consistent when the prescriber switches formula or protocol, and applies a documented default
volume only when the prescriber pressed its button (``suggest``) — never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from ivmt.accounts.models import User
from ivmt.clinical import formulas as formula_catalogue
from ivmt.clinical import protocols as protocol_catalogue
from ivmt.clinical.errors import (
    ClinicalError,
    DurationError,
    RouteError,
    ScheduleError,
    VolumeError,
)
from ivmt.clinical.formulas import Component, Formula
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.limits import osmolarity_limits
from ivmt.clinical.protocols import ClinicCalendar, Phase, Protocol, Schedule
from ivmt.clinical.quantities import plain
from ivmt.orders.planning import MAX_DOSES_PER_PHASE, OrderInput, course_schedule, infusion_plan
from ivmt.patients.forms import DateInput, StrictDecimalField

VOL = "vol__"
DOSES = "doses__"
INTERVAL = "interval__"
DEFAULT_FORMULA = "seed_recipe"


def _formula_choices() -> list[tuple[str, str]]:
    return [(f.id, f.name) for f in formula_catalogue.formulas()]


def _route_choices() -> list[tuple[str, str]]:
    return [(r.id, r.name) for r in formula_catalogue.routes()]


def _protocol_choices() -> list[tuple[str, str]]:
    # No default: the seeds disagree on the series, so the clinic's choice must be explicit.
    return [("", "— choose the clinic's protocol —")] + [
        (p.id, p.name) for p in protocol_catalogue.protocols()
    ]


def formula_or_default(formula_id: str | None) -> Formula:
    try:
        return formula_catalogue.formula(formula_id or DEFAULT_FORMULA)
    except ClinicalError:
        return formula_catalogue.formula(DEFAULT_FORMULA)


def _protocol(protocol_id: str | None) -> Protocol | None:
    try:
        return protocol_catalogue.protocol(protocol_id) if protocol_id else None
    except ClinicalError:
        return None


def stated_volumes(formula_: Formula) -> dict[str, str]:
    """Pre-fill values: stated volumes only; a volume the prescriber must choose stays empty."""
    return {
        VOL + c.ingredient.id: plain(c.volume_ml)
        for c in formula_.components
        if c.volume_ml is not None
    }


def initial_for_order(order: Any) -> dict[str, Any]:
    """Form initial values from a stored order (to edit a draft or amend a signed one)."""
    initial: dict[str, Any] = {
        "formula": order.formula_id,
        "shown_formula": order.formula_id,
        "route": order.route_id,
        "duration_min": order.duration_min,
        "into_saline_ml": order.into_saline_ml,
        "flush_saline_ml": order.flush_saline_ml,
        "protocol": order.protocol_id,
        "shown_protocol": order.protocol_id,
        "start_date": order.start_date,
        "version": order.version,
    }
    for line in order.lines.all():
        initial[VOL + line.ingredient_id] = line.volume_ml
    for phase_id, count in (order.phase_doses or {}).items():
        initial[DOSES + phase_id] = count
    for phase_id, days in (order.phase_intervals or {}).items():
        initial[INTERVAL + phase_id] = str(days)
    return initial


def prepare_data(raw: Mapping[str, Any]) -> dict[str, str]:
    """A posted order form made consistent with its formula and protocol (see module doc)."""
    data = {key: str(raw.get(key, "")) for key in raw}
    formula_ = formula_or_default(data.get("formula"))
    if data.get("shown_formula") != formula_.id:
        for key in [k for k in data if k.startswith(VOL)]:
            del data[key]
        data.update(stated_volumes(formula_))
        if data.get("route") not in {r.id for r in formula_.routes}:
            data["route"] = formula_.default_route.id
        data["shown_formula"] = formula_.id
    suggest = data.pop("suggest", "")
    for component in formula_.components:
        if component.ingredient.id == suggest and component.default_ml is not None:
            data[VOL + component.ingredient.id] = plain(component.default_ml)
    if data.get("shown_protocol") != data.get("protocol", ""):
        for key in [k for k in data if k.startswith((DOSES, INTERVAL))]:
            del data[key]
        data["shown_protocol"] = data.get("protocol", "")
    return data


class CourseOrderForm(forms.Form):
    formula = forms.ChoiceField(choices=_formula_choices)
    shown_formula = forms.CharField(widget=forms.HiddenInput, required=False)
    route = forms.ChoiceField(choices=_route_choices)
    duration_min = StrictDecimalField(
        label="Planned duration (minutes)",
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal(1440),
    )
    into_saline_ml = StrictDecimalField(
        label="Add the mixture to a 0.9 % saline bag of (mL)",
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal(1000),
        help_text="Bag routes only. Leave empty to give the mixture as it is.",
    )
    flush_saline_ml = StrictDecimalField(
        label="Piggy-back saline line (mL)",
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal(1000),
        help_text="Piggy-back route only: the saline the bag runs into and is flushed with.",
    )
    protocol = forms.ChoiceField(choices=_protocol_choices, label="Protocol (series)")
    shown_protocol = forms.CharField(widget=forms.HiddenInput, required=False)
    start_date = forms.DateField(label="Start date", widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        limit_id: str,
        calendar: ClinicCalendar,
        amendment: bool = False,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        source = data if data is not None else (initial or {})
        self.formula_ = formula_or_default(source.get("formula"))
        self.protocol_ = _protocol(str(source.get("protocol") or ""))
        self.limit_id = limit_id
        self.calendar = calendar
        self.plan: InfusionPlan | None = None
        self.schedule: Schedule | None = None
        self.chosen: OrderInput | None = None
        self.components: list[tuple[Component, str]] = []
        for component in self.formula_.components:
            name = VOL + component.ingredient.id
            self.fields[name] = StrictDecimalField(
                label=f"{component.ingredient.name} (mL)",
                max_digits=7,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=Decimal(1000),
                help_text=self._volume_help(component),
            )
            self.components.append((component, name))
        self.phases: list[tuple[Phase, str | None, str | None]] = []
        for phase in self.protocol_.phases if self.protocol_ else ():
            doses_name = interval_name = None
            if phase.doses_max != phase.doses_min:
                doses_name = DOSES + phase.id
                high = phase.doses_max or MAX_DOSES_PER_PHASE
                self.fields[doses_name] = forms.IntegerField(
                    label=f"{phase.name}: doses to plan",
                    min_value=phase.doses_min,
                    max_value=high,
                    initial=phase.doses_default,
                    help_text=f"{phase.doses_min}–{high}"
                    + (" (continues as needed; plan more later)" if phase.open_ended else ""),
                )
            if len(phase.interval_options) > 1:
                interval_name = INTERVAL + phase.id
                self.fields[interval_name] = forms.TypedChoiceField(
                    label=f"{phase.name}: interval",
                    choices=[(str(d), f"every {d} days") for d in phase.interval_options],
                    coerce=int,
                    initial=str(phase.interval_days),
                )
            self.phases.append((phase, doses_name, interval_name))
        if amendment:
            self.fields["change_reason"] = forms.CharField(
                label="Why the order changes",
                max_length=200,
                help_text="e.g. longer duration after side effects",
            )

    @staticmethod
    def _volume_help(component: Component) -> str:
        text = f"Allowed {component.range_text()} ({component.range_status})."
        if component.must_choose:
            text += " The prescriber must choose this volume."
            if component.default_ml is not None:
                text += f" Documented default: {plain(component.default_ml)} mL."
        return text

    def volume_field(self, component: Component) -> forms.BoundField:
        return self[VOL + component.ingredient.id]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        route = data.get("route")
        if route and route not in {r.id for r in self.formula_.routes}:
            allowed = ", ".join(r.name.lower() for r in self.formula_.routes)
            self.add_error("route", f"{self.formula_.name} is given by: {allowed}.")
        volumes: dict[str, Decimal] = {}
        for component, name in self.components:
            value = data.get(name)
            if value is None:
                continue
            if not component.allows(value):
                self.add_error(name, f"Allowed: {component.range_text()}.")
            volumes[component.ingredient.id] = value
        if self.errors:
            return data
        chosen = OrderInput(
            formula_id=self.formula_.id,
            route_id=data["route"],
            duration_min=data["duration_min"],
            volumes_ml=volumes,
            protocol_id=data["protocol"],
            start_date=data["start_date"],
            into_saline_ml=data.get("into_saline_ml"),
            flush_saline_ml=data.get("flush_saline_ml"),
            phase_doses={
                phase.id: data[doses]
                for phase, doses, _ in self.phases
                if doses and data.get(doses) is not None
            },
            phase_intervals={
                phase.id: data[interval]
                for phase, _, interval in self.phases
                if interval and data.get(interval) is not None
            },
        )
        try:
            self.plan = infusion_plan(chosen, self.limit_id)
        except ClinicalError as error:
            self.add_error(_field_for(error), str(error))
            return data
        try:
            self.schedule = course_schedule(chosen, self.calendar)
        except ClinicalError as error:
            self.add_error("start_date" if isinstance(error, ScheduleError) else None, str(error))
            return data
        self.chosen = chosen
        return data


def _field_for(error: ClinicalError) -> str | None:
    message = str(error).lower()
    if isinstance(error, DurationError):
        return "duration_min"
    if "saline line" in message or "piggy-back" in message:
        return "flush_saline_ml"
    if isinstance(error, RouteError) and "saline" in message:
        return "into_saline_ml"
    if isinstance(error, VolumeError) and "0.9 %" in message:
        return "into_saline_ml"
    return None


class SignatureForm(forms.Form):
    """A signature: the signed-in person re-enters their password; nobody signs for another."""

    password = forms.CharField(
        label="Your password (your signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=256,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data.get("password") or "")
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was signed.")
        return password


class SignForm(SignatureForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    override_reason = forms.CharField(
        label="Reason for signing despite the warnings",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
        help_text="Needed when the plan shows a warning or a stop.",
    )


class StopForm(SignatureForm):
    reason = forms.CharField(label="Why the course stops", max_length=200)


class DiscardForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OrderSettingsForm(forms.Form):
    osmolarity_limit_id = forms.ChoiceField(
        label="Peripheral osmolarity limit",
        choices=lambda: [
            (limit.id, f"{plain(limit.max_mosm_per_l)} mOsm/L — {limit.name}")
            for limit in osmolarity_limits()
        ],
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
