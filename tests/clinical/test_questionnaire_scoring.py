"""Every instrument scores hand-computed examples: totals, band edges, missing items, alerts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ivmt.clinical.instruments import AnswerError
from ivmt.clinical.questionnaire_scoring import score


def _items(prefix: str, values: list[int | None]) -> dict[str, int | None]:
    return {f"{prefix}_{n}": v for n, v in enumerate(values, start=1)}


# Monthly migraine days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headache_days", "band"),
    [
        (0, "below_chronic_range"),
        (14, "below_chronic_range"),
        (15, "chronic_range"),
        (28, "chronic_range"),
    ],
)
def test_diary_counts_migraine_days_and_bands_on_headache_days(headache_days, band):
    result = score("monthly_migraine_days", {"migraine_days": 8, "headache_days": headache_days})
    assert result.total == 8
    assert result.band is not None and result.band.id == band


def test_diary_without_the_migraine_count_is_not_scored():
    result = score("monthly_migraine_days", {"headache_days": 12})
    assert result.total is None
    assert "not answered" in (result.not_scored_reason or "")


def test_diary_refuses_more_days_than_the_28_day_window():
    with pytest.raises(
        AnswerError, match=r"migraine_days: 29 is not an allowed answer \(0 to 28\)"
    ):
        score("monthly_migraine_days", {"migraine_days": 29, "headache_days": 29})


# MIDAS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "grade"),
    [
        ([0, 0, 0, 0, 0], 0, "grade_1"),
        ([2, 1, 0, 2, 0], 5, "grade_1"),
        ([2, 1, 1, 2, 0], 6, "grade_2"),
        ([2, 2, 2, 2, 2], 10, "grade_2"),
        ([3, 2, 2, 2, 2], 11, "grade_3"),
        ([4, 4, 4, 4, 4], 20, "grade_3"),
        ([5, 4, 4, 4, 4], 21, "grade_4"),
        ([30, 20, 15, 10, 12], 87, "grade_4"),
    ],
)
def test_midas_sums_the_five_scored_items_into_the_standard_grades(values, total, grade):
    answers = {**_items("midas", values), "midas_a": 30, "midas_b": 7}
    result = score("midas", answers)
    assert result.total == total
    assert result.band is not None and result.band.id == grade


def test_midas_questions_a_and_b_are_asked_but_not_scored():
    with_ab = score("midas", {**_items("midas", [1, 1, 1, 1, 1]), "midas_a": 40, "midas_b": 9})
    without = score("midas", _items("midas", [1, 1, 1, 1, 1]))
    assert with_ab.total == without.total == 5
    assert without.missing == ()


def test_midas_with_a_scored_item_missing_is_not_scored():
    result = score("midas", _items("midas", [1, 1, None, 1, 1]))
    assert result.total is None and result.missing == ("midas_3",)


def test_midas_refuses_more_days_than_three_months_hold():
    with pytest.raises(AnswerError, match="93 is not an allowed answer"):
        score("midas", _items("midas", [93, 0, 0, 0, 0]))


# HIT-6 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([6, 6, 6, 6, 6, 6], 36, "little_or_no_impact"),
        ([6, 8, 8, 8, 8, 11], 49, "little_or_no_impact"),
        ([6, 8, 8, 8, 10, 10], 50, "some_impact"),
        ([6, 8, 10, 10, 10, 11], 55, "some_impact"),
        ([8, 8, 10, 10, 10, 10], 56, "substantial_impact"),
        ([6, 10, 10, 11, 11, 11], 59, "substantial_impact"),
        ([10, 10, 10, 10, 10, 10], 60, "severe_impact"),
        ([13, 13, 13, 13, 13, 13], 78, "severe_impact"),
    ],
)
def test_hit6_sums_answer_points_into_its_four_bands(values, total, band):
    result = score("hit6", _items("hit6", values))
    assert result.total == total
    assert result.band is not None and result.band.id == band


def test_hit6_refuses_a_value_that_is_not_an_answer_point():
    with pytest.raises(
        AnswerError, match=r"7 is not an allowed answer \(one of 6 \(Never\), 8 \(Rarely\), 10"
    ):
        score("hit6", _items("hit6", [7, 6, 6, 6, 6, 6]))


# FIQR -------------------------------------------------------------------------------------------


def _fiqr(function: list[int | None], overall: list[int | None], symptoms: list[int | None]):
    values = function + overall + symptoms
    assert len(values) == 21
    return score("fiqr", _items("fiqr", values))


def test_fiqr_adds_function_over_3_impact_over_1_and_symptoms_over_2():
    # 9 x 6 = 54 / 3 = 18; 7 + 5 = 12; 10 x 4 = 40 / 2 = 20; 18 + 12 + 20 = 50.
    result = _fiqr([6] * 9, [7, 5], [4] * 10)
    assert result.total == 50
    assert [(d.id, d.score) for d in result.domains] == [
        ("function", 18),
        ("overall_impact", 12),
        ("symptoms", 20),
    ]
    assert result.band is not None and result.band.id == "moderate"
    assert not result.reweighted


def test_fiqr_reweights_a_missing_item_by_items_over_answered():
    # Function: items 1-8 = 1..8, sum 36, x 9/8 = 40.5, / 3 = 13.5.
    # Overall impact: one of two answered, 6 x 2/1 = 12. Symptoms: sum 35 / 2 = 17.5.
    result = _fiqr([1, 2, 3, 4, 5, 6, 7, 8, None], [6, None], [3, 4, 3, 4, 3, 4, 3, 4, 3, 4])
    assert result.total == D("43")
    assert [d.score for d in result.domains] == [D("13.5"), 12, D("17.5")]
    assert [(d.answered, d.of) for d in result.domains] == [(8, 9), (1, 2), (10, 10)]
    assert result.reweighted
    assert result.missing == ("fiqr_9", "fiqr_11")


def test_fiqr_reweighting_keeps_a_uniform_answer_pattern_unchanged():
    complete = _fiqr([6] * 9, [7, 5], [4] * 10)
    one_missing = _fiqr([6] * 8 + [None], [7, 5], [4] * 9 + [None])
    assert complete.total == one_missing.total == 50


def test_fiqr_with_two_items_missing_in_one_domain_is_not_scored():
    result = _fiqr([6] * 7 + [None, None], [7, 5], [4] * 10)
    assert result.total is None
    assert result.not_scored_reason is not None
    assert "Function: 2 of 9 items unanswered" in result.not_scored_reason


@pytest.mark.parametrize(
    ("function", "overall", "symptoms", "total", "band"),
    [
        ([0] * 9, [0, 0], [0] * 10, D(0), "mild"),
        # 30 / 3 + 8 + 41 / 2 = 38.5
        ([3] * 8 + [6], [4, 4], [4] * 9 + [5], D("38.5"), "mild"),
        # 30 / 3 + 8 + 42 / 2 = 39
        ([3] * 8 + [6], [4, 4], [4] * 8 + [5, 5], D(39), "moderate"),
        # 90 / 3 + 20 + 18 / 2 = 59
        ([10] * 9, [10, 10], [2] * 9 + [0], D(59), "severe"),
        ([10] * 9, [10, 10], [10] * 10, D(100), "severe"),
    ],
)
def test_fiqr_band_edges_are_half_open(function, overall, symptoms, total, band):
    result = _fiqr(function, overall, symptoms)
    assert result.total == total
    assert result.band is not None and result.band.id == band


def test_fiqr_just_below_a_band_edge_is_never_rounded_into_the_next_band():
    # 89 / 3 + 20 + 18 / 2 = 58.666...: moderate, although shown as 58.7.
    result = _fiqr([10] * 8 + [9], [10, 10], [2] * 9 + [0])
    assert result.total is not None and D("58.66") < result.total < D("58.67")
    assert result.band is not None and result.band.id == "moderate"
    assert result.shown == "58.7"


def test_fiqr_bands_are_marked_unverified():
    result = _fiqr([6] * 9, [7, 5], [4] * 10)
    assert result.band is not None and result.band.status == "unverified"


def test_fiqr_non_terminating_total_is_exact_and_shown_to_one_decimal():
    # Function sum 20 / 3 = 6.666...
    result = _fiqr([2, 2, 2, 2, 2, 2, 2, 2, 4], [0, 0], [0] * 10)
    assert result.total == D(20) / D(3)
    assert result.shown == "6.7"


def test_fiqr_refuses_an_item_above_10():
    with pytest.raises(AnswerError, match="fiqr_5: 11 is not an allowed answer"):
        _fiqr([1, 1, 1, 1, 11, 1, 1, 1, 1], [1, 1], [1] * 10)


# Pain NRS ---------------------------------------------------------------------------------------


def test_pain_nrs_is_the_answer_itself():
    result = score("pain_nrs", {"pain_average": 7})
    assert result.total == 7 and result.band is None and result.alerts == ()


@pytest.mark.parametrize("bad", [11, -1, "7", 7.0, True, D("7")])
def test_pain_nrs_refuses_anything_but_a_whole_number_from_0_to_10(bad):
    with pytest.raises(AnswerError):
        score("pain_nrs", {"pain_average": bad})


def test_unknown_items_are_refused():
    with pytest.raises(AnswerError, match="has no item 'pain_worst'"):
        score("pain_nrs", {"pain_average": 3, "pain_worst": 5})


# PHQ-9 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total, band):
    # Items 1-8 carry the total (3 each at most); item 9 only above 24.
    values = [min(3, max(0, total - 3 * i)) for i in range(8)] + [max(0, total - 24)]
    result = score("phq9", _items("phq9", values))
    assert result.total == total
    assert result.band is not None and result.band.id == band


def test_phq9_item_9_raises_a_stop_alert_even_with_a_minimal_total():
    result = score("phq9", _items("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1]))
    assert result.total == 1 and result.band is not None and result.band.id == "minimal"
    assert result.alert_level == "stop"
    assert [a.code for a in result.alerts] == ["phq9_self_harm"]
    assert "whatever the total" in result.alerts[0].message


def test_phq9_item_9_unanswered_raises_a_stop_alert_to_ask_it():
    result = score("phq9", _items("phq9", [1, 1, 1, 1, 1, 1, 1, 1, None]))
    assert result.total is None
    assert [a.code for a in result.alerts] == ["phq9_self_harm_unanswered"]
    assert result.alert_level == "stop"


def test_phq9_item_9_positive_alerts_even_when_other_items_are_missing():
    result = score("phq9", {"phq9_9": 3})
    assert result.total is None
    assert [a.code for a in result.alerts] == ["phq9_self_harm"]


def test_phq9_without_item_9_and_a_total_of_10_gives_only_the_screening_note():
    result = score("phq9", _items("phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0]))
    assert result.total == 10
    assert [(a.code, a.severity) for a in result.alerts] == [("phq9_screen_positive", "info")]


# GAD-7 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "band", "screen"),
    [
        ([1, 1, 1, 1, 0, 0, 0], "minimal", False),
        ([1, 1, 1, 1, 1, 0, 0], "mild", False),
        ([3, 3, 3, 0, 0, 0, 0], "mild", False),
        ([3, 3, 3, 1, 0, 0, 0], "moderate", True),
        ([3, 3, 3, 3, 2, 0, 0], "moderate", True),
        ([3, 3, 3, 3, 3, 0, 0], "severe", True),
        ([3] * 7, "severe", True),
    ],
)
def test_gad7_bands_and_screening_cut_off(values, band, screen):
    result = score("gad7", _items("gad7", values))
    assert result.total == sum(values)
    assert result.band is not None and result.band.id == band
    assert any(a.code == "gad7_screen_positive" for a in result.alerts) is screen


# FSS --------------------------------------------------------------------------------------------


def test_fss_mean_of_4_is_significant_fatigue():
    result = score("fss", _items("fss", [4] * 9))
    assert result.total == 4
    assert result.band is not None and result.band.id == "significant_fatigue"
    assert result.domains[0].raw_sum == 36


def test_fss_mean_just_below_4_is_below_the_threshold_and_shown_to_2_decimals():
    result = score("fss", _items("fss", [3, 4, 4, 4, 4, 4, 4, 4, 4]))
    assert result.total == D(35) / D(9)
    assert result.band is not None and result.band.id == "below_threshold"
    assert result.shown == "3.89"


@pytest.mark.parametrize("bad", [0, 8])
def test_fss_items_run_from_1_to_7(bad):
    with pytest.raises(AnswerError, match=r"\(1 to 7\)"):
        score("fss", _items("fss", [bad, 4, 4, 4, 4, 4, 4, 4, 4]))


# ACT --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([1, 1, 1, 1, 1], 5, "not_well_controlled"),
        ([4, 4, 4, 4, 3], 19, "not_well_controlled"),
        ([4, 4, 4, 4, 4], 20, "well_controlled"),
        ([5, 5, 5, 5, 5], 25, "well_controlled"),
    ],
)
def test_act_total_and_control_bands(values, total, band):
    result = score("act", _items("act", values))
    assert result.total == total
    assert result.band is not None and result.band.id == band


def test_act_refuses_an_item_of_0():
    with pytest.raises(AnswerError):
        score("act", _items("act", [0, 4, 4, 4, 4]))


# PGIC -------------------------------------------------------------------------------------------


def test_pgic_scores_its_category_and_refuses_an_eighth():
    assert score("pgic", {"pgic_change": 2}).total == 2
    with pytest.raises(AnswerError, match=r"8 is not an allowed answer \(one of 1 \(Very much"):
        score("pgic", {"pgic_change": 8})


# Tender points ----------------------------------------------------------------------------------

SITES = [
    "occiput",
    "low_cervical",
    "trapezius",
    "supraspinatus",
    "second_rib",
    "lateral_epicondyle",
    "gluteal",
    "greater_trochanter",
    "knee",
]


def _tender(painful: int) -> dict[str, int]:
    ids = [f"{site}_{side}" for site in SITES for side in ("left", "right")]
    return {site: int(index < painful) for index, site in enumerate(ids)}


@pytest.mark.parametrize(
    ("painful", "band"),
    [
        (0, "below_criterion"),
        (10, "below_criterion"),
        (11, "meets_count_criterion"),
        (18, "meets_count_criterion"),
    ],
)
def test_tender_point_count_of_18_sites_with_the_11_site_criterion(painful, band):
    result = score("tender_points", _tender(painful))
    assert result.total == painful
    assert result.band is not None and result.band.id == band


def test_tender_points_take_painful_or_not_only():
    answers = _tender(3)
    answers["knee_left"] = 2
    with pytest.raises(AnswerError, match=r"one of 0 \(Not painful\), 1 \(Painful\)"):
        score("tender_points", answers)


# Side-effect check ------------------------------------------------------------------------------

NONE_REPORTED = {
    "heat_sensation": 0,
    "lightheaded_or_fainting": 0,
    "visual_changes": 0,
    "limb_pain": 0,
    "iv_site_problem": 0,
    "vitamin_taste_or_odour": 0,
    "allergic_reaction": 0,
}


def test_side_effect_check_has_no_score_and_no_alert_when_nothing_is_reported():
    result = score("side_effects_check", NONE_REPORTED)
    assert result.total is None and result.alerts == ()


def test_a_reported_allergic_reaction_needs_a_physician_before_the_next_dose():
    result = score(
        "side_effects_check", {**NONE_REPORTED, "allergic_reaction": 1, "heat_sensation": 1}
    )
    assert result.alert_level == "stop"
    assert [a.code for a in result.alerts] == ["possible_allergic_reaction"]


def test_iv_site_problems_are_a_warning():
    result = score("side_effects_check", {**NONE_REPORTED, "iv_site_problem": 1})
    assert [(a.code, a.severity) for a in result.alerts] == [("iv_site_problem", "warning")]


def test_every_score_records_the_knowledge_version():
    from ivmt.clinical.knowledge import knowledge_version

    assert score("pain_nrs", {"pain_average": 3}).knowledge_version == knowledge_version()
