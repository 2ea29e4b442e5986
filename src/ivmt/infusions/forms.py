"""Forms of chair-side charting. Each chart form carries the chart ``version`` its page showed
(optimistic concurrency); times are typed in the clinic's time zone (``datetime-local``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from ivmt.accounts.models import Membership
from ivmt.clinical.charting import drip_sets
from ivmt.clinical.side_effects import side_effects
from ivmt.clinical.vital_signs import hold_limits, vital, vitals
from ivmt.core.roles import Role
from ivmt.infusions.models import AdverseEvent, InfusionChart, Observation
from ivmt.infusions.services.signing import AMENDABLE
from ivmt.orders.forms import SignatureForm
from ivmt.patients.forms import StrictDecimalField
from ivmt.scheduling.models import Chair

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
VITAL_PREFIX = "vital__"


class MomentField(forms.DateTimeField):
    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(
            label=label,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=DATETIME_FORMATS,
            **kwargs,
        )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _add_vitals(form: forms.Form, charted: Sequence[str], required: bool) -> None:
    for vital_id in charted:
        spec = vital(vital_id)
        form.fields[VITAL_PREFIX + vital_id] = StrictDecimalField(
            label=f"{spec.name} ({spec.unit})",
            required=required and spec.always and vital_id != "diastolic_mmhg",
            max_digits=5,
            decimal_places=spec.places,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        )
    if VITAL_PREFIX + "diastolic_mmhg" in form.fields and required:
        form.fields[VITAL_PREFIX + "diastolic_mmhg"].required = True


def vitals_from(form: forms.Form) -> dict[str, object]:
    return {
        name[len(VITAL_PREFIX) :]: value
        for name, value in form.cleaned_data.items()
        if name.startswith(VITAL_PREFIX)
    }


class CheckInForm(forms.Form):
    chair = forms.TypedChoiceField(coerce=int, choices=(), required=False)
    arrived_at = MomentField("Arrived at")
    advice_fluids = forms.BooleanField(
        label="Drank plenty of fluids before the visit (pre-visit advice)", required=False
    )
    advice_warm = forms.BooleanField(
        label="Dressed warm, so the vein is easier to find (pre-visit advice)", required=False
    )
    moved_reason = forms.CharField(
        label="Why the dose is given today (it was planned for another day)",
        max_length=200,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        chairs: Sequence[Chair],
        charted: Sequence[str],
        moved: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = [("", "—"), *((c.pk, c.name) for c in chairs)]  # type: ignore[attr-defined]  # a ChoiceField
        if not moved:
            del self.fields["moved_reason"]
        _add_vitals(self, charted, required=True)


class VitalsForm(VersionedForm):
    taken_at = MomentField("Taken at")

    def __init__(self, *args: Any, charted: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_vitals(self, charted, required=False)


class IdentifyForm(VersionedForm):
    wristband_code = forms.CharField(
        label="Scan the patient's wristband", max_length=60, help_text="Or type the code under it."
    )
    bag_code = forms.CharField(
        label="Scan the bag's barcode", max_length=60, help_text="Or type the code under it."
    )


def clinicians(clinic_id: int) -> list[tuple[int, str]]:
    return [
        (m.user_id, f"{m.user.display_name} ({m.get_role_display().lower()})")
        for m in Membership.objects.filter(
            clinic_id=clinic_id, role__in=(Role.NURSE, Role.PHYSICIAN), is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]


def physicians(clinic_id: int) -> list[tuple[int, str]]:
    return [
        (m.user_id, m.user.display_name)
        for m in Membership.objects.filter(clinic_id=clinic_id, role=Role.PHYSICIAN, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]


class IVForm(VersionedForm):
    site = forms.ChoiceField(label="Site", choices=[("", "—"), *InfusionChart.Site.choices])
    side = forms.ChoiceField(label="Side", choices=[("", "—"), *InfusionChart.Side.choices])
    device = forms.ChoiceField(label="Device", choices=[("", "—"), *InfusionChart.Device.choices])
    gauge = forms.IntegerField(label="Gauge (G)", min_value=14, max_value=27)
    attempts = forms.IntegerField(label="Attempts", min_value=1, max_value=6, initial=1)
    placed_by = forms.TypedChoiceField(label="Placed by", coerce=int, choices=())
    placed_at = MomentField("Placed at")

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placed_by"].choices = [("", "—"), *clinicians(clinic_id)]  # type: ignore[attr-defined]  # a ChoiceField


class _PhysicianOverride(VersionedForm):
    physician = forms.TypedChoiceField(
        label="Physician who decided a faster rate",
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        help_text="Only for a rate faster than the label limits.",
    )
    override_reason = forms.CharField(
        label="Physician's reason for the faster rate", max_length=300, required=False
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["physician"].choices = [("", "—"), *physicians(clinic_id)]  # type: ignore[attr-defined]  # a ChoiceField


class StartForm(_PhysicianOverride):
    started_at = MomentField("Started at")
    rate_ml_per_h = StrictDecimalField(
        label="Pump rate (mL/h)", max_digits=7, decimal_places=1, min_value=0
    )
    drops_per_ml = forms.TypedChoiceField(
        label="Gravity set instead of a pump",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "— pump —"), *((s.drops_per_ml, s.name) for s in drip_sets())],
    )

    field_order = ["started_at", "rate_ml_per_h", "drops_per_ml", "physician", "override_reason"]


class RateForm(_PhysicianOverride):
    kind = forms.ChoiceField(
        label="Change",
        choices=[
            ("slow", "Slow down"),
            ("faster", "Speed up"),
            ("pause", "Pause"),
            ("resume", "Resume"),
            ("stop", "Stop the infusion"),
        ],
    )
    at = MomentField("At")
    rate_ml_per_h = StrictDecimalField(
        label="New pump rate (mL/h)",
        max_digits=7,
        decimal_places=1,
        min_value=0,
        required=False,
        help_text="For slow down, speed up or resume (empty: resume at the rate before the pause).",
    )
    reason = forms.CharField(label="Reason", max_length=200)

    field_order = ["kind", "at", "rate_ml_per_h", "reason", "physician", "override_reason"]


class EndForm(VersionedForm):
    ended_at = MomentField("Bag ran through at")


class FinishForm(VersionedForm):
    flush_ml = StrictDecimalField(
        label="Saline flush (mL)",
        max_digits=5,
        decimal_places=1,
        required=False,
        help_text="The saline run after the bag so that what is left in the line reaches the "
        "patient (seed). Empty: no flush.",
    )
    iv_removed_at = MomentField("IV removed at")
    site_check = forms.ChoiceField(
        label="Site after removal", choices=[("", "—"), *InfusionChart.SiteCheck.choices]
    )
    bandage = forms.BooleanField(label="Small bandage placed over the site", required=False)
    discharge_advice = forms.BooleanField(
        label="Told the patient: no restrictions after the infusion", required=False
    )


def _side_effect_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    groups: dict[str, list[tuple[str, str]]] = {
        "minor": [],
        "extravasation": [],
        "serious": [],
    }
    for effect in side_effects():
        groups[effect.kind].append((effect.id, effect.name))
    return [
        ("", "—"),
        ("Side effects", groups["minor"]),
        ("Signs the IV may be leaking", groups["extravasation"]),
        ("Serious reactions (adverse event)", groups["serious"]),
    ]


class ObservationForm(VersionedForm):
    at = MomentField("At")
    side_effect_id = forms.ChoiceField(label="What the patient feels or shows", choices=())
    severity = forms.ChoiceField(
        label="Severity", choices=[("", "—"), *Observation.Severity.choices]
    )
    note = forms.CharField(label="Note", max_length=300, required=False)
    stop_infusion = forms.BooleanField(
        label="Stop the infusion now",
        required=False,
        help_text="Recommended for signs of leaking and for serious reactions.",
    )
    action_taken = forms.CharField(
        label="What was done",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for signs of leaking, serious reactions and anything severe.",
    )
    event_severity = forms.ChoiceField(
        label="Adverse event: severity",
        choices=[("", "—"), *AdverseEvent.Severity.choices],
        required=False,
    )
    event_outcome = forms.ChoiceField(
        label="Adverse event: outcome so far",
        choices=[("", "—"), *AdverseEvent.Outcome.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["side_effect_id"].choices = _side_effect_choices()  # type: ignore[attr-defined]  # a ChoiceField


class ReasonForm(VersionedForm):
    reason = forms.CharField(
        label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignChartForm(SignatureForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AmendForm(forms.Form):
    field = forms.ChoiceField(
        label="Correct", choices=[("", "—"), *((k, v.label) for k, v in AMENDABLE.items())]
    )
    corrected = forms.CharField(
        label="Corrected value (or the note)",
        max_length=500,
        help_text="For a choice, type it as listed: e.g. forearm, left, catheter, clean.",
    )
    reason = forms.CharField(label="Reason for the correction", max_length=300)


class AdverseEventUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "—"), *AdverseEvent.Outcome.choices])
    outcome_note = forms.CharField(label="Note", max_length=300, required=False)


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label="Physician's note", max_length=500, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(label="Why the advice is dismissed", max_length=300)


class WristbandForm(forms.Form):
    replace_reason = forms.CharField(
        label="Replace the wristband because",
        max_length=200,
        required=False,
        help_text="Lost, damaged, unreadable. Not needed for the first wristband.",
    )


class PolicyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    charted_vitals = forms.MultipleChoiceField(
        label="Also chart",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(v.id, v.name) for v in vitals() if not v.always],
        help_text="Blood pressure and pulse are always charted.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for limit in hold_limits():
            spec = vital(limit.vital)
            self.fields["limit__" + limit.id] = StrictDecimalField(
                label=f"{limit.name} ({spec.unit})",
                max_digits=5,
                decimal_places=1,
                help_text=f"Clinic policy. Allowed {limit.minimum.normalize():f}–"
                f"{limit.maximum.normalize():f}; default {limit.default.normalize():f}.",
            )

    def limits(self) -> dict[str, object]:
        return {
            name[len("limit__") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("limit__")
        }
