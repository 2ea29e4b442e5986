from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ivmt.accounts.models import Clinic, User
from ivmt.patients.models import LabResult, Patient


def test_magnesium_in_mmol_per_litre_is_stored_exactly_in_mg_per_dl(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(patient, "magnesium", "0.70", "mmol/L")
    # 0.70 mmol/L × 24.305 g/mol ÷ 10 = 1.70135 mg/dL
    assert result.value == Decimal("1.701350")
    assert (result.value_entered, result.unit_entered, result.unit) == (
        Decimal("0.70"),
        "mmol/L",
        "mg/dL",
    )


def test_magnesium_in_meq_per_litre_counts_the_ions_charge(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(patient, "magnesium", "1.40", "mEq/L")
    assert result.value == Decimal("1.701350")


def test_calcium_in_mmol_per_litre_converts_by_its_molar_mass(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(patient, "calcium_total", "2.40", "mmol/L")
    assert result.value == Decimal("9.618720")  # 2.40 × 40.078 ÷ 10


def test_creatinine_in_micromoles_converts(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(patient, "creatinine", "88.4", "µmol/L")
    assert result.value == Decimal("1.000000")


def test_low_magnesium_is_flagged_low_against_the_default_range(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    assert record_lab(patient, "magnesium", "1.4", "mg/dL").flag == "L"
    assert record_lab(patient, "magnesium", "2.0", "mg/dL").flag == ""
    assert record_lab(patient, "magnesium", "2.9", "mg/dL").flag == "H"


def test_the_labs_own_range_wins_and_is_converted_with_the_value(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(
        patient,
        "magnesium",
        "0.80",
        "mmol/L",
        reference_low=Decimal("0.85"),
        reference_high=Decimal("1.10"),
    )
    assert result.flag == "L"
    assert result.reference_low == Decimal("2.065925")


@pytest.mark.parametrize(
    ("analyte", "value", "unit"),
    [
        ("magnesium", "45", "mg/dL"),
        ("magnesium", "0", "mg/dL"),
        ("potassium", "25", "mmol/L"),
        ("calcium_total", "-1", "mg/dL"),
        ("egfr", "900", "mL/min/1.73m2"),
    ],
)
def test_physiologically_impossible_values_are_refused_and_nothing_is_stored(
    record_lab: Callable[..., LabResult],
    patient: Patient,
    analyte: str,
    value: str,
    unit: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        record_lab(patient, analyte, value, unit)
    assert refused.value.messages[0]
    assert not LabResult.objects.filter(patient=patient).exists()


def test_a_unit_that_does_not_fit_the_analyte_is_refused(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    with pytest.raises(ValidationError, match="mg/dL"):
        record_lab(patient, "magnesium", "1.0", "mL/min/1.73m2")


def test_a_future_collection_time_is_refused(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    with pytest.raises(ValidationError, match="future"):
        record_lab(
            patient, "magnesium", "1.8", "mg/dL", collected_at=timezone.now() + timedelta(days=1)
        )


def _post(client: Client, patient: Patient, **overrides: str) -> tuple[int, str]:
    data = {
        "analyte": "magnesium",
        "value": "1.4",
        "unit": "mg/dL",
        "collected_at": "2026-11-01T09:00",
        "reference_low": "",
        "reference_high": "",
        "lab_name": "Quest",
    }
    data.update(overrides)
    response = client.post(reverse("patients:lab_add", args=[patient.pk]), data)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": ""}, "This field is required"),
        ({"value": "abc"}, "Enter a number"),
        ({"value": "NaN"}, "Enter a number"),
        ({"value": "Infinity"}, "Enter a number"),
        ({"value": "99"}, "outside the possible range"),
        ({"unit": "furlongs"}, "Select a valid choice"),
        ({"unit": "mL/min/1.73m2"}, "reported in"),
        ({"analyte": "unobtainium"}, "Select a valid choice"),
        ({"collected_at": "yesterday"}, "Enter a valid date/time"),
        ({"reference_low": "0.7"}, "both ends"),
        ({"reference_low": "2.2", "reference_high": "1.7"}, "lower limit"),
        ({"lab_name": "x" * 500}, "at most 120"),
    ],
)
def test_the_lab_form_explains_bad_input_and_stores_nothing(
    client_for: Callable[[User], Client],
    nadia: User,
    patient: Patient,
    overrides: dict[str, str],
    message: str,
) -> None:
    status, body = _post(client_for(nadia), patient, **overrides)
    assert status == 400
    assert message in body
    assert not LabResult.objects.filter(patient=patient).exists()


def test_the_collection_time_is_read_in_the_clinics_time_zone(
    client_for: Callable[[User], Client],
    nadia: User,
    patient: Patient,
    clinic: Clinic,
) -> None:
    status, _ = _post(client_for(nadia), patient)
    assert status == 302
    result = LabResult.objects.get(patient=patient)
    assert result.collected_at == datetime(2026, 11, 1, 9, 0, tzinfo=clinic.zone)


def test_front_desk_cannot_record_labs(
    client_for: Callable[[User], Client], fran: User, patient: Patient
) -> None:
    status, _ = _post(client_for(fran), patient)
    assert status == 403
    assert not LabResult.objects.filter(patient=patient).exists()


def test_the_chart_shows_a_low_result_flagged_with_its_trend(
    client_for: Callable[[User], Client],
    diaz: User,
    patient: Patient,
    record_lab: Callable[..., LabResult],
    clinic: Clinic,
) -> None:
    record_lab(
        patient,
        "magnesium",
        "1.9",
        "mg/dL",
        collected_at=datetime(2026, 9, 1, 9, tzinfo=clinic.zone),
    )
    record_lab(patient, "magnesium", "1.4", "mg/dL")
    body = client_for(diaz).get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "1.4 mg/dL L (low)" in body
    assert 'aria-label="Magnesium, serum trend"' in body
    assert body.count('class="trend-point-abnormal"') == 1


def test_a_result_entered_in_error_leaves_the_chart_but_stays_on_record(
    client_for: Callable[[User], Client],
    nadia: User,
    patient: Patient,
    record_lab: Callable[..., LabResult],
) -> None:
    result = record_lab(patient, "magnesium", "1.2", "mg/dL")
    client = client_for(nadia)
    refused = client.post(
        reverse("patients:lab_mark_error", args=[patient.pk]), {"result": result.pk, "reason": ""}
    )
    assert refused.status_code == 400
    done = client.post(
        reverse("patients:lab_mark_error", args=[patient.pk]),
        {"result": result.pk, "reason": "Haemolysed sample"},
    )
    assert done.status_code == 302
    result.refresh_from_db()
    assert result.entered_in_error and result.value == Decimal("1.2")
    body = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "1.2 mg/dL" not in body
