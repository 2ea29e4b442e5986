"""Drawing a component from lots (first-expiring first, whole single-use containers) and
reading a scanned vial barcode: plain functions, checked by example and by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivmt.pharmacy.allocation import AllocationError, LotState, allocate
from ivmt.pharmacy.gs1 import GS, ScanError, read_lot

START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
BUD = START + timedelta(hours=4)


def lot(
    lot_id: int,
    on_hand: str,
    *,
    unit: str = "10",
    single: bool = False,
    days: float = 30,
    quarantined: bool = False,
) -> LotState:
    return LotState(
        lot_id=lot_id,
        lot_number=f"L{lot_id}",
        unit_volume_ml=Decimal(unit),
        single_use=single,
        on_hand_ml=Decimal(on_hand),
        usable_until=START + timedelta(days=days),
        quarantined=quarantined,
    )


def draw(
    needed: str, lots: list[LotState], *, explicit: bool = False
) -> list[tuple[int, str, str]]:
    found = allocate(
        what="calcium gluconate",
        needed_ml=Decimal(needed),
        lots=lots,
        prep_started_at=START,
        beyond_use_at=BUD,
        explicit=explicit,
    )
    return [(d.lot_id, f"{d.used_ml:f}", f"{d.taken_ml:f}") for d in found]


def test_a_multi_dose_vial_gives_exactly_the_volume_used() -> None:
    assert draw("5", [lot(1, "50")]) == [(1, "5", "5")]


def test_a_single_dose_vial_is_opened_whole() -> None:
    assert draw("3", [lot(1, "30", single=True)]) == [(1, "3", "10")]


def test_the_first_lot_listed_is_used_up_before_the_next() -> None:
    assert draw("5", [lot(1, "3"), lot(2, "50")]) == [(1, "3", "3"), (2, "2", "2")]


def test_unusable_lots_are_skipped_first_expiring_first() -> None:
    lots = [
        lot(1, "50", days=-1),
        lot(2, "50", quarantined=True),
        lot(3, "50", days=0),
        lot(4, "50"),
    ]
    assert draw("5", lots) == [(4, "5", "5")]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (lot(1, "50", days=-1), "expired"),
        (lot(1, "50", quarantined=True), "quarantined"),
        (lot(1, "50", days=0.05), "before the bag's beyond-use time"),
        (lot(1, "0"), "none left"),
    ],
)
def test_a_chosen_lot_that_cannot_be_used_is_refused_by_name(state: LotState, message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        draw("5", [state], explicit=True)


def test_a_chosen_lot_that_is_not_needed_is_refused() -> None:
    with pytest.raises(AllocationError, match="not needed"):
        draw("5", [lot(1, "50"), lot(2, "50")], explicit=True)


def test_not_enough_stock_says_how_much_is_missing() -> None:
    with pytest.raises(AllocationError, match="needs 25 mL and usable lots in stock give 20 mL"):
        draw("25", [lot(1, "20", single=True)])


def test_a_lot_expiring_exactly_at_the_beyond_use_time_is_still_good() -> None:
    at_bud = LotState(1, "L1", Decimal(10), False, Decimal(50), BUD)
    assert draw("5", [at_bud], explicit=True) == [(1, "5", "5")]


lots_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),  # containers on hand
        st.sampled_from([Decimal(1), Decimal(10), Decimal(20), Decimal(30)]),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@given(lots_strategy, st.decimals(min_value="0.01", max_value="60", places=2))
def test_draws_cover_the_need_exactly_and_single_use_lots_whole(
    specs: list[tuple[int, Decimal, bool]], needed: Decimal
) -> None:
    states = [
        LotState(i, f"L{i}", unit, single, units * unit, START + timedelta(days=30))
        for i, (units, unit, single) in enumerate(specs)
    ]
    available = sum((s.on_hand_ml for s in states), Decimal(0))
    try:
        draws = allocate(
            what="x",
            needed_ml=needed,
            lots=states,
            prep_started_at=START,
            beyond_use_at=BUD,
            explicit=False,
        )
    except AllocationError:
        assert available < needed
        return
    assert sum((d.used_ml for d in draws), Decimal(0)) == needed
    by_id = {s.lot_id: s for s in states}
    for d in draws:
        state = by_id[d.lot_id]
        assert d.used_ml <= d.taken_ml <= state.on_hand_ml
        if state.single_use:
            assert d.taken_ml % state.unit_volume_ml == 0
            assert d.units_opened * state.unit_volume_ml == d.taken_ml
        else:
            assert d.taken_ml == d.used_ml


# Scanning a vial's GS1 barcode -----------------------------------------------------------------


def test_a_scanned_gs1_datamatrix_gives_lot_expiry_and_gtin() -> None:
    scanned = read_lot(f"]d2010036000000000217271231{GS}10AB12C{GS}21SER9")
    assert (scanned.lot, scanned.expiry, scanned.gtin) == (
        "AB12C",
        date(2027, 12, 31),
        "00360000000002",
    )
    assert scanned.scanned


def test_a_day_00_expiry_means_the_end_of_the_month() -> None:
    assert read_lot("(01)00360000000002(17)270200(10)X1").expiry == date(2027, 2, 28)


def test_a_scanner_that_types_the_separator_as_caret_bracket_is_read() -> None:
    assert read_lot("01003600000000021727063010LOT-7^]21S1").lot == "LOT-7"


def test_a_typed_lot_number_is_taken_as_it_is() -> None:
    assert read_lot("  0123-ABC  ").lot == "0123-ABC" and not read_lot("0123-ABC").scanned


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0100360000000002172712", "cut short"),
        ("(01)00360000000002(17)271231", "no lot number"),
        ("010036000000000217271399" + "10X", "no month 13"),
        ("010036000000000217270231" + "10X", "not a real date"),
    ],
)
def test_an_unreadable_scan_is_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(ScanError, match=message):
        read_lot(raw)
