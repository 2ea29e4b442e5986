"""Forms of the outcomes pages. The questionnaire form is built from the instrument's data."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.instruments import Instrument, Item
from ivmt.clinical.questionnaire_scoring import score
from ivmt.outcomes.models import QuestionnaireResponse, Timepoint

CONTROL_FIELDS = ("timepoint", "dose_number", "answered_on", "accept_incomplete")


class DateInput(forms.DateInput):
    input_type = "date"


def item_label(measure: Instrument, item: Item, wording: dict[str, str]) -> str:
    """The item's text: shipped, or loaded by the clinic, or a neutral label with its id."""
    text = item.text or wording.get(item.id)
    if text:
        return f"{measure.items.index(item) + 1}. {text}"
    number = item.id.rsplit("_", 1)[-1]
    return f"{measure.short_name} item {number} ({item.id})"


class QuestionnaireForm(forms.Form):
    """One field per item plus the time point, the dose and the date the answers describe.

    Blank items are allowed only knowingly: when the instrument cannot be scored with the
    blanks left, the form asks to tick "Save as incomplete" (an unanswered PHQ-9 item 9 still
    raises its alert once saved).
    """

    timepoint = forms.ChoiceField(label="Time point")
    dose_number = forms.IntegerField(
        label="Dose number",
        min_value=0,
        max_value=999,
        required=False,
        help_text="For a visit check or a maintenance assessment: the dose it belongs to.",
    )
    answered_on = forms.DateField(
        label="Answers describe", widget=DateInput(), help_text="Usually today."
    )

    def __init__(
        self, measure: Instrument, wording: dict[str, str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.measure = measure
        choices = [
            (value, label)
            for value, label in Timepoint.choices
            if measure.at_baseline or value != Timepoint.BASELINE
        ]
        cast(forms.ChoiceField, self.fields["timepoint"]).choices = choices
        self.fields["answered_on"].initial = timezone.localdate()
        for item in measure.items:
            label = item_label(measure, item, wording)
            if measure.options:
                self.fields[item.id] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", "— not answered —")]
                    + [(o.value, f"{o.label} ({o.value})") for o in measure.options],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect if len(measure.options) <= 7 else forms.Select,
                )
            else:
                self.fields[item.id] = forms.IntegerField(
                    label=label,
                    min_value=item.minimum,
                    max_value=item.maximum,
                    required=False,
                    help_text=f"{item.minimum} to {item.maximum}"
                    + ("" if item.scored else " (asked, not scored)"),
                )
        self.fields["accept_incomplete"] = forms.BooleanField(
            label="Save as incomplete: some answers were declined or not given",
            required=False,
        )

    def answers(self) -> dict[str, int | None]:
        return {item.id: self.cleaned_data.get(item.id) for item in self.measure.items}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            result = score(self.measure, self.answers())
        except ClinicalError as error:
            raise forms.ValidationError(str(error)) from error
        if self.measure.is_scored and result.total is None and not data.get("accept_incomplete"):
            raise forms.ValidationError(
                f"{len(result.missing)} item(s) unanswered, so the score cannot be computed "
                f"({result.not_scored_reason}). Answer them, or tick “Save as incomplete”."
            )
        blanks = any(v is None for v in self.answers().values())
        if self.measure.scoring == "none" and blanks and not data.get("accept_incomplete"):
            raise forms.ValidationError(
                "Answer every line (No or Yes), or tick “Save as incomplete”."
            )
        return data


class MarkErrorForm(forms.Form):
    reason = forms.CharField(max_length=200)


class AcknowledgeAlertForm(forms.Form):
    action = forms.ChoiceField(
        label="What was done", choices=QuestionnaireResponse.AlertAction.choices
    )


class WordingForm(forms.Form):
    """The licensed wording of one instrument: a licence reference and one text per item."""

    licence_reference = forms.CharField(
        max_length=200, help_text="The licence or agreement under which the clinic uses it."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self, measure: Instrument, current: dict[str, str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.measure = measure
        for item in measure.items:
            self.fields[item.id] = forms.CharField(
                label=f"Item {item.id}",
                max_length=500,
                initial=current.get(item.id, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def texts(self) -> dict[str, str]:
        return {item.id: self.cleaned_data[item.id] for item in self.measure.items}


class ReviewDecisionForm(forms.Form):
    """The physician's decision; only decisions the course allows are offered."""

    decision = forms.ChoiceField(widget=forms.RadioSelect, label="Decision")
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason or note",
        help_text="Required to stop the series. Shown on the course, never in the audit trail.",
    )

    def __init__(self, allowed: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["decision"]).choices = allowed

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "stop" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the series stops.")
        return data
