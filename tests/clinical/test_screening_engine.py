"""The screening engine beyond single rules: the lab's own limits, clinic policy, outcome and
order, the facts' JSON form and fingerprint, and the loader refusing malformed rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from tests.clinical.test_screening_rules import BASE, allergy, condition, lab, med, with_labs

from ivmt.clinical.errors import KnowledgeError
from ivmt.clinical.knowledge import EntryReader
from ivmt.clinical.screening import evaluate, outcome_of
from ivmt.clinical.screening_facts import (
    MedicationFact,
    Vitals,
    facts_from_json,
    facts_to_json,
    fingerprint,
)
from ivmt.clinical.screening_rules import (
    ScreeningPolicyError,
    _groups,
    _policies,
    _rule,
    check_policy,
    policy_defaults,
)


def ids(facts, policy=None) -> set[str]:
    return {f.rule_id for f in evaluate(facts, policy).findings}


def test_egfr_below_the_hard_stop_is_a_hard_stop_not_also_a_caution() -> None:
    assert {"renal_egfr_hard_stop"} <= ids(with_labs(BASE, lab("egfr", "29.9")))
    assert "renal_egfr_caution" not in ids(with_labs(BASE, lab("egfr", "29.9")))
    assert "renal_egfr_caution" in ids(with_labs(BASE, lab("egfr", "30")))


def test_the_reporting_labs_own_upper_limit_is_used() -> None:
    wider = with_labs(BASE, lab("magnesium", "2.25", high=D("2.31")))
    narrower = with_labs(BASE, lab("magnesium", "2.25", high=D("2.2")))
    assert "magnesium_above_upper_limit" not in ids(wider)
    assert "magnesium_above_upper_limit" in ids(narrower)


def test_a_result_without_an_upper_limit_is_never_above_it() -> None:
    assert "magnesium_above_upper_limit" not in ids(
        with_labs(BASE, lab("magnesium", "9", high=None))
    )


def test_ionised_calcium_above_its_limit_counts_as_hypercalcaemia() -> None:
    facts = with_labs(BASE, lab("calcium_ionised", "1.33"))
    assert "calcium_above_upper_limit" in ids(facts)


def test_a_coded_hypermagnesaemia_counts_without_a_lab() -> None:
    assert "magnesium_above_upper_limit" in ids(replace(BASE, conditions=(condition("E83.41"),)))


def test_high_potassium_is_outside_the_limits_too() -> None:
    assert "potassium_outside_limits" in ids(with_labs(BASE, lab("potassium", "5.01")))


def test_pregnancy_on_the_problem_list_counts_like_pregnancy_at_intake() -> None:
    facts = replace(
        BASE, sex="female", pregnancy_status="not_pregnant", conditions=(condition("Z34.00"),)
    )
    assert "pregnancy" in ids(facts)


def test_a_glucose_lowering_medicine_counts_without_a_diabetes_code() -> None:
    assert "glucose_meter_vitamin_c" in ids(replace(BASE, medications=(med("metformin"),)))


def test_carbidopa_levodopa_in_one_product_is_not_plain_levodopa() -> None:
    assert "levodopa_without_carbidopa" not in ids(
        replace(BASE, medications=(med("carbidopa_levodopa"),))
    )


def test_a_class_rule_matches_through_the_parent_class() -> None:
    # Oxycodone is coded as an opioid; the rule names CNS depressants.
    assert med("oxycodone").classes == ("opioid", "cns_depressant")
    assert "cns_depressant" in ids(replace(BASE, medications=(med("oxycodone"),)))


def test_baseline_lab_rules_stop_once_the_series_has_started() -> None:
    stale = with_labs(BASE, lab("magnesium", "2.0", days_old=90))
    assert "baseline_magnesium_required" in ids(stale)
    assert "baseline_magnesium_required" not in ids(replace(stale, series_started=True))


def test_missing_baseline_labs_cannot_be_overridden_and_ask_for_a_lab_request() -> None:
    facts = replace(BASE, labs=())
    found = {f.rule_id: f for f in evaluate(facts).findings}
    for rule_id, analyte in (
        ("baseline_magnesium_required", "magnesium"),
        ("baseline_calcium_required", "calcium_total"),
        ("baseline_potassium_required", "potassium"),
    ):
        assert found[rule_id].overridable is False
        assert found[rule_id].request_labs == (analyte,)


def test_the_clinic_policy_moves_the_thresholds() -> None:
    facts = with_labs(BASE, lab("egfr", "40"), lab("magnesium", "2.0", days_old=8))
    assert "renal_egfr_hard_stop" not in ids(facts)
    strict = {
        "egfr_hard_stop_below": D(45),
        "egfr_caution_below": D(70),
        "electrolyte_window_days": D(7),
    }
    assert {"renal_egfr_hard_stop", "baseline_magnesium_required"} <= ids(facts, strict)
    finding = next(
        f for f in evaluate(facts, strict).findings if f.rule_id == "renal_egfr_hard_stop"
    )
    assert "below 45 (clinic policy)" in finding.facts_used[0].value


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"electrolyte_window_days": D(0)}, "outside the allowed range 1-180 days"),
        ({"electrolyte_window_days": D("7.5")}, "whole number of days"),
        ({"egfr_hard_stop_below": D(60)}, "must be below the eGFR caution threshold"),
        ({"egfr_caution_below": D(500)}, "outside the allowed range"),
        ({"colour": D(1)}, "Unknown screening policy setting 'colour'"),
        ({"egfr_hard_stop_below": D("NaN")}, "give a number"),
    ],
)
def test_invalid_clinic_policy_is_refused_with_a_clear_message(values, message) -> None:
    with pytest.raises(ScreeningPolicyError, match=message):
        check_policy(values)


def test_policy_defaults_are_refences_design_suggestions() -> None:
    assert policy_defaults() == {
        "electrolyte_window_days": D(30),
        "egfr_hard_stop_below": D(30),
        "egfr_caution_below": D(60),
    }
    assert all(p.provenance.status == "design" for p in _policies().values())


def test_findings_come_most_serious_first_and_the_outcome_is_the_worst() -> None:
    facts = replace(
        BASE,
        medications=(med("digoxin"), med("oxycodone")),
        conditions=(condition("I48.91"),),
    )
    result = evaluate(facts)
    severities = [f.severity for f in result.findings]
    assert severities == sorted(
        severities, key=["hard_stop", "physician_review", "caution", "information"].index
    )
    assert result.outcome == "hard_stop"
    assert outcome_of(()) == "clear"
    assert evaluate(BASE).outcome == "clear"  # information alone


def test_facts_survive_their_json_form_exactly() -> None:
    facts = replace(
        BASE,
        sex="female",
        pregnancy_status="unknown",
        conditions=(condition("I48.91"),),
        medications=(med("digoxin"), MedicationFact("Something odd")),
        allergies=(allergy("thiamine"),),
        vitals=Vitals(systolic_mmhg=D(118), diastolic_mmhg=D(76), heart_rate_bpm=D(64)),
    )
    assert facts_from_json(facts_to_json(facts)) == facts
    assert evaluate(facts_from_json(facts_to_json(facts))).findings == evaluate(facts).findings


def test_the_fingerprint_ignores_date_and_check_in_context_not_chart_policy_or_knowledge() -> None:
    policy = policy_defaults()
    base = fingerprint(BASE, policy, "v1")
    assert fingerprint(replace(BASE, as_of=date(2027, 1, 1)), policy, "v1") == base
    assert fingerprint(replace(BASE, vitals=Vitals(systolic_mmhg=D(80))), policy, "v1") == base
    assert fingerprint(replace(BASE, series_started=True), policy, "v1") == base
    assert fingerprint(replace(BASE, medications=(med("digoxin"),)), policy, "v1") != base
    assert fingerprint(BASE, {**policy, "electrolyte_window_days": D(14)}, "v1") != base
    assert fingerprint(BASE, policy, "v2") != base
    # 2.0 and 2.000000 (as a database column returns it) are the same fact.
    assert fingerprint(with_labs(BASE, lab("magnesium", "2.000000")), policy, "v1") == base


def _raw_rule(**when: object) -> EntryReader:
    raw = {
        "id": "x",
        "version": 1,
        "title": "X",
        "severity": "caution",
        "reference": "test",
        "message": "m",
        "sources": [],
        "status": "design",
        "rationale": "r",
        "when": when,
    }
    return EntryReader("screening_rules.toml", "rule 'x'", raw)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"condition_groups": ["heartblock"]}, "'heartblock' is not a condition group"),
        ({"medication_classes": ["opiods"]}, "'opiods' is not a drug class"),
        ({"allergens": ["thiamin"]}, "'thiamin' is not an allergen"),
        ({"formula_nutrients": ["vitamin_c"]}, "'vitamin_c' is not a nutrient"),
        (
            {"labs": [{"analytes": ["magnesum"], "missing": True}]},
            "'magnesum' is not a lab analyte",
        ),
        (
            {"labs": [{"analytes": ["egfr"], "below": "egfr_stop"}]},
            "'egfr_stop' is not a \\[\\[policy\\]\\]",
        ),
        ({"labs": [{"analytes": ["egfr"]}]}, "needs something to test"),
        ({}, "an empty condition would match every patient"),
        ({"age_below": 18}, "'age_below': is not a known field"),
        ({"uncoded": "procedure"}, "'procedure' is not one of"),
    ],
)
def test_the_loader_refuses_a_rule_naming_what_does_not_exist(when, message) -> None:
    with pytest.raises(KnowledgeError, match=message):
        _rule(_raw_rule(**when), _policies(), _groups())
