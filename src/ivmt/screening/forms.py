"""Screening forms: they validate types and ranges; services enforce the rules and permissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ivmt.clinical import formulas as formula_catalogue
from ivmt.clinical import indications as indication_catalogue
from ivmt.clinical.screening_rules import policy_settings
from ivmt.screening.models import Intake, ScreeningDecision
from ivmt.screening.services import MAX_REASON_LENGTH


def _indication_choices() -> list[tuple[str, str]]:
    return [
        (i.code, f"{i.name} ({i.icd10})" if i.icd10 else i.name)
        for i in indication_catalogue.indications()
    ]


def _formula_choices() -> list[tuple[str, str]]:
    return [(f.id, f.name) for f in formula_catalogue.formulas()]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (ScreeningDecision.Decision.APPROVE, "Approve"),
            (ScreeningDecision.Decision.OVERRIDE, "Override the hard stop (reason required)"),
            (ScreeningDecision.Decision.DECLINE, "Decline IVMT (reason required)"),
        ],
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to override a hard stop or to decline: the clinical reasoning and "
        "any plan (e.g. ECG monitoring, calcium left out). Kept with the signed decision.",
    )


class IntakeForm(forms.Form):
    indications = forms.MultipleChoiceField(
        choices=_indication_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Why the patient is referred for IVMT.",
    )
    primary_indication = forms.ChoiceField(
        choices=[("", "—"), *_indication_choices()], required=False
    )
    symptoms_baseline = forms.CharField(
        label="Symptoms at baseline",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In the patient's words: frequency, severity, what they have tried.",
    )
    symptom_severity = forms.IntegerField(
        label="Overall symptom severity today (0 = none, 10 = worst imaginable)",
        min_value=0,
        max_value=10,
        required=False,
    )
    pregnancy_status = forms.ChoiceField(label="Pregnancy", choices=Intake.Pregnancy.choices)
    breastfeeding = forms.BooleanField(label="Breastfeeding", required=False)
    medications_reviewed = forms.BooleanField(
        label="Medication list gone through with the patient (add any missing on the chart)",
        required=False,
    )
    allergies_reviewed = forms.BooleanField(
        label="Allergies gone through with the patient (thiamine, benzyl alcohol, parabens asked)",
        required=False,
    )
    nutritionist_referral = forms.ChoiceField(
        label="Referral to a nutritionist (seed: offered to every patient)",
        choices=Intake.Referral.choices,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        primary = data.get("primary_indication")
        if primary and primary not in (data.get("indications") or []):
            self.add_error("primary_indication", "Tick the primary indication in the list too.")
        return data


def _setting(setting_id: str) -> tuple[Decimal, Decimal, str]:
    found = next(s for s in policy_settings() if s.id == setting_id)
    return found.minimum, found.maximum, found.unit


class PolicyForm(forms.Form):
    electrolyte_window_days = forms.IntegerField(
        label="Baseline magnesium, calcium and potassium must be no older than (days)",
        min_value=int(_setting("electrolyte_window_days")[0]),
        max_value=int(_setting("electrolyte_window_days")[1]),
    )
    egfr_hard_stop_below = forms.DecimalField(
        label="Hard stop when eGFR is below (mL/min/1.73m²)",
        min_value=_setting("egfr_hard_stop_below")[0],
        max_value=_setting("egfr_hard_stop_below")[1],
        max_digits=5,
        decimal_places=1,
    )
    egfr_caution_below = forms.DecimalField(
        label="Caution when eGFR is below (mL/min/1.73m²)",
        min_value=_setting("egfr_caution_below")[0],
        max_value=_setting("egfr_caution_below")[1],
        max_digits=5,
        decimal_places=1,
    )
    formula_id = forms.ChoiceField(label="Formula screening checks", choices=_formula_choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hard, caution = data.get("egfr_hard_stop_below"), data.get("egfr_caution_below")
        if hard is not None and caution is not None and hard >= caution:
            self.add_error(
                "egfr_caution_below", "The caution threshold must be above the hard-stop one."
            )
        return data


class ApproveKnowledgeForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have reviewed the rules, formulas and limits of this version, including every "
        "item marked unverified or design, and approve it for use with this clinic's patients.",
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)
