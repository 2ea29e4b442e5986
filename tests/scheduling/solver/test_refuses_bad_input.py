"""Impossible days are refused on construction with a message naming the culprit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.scheduling.solver.days import clinic_day, request

from ivmt.scheduling.solver import Chair, DayInstance, InvalidInstanceError, Nurse, Window


def test_refuses_negative_durations() -> None:
    day = clinic_day()
    bad = replace(day.requests[0], infusion_minutes=-5)

    with pytest.raises(InvalidInstanceError, match="request 'pat': infusion_minutes is negative"):
        replace(day, requests=(bad, *day.requests[1:]))


def test_refuses_a_day_without_chairs() -> None:
    with pytest.raises(InvalidInstanceError, match="the day has no chairs"):
        replace(clinic_day(), chairs=())


def test_refuses_a_chair_without_service_window() -> None:
    with pytest.raises(InvalidInstanceError, match="chair 'C9' has no available window"):
        replace(clinic_day(), chairs=(Chair("C9", ()),))


def test_refuses_a_preferred_start_outside_the_request_window() -> None:
    with pytest.raises(InvalidInstanceError, match="preferred_start 50 is outside its window"):
        DayInstance(
            requests=(request("pat", 1, preferred=50, earliest=0, latest=40),),
            chairs=(Chair("C1", (Window(0, 480),)),),
            nurses=(Nurse("nadia", Window(0, 480)),),
        )


def test_refuses_a_bud_shorter_than_the_preparation() -> None:
    with pytest.raises(InvalidInstanceError, match="no bag can be ready in time"):
        request("pat", 1, preferred=0, prep=20, bud=10).validate()


def test_refuses_an_empty_window() -> None:
    with pytest.raises(InvalidInstanceError, match=r"window \[30, 30\) is empty"):
        Window(30, 30)


def test_refuses_duplicate_ids() -> None:
    day = clinic_day()

    with pytest.raises(InvalidInstanceError, match="request id 'pat' appears twice"):
        replace(day, requests=(day.requests[0], day.requests[0]))
