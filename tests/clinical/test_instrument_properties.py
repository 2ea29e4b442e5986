"""Properties of scoring over random valid answers: totals stay in range, FIQR re-weighting is
the formula, an item-9 answer always alerts, rules never call a missing baseline a response."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ivmt.clinical.instruments import instrument, instruments
from ivmt.clinical.questionnaire_scoring import score
from ivmt.clinical.response_rules import assess, rules

FAST = settings(max_examples=60, deadline=None, database=None)
SCORED = [i for i in instruments() if i.is_scored]


@st.composite
def complete_answers(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    measure = draw(st.sampled_from(SCORED))
    return measure.id, {item.id: draw(st.sampled_from(item.allowed)) for item in measure.items}


@FAST
@given(complete_answers())
def test_every_complete_response_scores_within_the_instruments_range(case):
    instrument_id, answers = case
    measure = instrument(instrument_id)
    result = score(measure, answers)
    assert result.total is not None
    assert measure.score_min <= result.total <= measure.score_max
    if measure.bands and measure.bands[0].on is None:
        assert result.band is not None


@FAST
@given(
    st.lists(st.integers(0, 10), min_size=21, max_size=21),
    st.integers(0, 8),
    st.integers(0, 1),
    st.integers(0, 9),
)
def test_fiqr_reweighting_is_sum_times_items_over_answered(values, f_gap, o_gap, s_gap):
    answers: dict[str, int | None] = {f"fiqr_{n}": v for n, v in enumerate(values, start=1)}
    answers[f"fiqr_{1 + f_gap}"] = None
    answers[f"fiqr_{10 + o_gap}"] = None
    answers[f"fiqr_{12 + s_gap}"] = None
    result = score("fiqr", answers)

    def domain(first: int, last: int, divisor: int) -> Fraction:
        given_ = [answers[f"fiqr_{n}"] for n in range(first, last + 1)]
        present = [v for v in given_ if v is not None]
        return Fraction(sum(present) * len(given_), len(present) * divisor)

    expected = domain(1, 9, 3) + domain(10, 11, 1) + domain(12, 21, 2)
    assert result.total == D(expected.numerator) / D(expected.denominator)
    assert result.reweighted and 0 <= result.total <= 100


@FAST
@given(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=8, max_size=8), st.integers(1, 3))
def test_a_positive_item_9_always_alerts_whatever_else_was_answered(others, item_9):
    answers = {f"phq9_{n}": v for n, v in enumerate(others, start=1)} | {"phq9_9": item_9}
    result = score("phq9", answers)
    assert result.alert_level == "stop"
    assert "phq9_self_harm" in [a.code for a in result.alerts]


@FAST
@given(st.sampled_from([r for r in rules() if r.needs_baseline]), st.integers(0, 100))
def test_no_baseline_is_never_a_responder(rule, current):
    assert assess(rule, baseline=None, current=current).outcome == "not_assessable"
