from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ivmt.clinical import allergens as allergen_catalogue
from ivmt.clinical import indications as indication_catalogue
from ivmt.clinical import labs
from ivmt.clinical import medications as drug_catalogue
from ivmt.patients.models import Allergy, Patient


def _indication_choices() -> list[tuple[str, str]]:
    return [
        (i.code, f"{i.name} ({i.icd10})" if i.icd10 else i.name)
        for i in indication_catalogue.indications()
    ]


def _drug_choices() -> list[tuple[str, str]]:
    coded = sorted(((d.id, d.name) for d in drug_catalogue.drugs()), key=lambda c: c[1].casefold())
    return [("", "— match by name —"), *coded]


def _allergen_choices() -> list[tuple[str, str]]:
    return [("", "— match by name —"), *((a.id, a.name) for a in allergen_catalogue.allergens())]


def _analyte_choices() -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in labs.analytes()]


def _unit_choices() -> list[tuple[str, str]]:
    units = dict.fromkeys(u for a in labs.analytes() for u in a.units)
    return [(u, u) for u in units]


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "sex_at_birth",
            "phone",
            "email",
            "address",
        ]
        widgets = {"date_of_birth": DateInput()}


class RegisterPatientForm(PatientForm):
    indications = forms.MultipleChoiceField(
        choices=_indication_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Why the patient is referred for IVMT.",
    )
    primary_indication = forms.ChoiceField(
        choices=[("", "—"), *_indication_choices()], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        primary = data.get("primary_indication")
        if primary and primary not in (data.get("indications") or []):
            self.add_error("primary_indication", "Tick the primary indication in the list too.")
        return data


class EditPatientForm(PatientForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class IndicationsForm(forms.Form):
    indications = forms.MultipleChoiceField(
        choices=_indication_choices, widget=forms.CheckboxSelectMultiple
    )
    primary_indication = forms.ChoiceField(
        choices=[("", "—"), *_indication_choices()], required=False
    )


class ConditionForm(forms.Form):
    description = forms.CharField(max_length=200)
    icd10 = forms.RegexField(
        label="ICD-10 code",
        regex=r"^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?$",
        required=False,
        max_length=10,
        error_messages={"invalid": "An ICD-10 code looks like G43.909."},
    )
    onset = forms.DateField(required=False, widget=DateInput())


class MedicationForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. Digoxin")
    drug_code = forms.ChoiceField(
        label="Coded as",
        choices=_drug_choices,
        required=False,
        help_text="Screening checks coded medications. Left on 'match by name', a name or brand "
        "the catalogue knows is coded for you; anything else stays uncoded for a physician to "
        "review.",
    )
    dose = forms.CharField(max_length=120, required=False, help_text="e.g. 125 mcg once daily")
    started_on = forms.DateField(required=False, widget=DateInput())


class StopMedicationForm(forms.Form):
    medication = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    stopped_on = forms.DateField(widget=DateInput())


class AllergyForm(forms.Form):
    substance = forms.CharField(max_length=120, help_text="e.g. Thiamine, benzyl alcohol")
    allergen_code = forms.ChoiceField(
        label="Coded as",
        choices=_allergen_choices,
        required=False,
        help_text="Screening checks coded allergies against the formula; a known name is coded "
        "for you.",
    )
    reaction = forms.CharField(max_length=200, required=False)
    severity = forms.ChoiceField(choices=Allergy.Severity.choices, initial=Allergy.Severity.UNKNOWN)


class CodeMedicationForm(forms.Form):
    """Code a medication already on the chart (choices: that patient's medications)."""

    medication = forms.TypedChoiceField(coerce=int, choices=())
    drug_code = forms.ChoiceField(label="Coded as", choices=_drug_choices)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["medication"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (m.pk, f"{m.name} {m.dose}".strip()) for m in patient.medications.all()
        ]


class CodeAllergyForm(forms.Form):
    """Code an allergy already on the chart (choices: that patient's allergies)."""

    allergy = forms.TypedChoiceField(coerce=int, choices=())
    allergen_code = forms.ChoiceField(label="Coded as", choices=_allergen_choices)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allergy"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (a.pk, a.substance) for a in patient.allergies.all()
        ]


class StrictDecimalField(forms.DecimalField):
    """A decimal that refuses NaN and infinity with a message rather than a crash."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs type DecimalField as IntegerField's child
        result = super().to_python(value)
        if result is not None and not result.is_finite():
            raise forms.ValidationError("Enter a number.")
        return result


class LabResultForm(forms.Form):
    analyte = forms.ChoiceField(choices=_analyte_choices)
    value = StrictDecimalField(max_digits=12, decimal_places=4)
    unit = forms.ChoiceField(choices=_unit_choices)
    collected_at = forms.DateTimeField(
        label="Collected",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the clinic's time zone.",
    )
    reference_low = StrictDecimalField(
        max_digits=12, decimal_places=4, required=False, label="Lab's reference range: low"
    )
    reference_high = StrictDecimalField(
        max_digits=12, decimal_places=4, required=False, label="Lab's reference range: high"
    )
    lab_name = forms.CharField(max_length=120, required=False, label="Laboratory")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        analyte, unit = data.get("analyte"), data.get("unit")
        if analyte and unit:
            accepted = labs.analyte(analyte).units
            if unit not in accepted:
                self.add_error(
                    "unit", f"{labs.analyte(analyte).name} is reported in {', '.join(accepted)}."
                )
        low, high = data.get("reference_low"), data.get("reference_high")
        if (low is None) != (high is None):
            self.add_error("reference_high", "Give both ends of the reference range, or neither.")
        return data


class MarkErrorForm(forms.Form):
    result = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=200)


class SearchForm(forms.Form):
    q = forms.CharField(label="Name, MRN or date of birth", max_length=100, required=False)

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip()
