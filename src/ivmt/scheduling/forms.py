"""Scheduling forms: parse at the boundary (dates, times on the grid, chairs and nurses of this
clinic only, reasons of bounded length), then the services decide."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from ivmt.accounts.models import Membership
from ivmt.core.roles import Role
from ivmt.patients.forms import DateInput
from ivmt.scheduling.models import GRID_MINUTES, Appointment, Chair, SchedulingSettings

REASON_MAX = 200
WEEKDAYS = [
    ("0", "Mon"),
    ("1", "Tue"),
    ("2", "Wed"),
    ("3", "Thu"),
    ("4", "Fri"),
    ("5", "Sat"),
    ("6", "Sun"),
]
_BREAK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_SLOT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})\|(\d{1,12})$")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", attrs={"step": GRID_MINUTES * 60}, **kwargs)


def grid_time(value: dt.time | None) -> dt.time | None:
    if value is not None and (value.minute % GRID_MINUTES or value.second or value.microsecond):
        raise forms.ValidationError(
            f"Choose a time on the {GRID_MINUTES}-minute grid (e.g. 10:05)."
        )
    return value


def chair_choices(clinic_id: int, *, include_out: bool = False) -> list[tuple[str, str]]:
    chairs = Chair.objects.filter(clinic_id=clinic_id)
    if not include_out:
        chairs = chairs.filter(in_service=True)
    return [(str(c.pk), c.name + ("" if c.in_service else " (out of service)")) for c in chairs]


def nurse_choices(clinic_id: int) -> list[tuple[str, str]]:
    members = (
        Membership.objects.filter(clinic_id=clinic_id, role=Role.NURSE, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return [(str(m.user_id), m.user.display_name) for m in members]


class DayForm(forms.Form):
    """The date of a day or week view (``?date=``; today when absent)."""

    date = forms.DateField(required=False, widget=DateInput)

    def clean_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data["date"]
        if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return value


class ChairForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="As staff call it, e.g. Chair 3 (window)")
    note = forms.CharField(max_length=120, required=False)


class SchedulingSettingsForm(forms.ModelForm[SchedulingSettings]):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = SchedulingSettings
        fields = [
            "placement_minutes",
            "observation_minutes",
            "max_patients_per_nurse",
            "one_iv_start_at_a_time",
            "interval_tolerance_days",
            "reminder_hours",
            "optimiser_seconds",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("placement_minutes", "observation_minutes"):
            value = data.get(name)
            if isinstance(value, int) and value % GRID_MINUTES:
                self.add_error(name, f"Use a multiple of {GRID_MINUTES} minutes.")
        return data


class ShiftForm(forms.Form):
    nurse = forms.TypedChoiceField(coerce=int, choices=())
    first = forms.DateField(label="From", widget=DateInput)
    last = forms.DateField(label="To (inclusive)", widget=DateInput)
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=["0", "1", "2", "3", "4"]
    )
    starts = forms.TimeField(label="Shift starts", widget=TimeInput())
    ends = forms.TimeField(label="Shift ends", widget=TimeInput())
    breaks = forms.CharField(
        required=False,
        max_length=120,
        help_text="e.g. 12:00-12:30, 15:00-15:15 (no IV placements then)",
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nurse"].choices = [("", "— choose a nurse —"), *nurse_choices(clinic_id)]  # type: ignore[attr-defined]  # a ChoiceField

    def clean_starts(self) -> dt.time | None:
        return grid_time(self.cleaned_data["starts"])

    def clean_ends(self) -> dt.time | None:
        return grid_time(self.cleaned_data["ends"])

    def clean_breaks(self) -> tuple[tuple[dt.time, dt.time], ...]:
        raw: str = self.cleaned_data["breaks"]
        found = []
        for part in [p for p in re.split(r"[,;]", raw) if p.strip()]:
            match = _BREAK.match(part)
            if match is None:
                raise forms.ValidationError(
                    f"Write each break as 12:00-12:30 (not “{part.strip()}”)."
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
                raise forms.ValidationError(f"“{part.strip()}” is not a time of day.")
            found.append((dt.time(h1, m1), dt.time(h2, m2)))
        return tuple(found)

    def clean_weekdays(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.cleaned_data["weekdays"])


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(VersionForm):
    date = forms.DateField(widget=DateInput)
    time = forms.TimeField(widget=TimeInput())
    chair = forms.TypedChoiceField(coerce=int, choices=())
    nurse = forms.TypedChoiceField(coerce=int, choices=(), required=False, empty_value=None)
    reason = forms.CharField(max_length=REASON_MAX, help_text="Kept on the appointment's history.")
    patient_asked = forms.BooleanField(
        required=False, label="The patient asked for this time (it becomes their preferred time)"
    )
    interval_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        label="Reason to book outside the protocol interval (only if asked)",
    )

    def __init__(self, *args: Any, clinic_id: int, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["chair"].choices = chair_choices(clinic_id)  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["nurse"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "— any nurse on shift —"),
            *nurse_choices(clinic_id),
        ]

    def clean_time(self) -> dt.time | None:
        return grid_time(self.cleaned_data["time"])

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return value

    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=self.zone
        )

    @staticmethod
    def initial_for(appointment: Appointment, zone: ZoneInfo) -> dict[str, Any]:
        local = appointment.starts_at.astimezone(zone)
        return {
            "version": appointment.version,
            "date": local.date(),
            "time": local.time(),
            "chair": appointment.chair_id,
            "nurse": appointment.nurse_id,
        }


class CancelForm(VersionForm):
    reason = forms.CharField(max_length=REASON_MAX, label="Why is it cancelled?")


class StatusForm(VersionForm):
    status = forms.ChoiceField(
        choices=[
            ("arrived", "Arrived"),
            ("infusing", "Infusion started"),
            ("done", "Done"),
            ("no_show", "Did not come (no-show)"),
        ]
    )
    note = forms.CharField(max_length=REASON_MAX, required=False)


class SeriesForm(forms.Form):
    """How to lay the series out: the preferred time, an optional first date, a phase.

    ``phases`` (id, doses to book) fill the phase list once the plan is known; the posted phase
    is checked against them by :meth:`check_phase`, because the plan itself depends on it.
    """

    preferred = forms.TimeField(label="Preferred time", widget=TimeInput(), required=False)
    first_day = forms.DateField(
        label="First dose on",
        widget=DateInput,
        required=False,
        help_text="Leave empty to start on the order's date (the weekday may move by a day or "
        "two if that weekday is full).",
    )
    phase = forms.RegexField(
        label="Doses to book",
        required=False,
        regex=r"^[a-z0-9_]{0,40}$",
        error_messages={"invalid": "Select a valid choice from the list."},
        widget=forms.Select,
    )

    def __init__(self, *args: Any, phases: list[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        total = sum(n for _, n in phases)
        self.fields["phase"].widget.choices = [
            ("", f"Every planned dose not yet booked ({total})"),
            *[(p, f"{p.replace('_', ' ').capitalize()} phase only ({n})") for p, n in phases],
        ]
        self.phases = [p for p, _ in phases]

    def check_phase(self) -> bool:
        """False (with the error on the field) when the chosen phase has nothing to book."""
        chosen = self.cleaned_data.get("phase") or ""
        if chosen and chosen not in self.phases:
            self.add_error("phase", "Select a valid choice from the list.")
            return False
        return True

    def clean_preferred(self) -> dt.time | None:
        return grid_time(self.cleaned_data["preferred"])

    def clean_first_day(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data["first_day"]
        if value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return value


def parse_slot(raw: str, zone: ZoneInfo) -> tuple[dt.datetime, int] | None:
    """``2026-12-07T10:00|3`` → (aware start, chair id); None for "skip"; ValueError if bad."""
    if raw == "skip":
        return None
    match = _SLOT.match(raw)
    if match is None:
        raise ValueError(raw)
    day = dt.date.fromisoformat(match.group(1))
    hour, minute = int(match.group(2)), int(match.group(3))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone), int(match.group(4))


class OptimiseForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)


class FeedForm(forms.Form):
    action = forms.ChoiceField(choices=[("create", "Create"), ("revoke", "Revoke")])
