"""Properties that hold for every input (hypothesis), kept to a modest number of examples."""

from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.errors import DilutionError, ScheduleError
from ivmt.clinical.osmolarity import diluent_for_target, with_diluent
from ivmt.clinical.protocols import ClinicCalendar, expand, protocol
from ivmt.clinical.rates import delivery

# No example database: the run stays read-only for the shared working tree.
FAST = settings(max_examples=40, deadline=None, database=None)

vitamin_c_ml = st.decimals(min_value=1, max_value=10, places=1)
magnesium_ml = st.decimals(min_value=2, max_value=5, places=1)


@FAST
@given(vitamin_c_ml, magnesium_ml)
def test_amounts_scale_linearly_with_volume(vitamin_c, magnesium):
    bag = compose_bag(
        "seed_recipe", {"ascorbic_acid_500": vitamin_c, "magnesium_chloride_20": magnesium}
    )
    one = compose_bag("seed_recipe", {"ascorbic_acid_500": 1, "magnesium_chloride_20": 2})
    assert bag.vitamin_c_mg == vitamin_c * 500
    per_ml = one.magnesium_meq / 2
    assert abs(bag.magnesium_meq - per_ml * magnesium) < D("1e-20")
    assert abs(bag.magnesium_elemental_mg - one.magnesium_elemental_mg / 2 * magnesium) < D("1e-20")


@FAST
@given(vitamin_c_ml, st.decimals(min_value=1, max_value=500, places=1))
def test_adding_diluent_lowers_osmolarity(vitamin_c, saline_ml):
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": vitamin_c})
    assert with_diluent(bag, saline_ml).osmolarity_mosm_per_l < bag.osmolarity_mosm_per_l
    assert with_diluent(bag, saline_ml, "sterile_water").osmolarity_mosm_per_l < (
        bag.osmolarity_mosm_per_l
    )


@FAST
@given(
    vitamin_c_ml,
    st.integers(min_value=320, max_value=1200),
    st.sampled_from(["sterile_water", "sodium_chloride_0_9", "lactated_ringers"]),
)
def test_the_computed_dilution_reaches_the_target(vitamin_c, target, diluent):
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": vitamin_c})
    try:
        ml = diluent_for_target(bag, target, diluent)
    except DilutionError:
        # Refused only when the diluent cannot get there or would need an absurd volume.
        assert diluent != "sterile_water"
        return
    if ml == 0:
        assert bag.osmolarity_mosm_per_l <= target
        return
    diluted = with_diluent(bag, ml, diluent).osmolarity_mosm_per_l
    assert diluted <= target
    # Rounding up by at most 0.1 mL: 0.1 mL less would still be above the target.
    if ml > D("0.1"):
        assert with_diluent(bag, ml - D("0.1"), diluent).osmolarity_mosm_per_l > target


@FAST
@given(
    st.decimals(min_value=1, max_value=720, places=1),
    st.decimals(min_value=D("0.1"), max_value=720, places=1),
)
def test_rate_falls_as_duration_grows(duration, extra):
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": 1})
    shorter, longer = delivery(bag, duration), delivery(bag, duration + extra)
    assert longer.magnesium_meq_per_min < shorter.magnesium_meq_per_min
    assert longer.calcium_meq_per_min < shorter.calcium_meq_per_min


calendars = st.builds(
    lambda weekdays, holidays: ClinicCalendar(
        closed_weekdays=frozenset(weekdays), closed_dates=frozenset(holidays)
    ),
    st.sets(st.integers(min_value=0, max_value=6), max_size=3),
    st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), max_size=4),
)


@FAST
@given(
    st.sampled_from(["seed_clinic", "migraine_article", "yale_2009"]),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    calendars,
)
def test_expansion_never_lands_on_a_closed_day_and_keeps_the_interval(protocol_id, start, calendar):
    try:
        schedule = expand(protocol_id, start, calendar)
    except ScheduleError:
        return  # refusing is allowed; a wrong date is not
    phases = {p.id: p for p in protocol(protocol_id).phases}
    for dose in schedule.doses:
        assert calendar.is_open(dose.date)
        assert dose.date >= start
        # Within tolerance of a nominal date anchored to the start: moves never accumulate.
        assert abs(dose.shift_days) <= phases[dose.phase_id].tolerance_days
    for before, after in pairwise(schedule.doses):
        assert after.date > before.date
        if before.phase_id == after.phase_id:
            phase = phases[after.phase_id]
            nominal_gap = (after.nominal_date - before.nominal_date).days
            assert nominal_gap == phase.interval_days
            assert abs((after.date - before.date).days - nominal_gap) <= 2 * phase.tolerance_days
    for review in schedule.reviews:
        assert calendar.is_open(review.date)


@FAST
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
def test_with_only_weekends_closed_weekly_series_never_move(start):
    calendar = ClinicCalendar.from_names(["sat", "sun"])
    schedule = expand("yale_2009", start, calendar)
    assert all(d.shift_days == 0 for d in schedule.doses)
    assert schedule.doses[-1].date - schedule.doses[0].date == timedelta(weeks=7)
