"""Beyond-use dating under USP <797>, from the start of preparation, on aware datetimes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivmt.clinical.beyond_use import beyond_use, beyond_use_rules
from ivmt.clinical.errors import BeyondUseError

NEW_YORK = ZoneInfo("America/New_York")
PREPARED = datetime(2026, 11, 23, 8, 30, tzinfo=NEW_YORK)


def test_immediate_use_must_start_within_4_hours():
    bud = beyond_use(PREPARED, "immediate_use")
    assert bud.beyond_use_at == datetime(2026, 11, 23, 12, 30, tzinfo=NEW_YORK)
    assert bud.status == "sourced"


def test_category_1_is_12_hours_at_room_temperature_and_24_refrigerated():
    assert beyond_use(PREPARED, "category_1").beyond_use_at - PREPARED == timedelta(hours=12)
    fridge = beyond_use(PREPARED, "category_1", "refrigerated")
    assert fridge.beyond_use_at - PREPARED == timedelta(hours=24)


def test_category_2_entries_exist_but_are_unverified():
    statuses = {
        r.id: r.provenance.status for r in beyond_use_rules() if r.category.startswith("category_2")
    }
    assert statuses
    assert set(statuses.values()) == {"unverified"}
    assert beyond_use(PREPARED, "category_2_aseptic", "refrigerated").status == "unverified"
    with pytest.raises(BeyondUseError, match="pharmacist must confirm"):
        beyond_use(PREPARED, "category_2_aseptic", allow_unverified=False)


def test_counts_elapsed_hours_across_a_daylight_saving_change():
    # 2027-03-14 02:00 New York springs forward: 4 elapsed hours from 00:30 end at 05:30 local.
    start = datetime(2027, 3, 14, 0, 30, tzinfo=NEW_YORK)
    bud = beyond_use(start, "immediate_use")
    assert bud.beyond_use_at.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)
    assert (bud.beyond_use_at.hour, bud.beyond_use_at.minute) == (5, 30)


def test_refuses_a_naive_preparation_time():
    with pytest.raises(BeyondUseError, match="no time zone"):
        beyond_use(datetime(2026, 11, 23, 8, 30), "immediate_use")  # noqa: DTZ001


def test_refuses_an_unknown_category_or_storage():
    with pytest.raises(BeyondUseError, match="Choose one of"):
        beyond_use(PREPARED, "category_3")
    with pytest.raises(BeyondUseError):
        beyond_use(PREPARED, "immediate_use", "refrigerated")


def test_expired_at_and_after_the_beyond_use_moment():
    bud = beyond_use(PREPARED, "immediate_use")
    assert not bud.expired(PREPARED + timedelta(hours=3, minutes=59))
    assert bud.expired(PREPARED + timedelta(hours=4))
    with pytest.raises(BeyondUseError):
        bud.expired(datetime(2026, 11, 23, 13, 0))  # noqa: DTZ001
