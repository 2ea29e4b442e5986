"""Response rules decide at their thresholds, with the numbers behind the verdict."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ivmt.clinical import indications
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.response_rules import assess, primary_rule, rule, rules_for


@pytest.mark.parametrize(
    ("baseline", "current", "outcome"),
    [
        (10, 5, "responder"),  # exactly 50 %
        (12, 6, "responder"),
        (7, 3, "responder"),  # 57.1 %
        (10, 6, "non_responder"),  # 40 %
        (7, 4, "non_responder"),  # 42.9 %
        (8, 9, "non_responder"),  # worse
    ],
)
def test_migraine_responder_needs_at_least_50_percent_fewer_migraine_days(
    baseline, current, outcome
):
    assert assess("mmd_50_percent", baseline=baseline, current=current).outcome == outcome


def test_the_verdict_carries_the_numbers_behind_it():
    verdict = assess("mmd_50_percent", baseline=12, current=5)
    assert (verdict.baseline, verdict.current, verdict.change) == (12, 5, -7)
    assert verdict.change_percent is not None and round(verdict.change_percent, 2) == D("58.33")
    assert verdict.threshold == 50
    assert verdict.explanation == (
        "Migraine days 12 → 5 (58.3 % reduction; needs at least 50 %): responder."
    )
    assert verdict.status == "unverified" and verdict.sources == ("S33",)


def test_a_percentage_just_short_of_the_threshold_is_never_shown_as_reaching_it():
    # 2000 -> 1001 is 49.95 %: shown rounded down (49.9), so the text never says 50.
    verdict = assess("pain_30_percent", baseline=D("10.000"), current=D("7.0005"))
    assert verdict.outcome == "non_responder"
    assert "29.9 % reduction" in verdict.explanation


@pytest.mark.parametrize(
    ("baseline", "current", "outcome"),
    [(10, 7, "responder"), (10, 8, "non_responder"), (7, 5, "non_responder"), (6, 4, "responder")],
)
def test_pain_responder_needs_at_least_30_percent_less_pain(baseline, current, outcome):
    assert assess("pain_30_percent", baseline=baseline, current=current).outcome == outcome


@pytest.mark.parametrize(
    ("baseline", "current", "outcome"),
    [
        (D(50), D(43), "responder"),  # exactly 14 %
        (D(50), D("43.5"), "non_responder"),  # 13 %
        (D("62.5"), D("40.1"), "responder"),
    ],
)
def test_fiqr_responder_needs_a_change_of_at_least_its_mcid(baseline, current, outcome):
    assert assess("fiqr_mcid", baseline=baseline, current=current).outcome == outcome


@pytest.mark.parametrize(("current", "outcome"), [(60, "responder"), (61, "non_responder")])
def test_hit6_needs_a_fall_of_at_least_6_points(current, outcome):
    assert assess("hit6_6_points", baseline=66, current=current).outcome == outcome


@pytest.mark.parametrize(("current", "outcome"), [(18, "responder"), (17, "non_responder")])
def test_act_needs_a_rise_of_at_least_3_points(current, outcome):
    assert assess("act_3_points", baseline=15, current=current).outcome == outcome


@pytest.mark.parametrize(
    ("category", "outcome"),
    [
        (1, "responder"),
        (2, "responder"),
        (3, "non_responder"),
        (4, "non_responder"),
        (7, "non_responder"),
    ],
)
def test_pgic_responders_are_much_or_very_much_improved(category, outcome):
    verdict = assess("pgic_much_improved", baseline=None, current=category)
    assert verdict.outcome == outcome


def test_no_baseline_is_not_assessable_never_a_responder():
    verdict = assess("fiqr_mcid", baseline=None, current=D(20))
    assert verdict.outcome == "not_assessable"
    assert "No scored baseline" in verdict.explanation


def test_a_baseline_of_zero_cannot_give_a_percentage():
    verdict = assess("pain_30_percent", baseline=0, current=0)
    assert verdict.outcome == "not_assessable"
    assert verdict.change == 0 and verdict.change_percent is None


def test_no_current_score_is_not_assessable():
    assert assess("mmd_50_percent", baseline=8, current=None).outcome == "not_assessable"


def test_floats_are_refused():
    with pytest.raises(ClinicalError, match="exact decimal"):
        assess("pain_30_percent", baseline=7.0, current=3)


def test_every_indication_has_rules_and_a_primary_one():
    for indication in indications.indications():
        rules = rules_for(indication.code)
        assert rules.primary in rules.rules
    assert primary_rule("migraine").id == "mmd_50_percent"
    assert primary_rule("fibromyalgia").id == "fiqr_mcid"
    assert primary_rule("asthma").id == "act_3_points"


def test_unverified_figures_stay_marked():
    assert rule("mmd_50_percent").provenance.status == "unverified"
    assert rule("fiqr_mcid").provenance.status == "unverified"
    assert rule("pain_30_percent").provenance.status == "sourced"
