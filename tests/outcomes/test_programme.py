"""The manager's programme page: database aggregates, Wilson intervals, paired tests, a fixed
number of queries; and the de-identified research export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import actor_for
from tests.outcomes.conftest import SIX_WEEKS_AGO, fiqr, record, signed_course

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.outcomes.models import QuestionnaireResponse
from ivmt.outcomes.programme import programme_figures
from ivmt.patients.models import Patient

# (function, overall, symptoms) at week 6 against a baseline of fiqr(6, 6, 4) = 50.
WEEK_6 = [(4, 5, 3), (6, 6, 4), (5, 6, 4), (3, 4, 2), (4, 6, 4)]  # 37, 50, 47, 27, 44


def _fibro_patient(make_patient: Callable[..., Patient], n: int) -> Patient:
    return make_patient(
        given_name=f"Fay{n}",
        family_name="Cohort",
        indication_codes=("fibromyalgia",),
        primary_indication="fibromyalgia",
    )


def _cohort(
    make_patient: Callable[..., Patient], nurse: User, physician: User, week_6: list[tuple]
) -> list[Patient]:
    patients = []
    for n, values in enumerate(week_6):
        patient = _fibro_patient(make_patient, n)
        signed_course(patient, physician)
        record(patient, nurse, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
        record(patient, nurse, "fiqr", fiqr(*values), "week_6")
        patients.append(patient)
    return patients


def test_responder_rate_with_its_wilson_interval_and_the_paired_test(
    make_patient: Callable[..., Patient], nadia: User, diaz: User, morgan: User, clinic: Clinic
) -> None:
    _cohort(make_patient, nadia, diaz, WEEK_6)
    figures = programme_figures(actor=actor_for(morgan, clinic))
    (row,) = figures.responders
    assert (row.indication, row.timepoint, row.responders, row.assessed) == (
        "fibromyalgia",
        "week_6",
        2,
        5,
    )
    assert row.proportion is not None
    # Wilson 95 % for 2 of 5: 0.1176 to 0.7693.
    assert (round(row.proportion.low, 4), round(row.proportion.high, 4)) == (
        D("0.1176"),
        D("0.7693"),
    )
    changes = {c.instrument: c for c in figures.changes}
    fiqr_change = changes["FIQR"]
    # Changes -13, 0, -3, -23, -6: mean -9, SD 9.19, t = -2.19 with 4 df, p = 0.094.
    assert fiqr_change.n == 5
    assert fiqr_change.test.mean_change == -9
    assert fiqr_change.test.sd_change is not None
    assert round(fiqr_change.test.sd_change, 2) == D("9.19")
    assert fiqr_change.test.t is not None and round(fiqr_change.test.t, 2) == D("-2.19")
    assert fiqr_change.test.p_value is not None and round(fiqr_change.test.p_value, 3) == D("0.094")
    assert (fiqr_change.mean_baseline, fiqr_change.mean_current) == (50, 41)


def test_patients_by_indication_and_phase(
    make_patient: Callable[..., Patient], nadia: User, diaz: User, morgan: User, clinic: Clinic
) -> None:
    _cohort(make_patient, nadia, diaz, WEEK_6[:2])
    make_patient(given_name="Mia", indication_codes=("migraine",), primary_indication="migraine")
    figures = programme_figures(actor=actor_for(morgan, clinic))
    table = {
        r.indication: dict(zip(figures.phase_columns, r.counts, strict=True))
        for r in figures.phase_rows
    }
    assert table["fibromyalgia"]["loading"] == 2
    assert table["migraine"]["no_course"] == 1


def test_patient_reported_side_effects_per_1000_checks(
    fibro: Patient, nadia: User, morgan: User, clinic: Clinic
) -> None:
    none = {
        "heat_sensation": 0,
        "lightheaded_or_fainting": 0,
        "visual_changes": 0,
        "limb_pain": 0,
        "iv_site_problem": 0,
        "vitamin_taste_or_odour": 0,
        "allergic_reaction": 0,
    }
    for dose, heat in ((2, 1), (3, 0), (4, 1), (5, 0)):
        record(
            fibro,
            nadia,
            "side_effects_check",
            none | {"heat_sensation": heat},
            "visit",
            dose_number=dose,
        )
    figures = programme_figures(actor=actor_for(morgan, clinic))
    rows = {r.item: r for r in figures.side_effects}
    assert figures.checks == 4
    assert (rows["heat_sensation"].count, rows["heat_sensation"].per_1000) == (2, D("500.0"))
    assert rows["allergic_reaction"].per_1000 == 0


def test_the_programme_page_makes_the_same_number_of_queries_for_1_or_5_patients(
    client_for: Callable[[User], Client],
    make_patient: Callable[..., Patient],
    nadia: User,
    diaz: User,
    morgan: User,
) -> None:
    _cohort(make_patient, nadia, diaz, WEEK_6[:1])
    client = client_for(morgan)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("outcomes:programme")).status_code == 200
        return len(context.captured_queries)

    few = queries()
    more = make_patient
    _cohort(more, nadia, diaz, WEEK_6[1:])
    for n in range(5):
        patient = _fibro_patient(make_patient, 10 + n)
        record(patient, nadia, "pain_nrs", {"pain_average": 5}, "baseline")
    assert queries() == few
    assert few <= 24  # 20 today: sign-in, clinic, 7 aggregates, the audit row


def test_the_programme_page_names_no_patient(
    client_for: Callable[[User], Client],
    make_patient: Callable[..., Patient],
    nadia: User,
    diaz: User,
    morgan: User,
) -> None:
    patients = _cohort(make_patient, nadia, diaz, WEEK_6)
    body = client_for(morgan).get(reverse("outcomes:programme")).content.decode()
    assert "Fibromyalgia" in body and "40 %" in body
    for patient in patients:
        assert patient.given_name not in body and patient.mrn not in body


@pytest.mark.parametrize(
    ("who", "status"), [("morgan", 200), ("diaz", 200), ("nadia", 403), ("fran", 403)]
)
def test_who_sees_the_programme_page(
    client_for: Callable[[User], Client], who: str, status: int, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("outcomes:programme")).status_code == status


def _export(client: Client) -> list[dict[str, str]]:
    response = client.get(reverse("outcomes:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_research_export_is_de_identified(
    client_for: Callable[[User], Client],
    make_patient: Callable[..., Patient],
    nadia: User,
    diaz: User,
    morgan: User,
) -> None:
    patients = _cohort(make_patient, nadia, diaz, WEEK_6[:3])
    client = client_for(morgan)
    rows = _export(client)
    assert len(rows) == 6
    text = client.get(reverse("outcomes:export")).content.decode()
    for patient in patients:
        for secret in (patient.given_name, patient.family_name, patient.mrn):
            assert secret not in text
        assert patient.date_of_birth.isoformat() not in text
    # Every date is shifted: no row keeps its own true date. (Another subject's shifted date
    # may land on a true date by chance — a shift of −42 days moves week 6 onto the baseline
    # day — so compare each row with its own date, not the whole file.)
    baselines = [row for row in rows if row["timepoint"] == "baseline"]
    assert baselines and all(r["date_shifted"] != SIX_WEEKS_AGO.isoformat() for r in baselines)
    week_6_true = {r["date_shifted"] for r in rows if r["timepoint"] == "week_6"}
    assert (SIX_WEEKS_AGO + timedelta(days=42)).isoformat() not in week_6_true
    by_subject: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_subject.setdefault(row["subject"], []).append(row)
    assert len(by_subject) == 3
    for subject_rows in by_subject.values():
        baseline, week_6 = sorted(subject_rows, key=lambda r: r["date_shifted"])
        # The interval survives the shift: 42 days from baseline to week 6.
        gap = date.fromisoformat(week_6["date_shifted"]) - date.fromisoformat(
            baseline["date_shifted"]
        )
        assert gap == timedelta(days=42)
        assert baseline["timepoint"] == "baseline" and baseline["score"] == "50"
    # Stable: a second export gives the same pseudonyms and dates.
    assert _export(client) == rows
    assert (
        AuditEvent.objects.filter(action="outcomes.export", detail="6 de-identified rows").count()
        == 3
    )


def test_the_export_neutralises_spreadsheet_formulas(
    client_for: Callable[[User], Client], fibro: Patient, nadia: User, morgan: User
) -> None:
    saved = record(fibro, nadia, "pain_nrs", {"pain_average": 5}, "baseline")
    # A tampered or imported row: text that a spreadsheet would run as a formula.
    QuestionnaireResponse.objects.filter(pk=saved.pk).update(
        knowledge_version='=HYPERLINK("http://evil.example","x")', band_id="@SUM(A1)"
    )
    (row,) = _export(client_for(morgan))
    assert row["knowledge_version"].startswith("'=HYPERLINK")
    assert row["band"] == "'@SUM(A1)"


@pytest.mark.parametrize("who", ["diaz", "nadia", "fran"])
def test_only_the_manager_exports(
    client_for: Callable[[User], Client], who: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("outcomes:export")).status_code == 403


def test_a_single_pair_shows_its_change_without_a_test(
    make_patient: Callable[..., Patient], nadia: User, diaz: User, morgan: User, clinic: Clinic
) -> None:
    _cohort(make_patient, nadia, diaz, WEEK_6[:1])
    (change,) = programme_figures(actor=actor_for(morgan, clinic)).changes
    assert change.n == 1 and change.test.mean_change == -13
    assert change.test.sd_change is None and change.test.p_value is None


def test_another_clinics_patients_never_count_in_this_clinics_programme(
    make_patient: Callable[..., Patient],
    nadia: User,
    diaz: User,
    morgan: User,
    clinic: Clinic,
    other_clinic: Clinic,
    lena: User,
) -> None:
    _cohort(make_patient, nadia, diaz, WEEK_6[:1])
    elsewhere = make_patient(
        other_clinic, indication_codes=("fibromyalgia",), primary_indication="fibromyalgia"
    )
    record(elsewhere, lena, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
    record(elsewhere, lena, "fiqr", fiqr(2, 2, 2), "week_6")
    figures = programme_figures(actor=actor_for(morgan, clinic))
    assert [(r.responders, r.assessed) for r in figures.responders] == [(1, 1)]
    assert sum(row.total for row in figures.phase_rows) == 1
