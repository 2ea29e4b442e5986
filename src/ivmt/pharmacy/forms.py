"""Pharmacy forms. Lots are typed or scanned into text fields; a scanner types the vial's GS1
element string, which :mod:`ivmt.pharmacy.gs1` reads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from ivmt.clinical.ingredients import ingredients
from ivmt.orders.forms import SignatureForm
from ivmt.patients.forms import DateInput, StrictDecimalField
from ivmt.pharmacy.gs1 import ScanError, read_lot
from ivmt.pharmacy.models import CompoundingRecord, PharmacySettings
from ivmt.pharmacy.services.compounding import LOT_FIELD, Need

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def split_lots(raw: str) -> list[str]:
    """Lot references typed or scanned into one field, separated by commas or semicolons."""
    return [part.strip() for part in re.split(r"[,;\n]", raw) if part.strip()]


class PrepareForm(forms.Form):
    prep_started_at = forms.DateTimeField(
        label="Preparation started",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
        help_text="In the clinic's time zone. The beyond-use time counts from here.",
    )

    def __init__(self, *args: Any, needs: Sequence[Need], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs = list(needs)
        for need in self.needs:
            self.fields[LOT_FIELD + need.ingredient_id] = forms.CharField(
                label=f"Lot(s) of {need.name}",
                max_length=400,
                required=False,
                help_text="First-expiring lot filled in; type or scan others, separated by "
                "commas. Empty: first-expiring first.",
            )

    def lot_choices(self) -> dict[str, list[str]]:
        return {
            need.ingredient_id: split_lots(
                self.cleaned_data.get(LOT_FIELD + need.ingredient_id, "")
            )
            for need in self.needs
        }


class VerifyForm(SignatureForm):
    pass


class AdministerForm(SignatureForm):
    bag_code = forms.CharField(
        label="Scan the bag's barcode",
        max_length=40,
        help_text="Or type the code printed under it.",
    )


class WasteForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—"), *CompoundingRecord.WasteReason.choices])
    note = forms.CharField(max_length=200, required=False, label="Note")


class ScanForm(forms.Form):
    code = forms.CharField(label="Bag code", max_length=40)


def _ingredient_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((i.id, i.name) for i in ingredients())]


class ReceiveLotForm(forms.Form):
    ingredient_id = forms.ChoiceField(label="Ingredient", choices=_ingredient_choices)
    lot_number = forms.CharField(
        label="Lot number",
        max_length=120,
        help_text="Type it, or scan the vial's barcode (lot and expiry are read from it).",
    )
    expiry_date = forms.DateField(
        label="Expiry date", widget=DateInput(), required=False, help_text="As printed (EXP)."
    )
    units = forms.IntegerField(label="Containers received", min_value=1, max_value=10000)
    unit_volume_ml = StrictDecimalField(
        label="Container size (mL)",
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(1000),
        help_text="Empty: the catalogue's size for this product.",
    )
    unit_cost = StrictDecimalField(
        label="Cost per container",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100000),
    )
    supplier = forms.CharField(max_length=120, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = data.get("lot_number")
        if raw:
            try:
                label = read_lot(raw)
            except ScanError as error:
                self.add_error("lot_number", str(error))
                return data
            data["lot_number"] = label.lot
            if label.expiry is not None:
                typed = data.get("expiry_date")
                if typed is not None and typed != label.expiry:
                    self.add_error(
                        "expiry_date",
                        f"The scanned expiry is {label.expiry:%Y-%m-%d}; the typed one differs.",
                    )
                data["expiry_date"] = label.expiry
        if data.get("expiry_date") is None and "expiry_date" not in self.errors:
            self.add_error("expiry_date", "Give the expiry date printed on the vial.")
        return data


class QuarantineForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why")


class RecallForm(forms.Form):
    lot_number = forms.CharField(label="Lot number", max_length=120)
    ingredient_id = forms.ChoiceField(
        label="Ingredient (if the number is ambiguous)", choices=_ingredient_choices, required=False
    )

    def clean_lot_number(self) -> str:
        try:
            return read_lot(self.cleaned_data["lot_number"]).lot
        except ScanError as error:
            raise forms.ValidationError(str(error)) from error


class PharmacySettingsForm(forms.Form):
    category = forms.ChoiceField(
        label="Compounding category (USP <797>)", choices=PharmacySettings.Category.choices
    )
    storage = forms.ChoiceField(
        label="Storage of prepared bags", choices=PharmacySettings.Storage.choices
    )
    expiring_soon_days = forms.IntegerField(
        label="List lots expiring within (days)", min_value=1, max_value=365
    )
    low_stock_horizon_days = forms.IntegerField(
        label="Low stock: cover the planned doses of the next (days)", min_value=1, max_value=90
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class QueueDayForm(forms.Form):
    day = forms.DateField(label="Day", widget=DateInput(), required=False)
