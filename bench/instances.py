"""Seeded generator of clinic days for the scheduling benchmark.

A day runs from 08:00 (minute 0) to 17:00 (minute 540); chairs stay in service until 18:00 so
late visits can finish, at the price of nurse overtime. The two loads are defined as

    chair load = sum of visit minutes / (chairs x 540)
    nurse load = sum of placement minutes / sum of nurses' working minutes (shift minus breaks)

For each (chair load, nurse load) cell the number of nurses (2-4) is drawn among those that keep
the chair count inside 6-20; the request count then follows from the nurse load and the chair
count from the chair load, so the realised loads differ from the nominal ones only by rounding
(both are recorded in the instance's metadata).

Visits: IV placement 10-15 min of nurse time; infusion 30-60 min, one in ten 90-150 min;
observation 15 min (30 for the long ones). Preferred starts cluster mid-morning (half around
10:30, the rest spread over the day), as the issue asks. Each patient arrives at the preferred
time (earliest = preferred) and can wait until the chairs close. Bags take 8-15 min on one of
the pharmacy stations (opening 90 min before the clinic); one bag in five has a short 60-min
beyond-use window.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ivmt.scheduling.solver import Chair, DayInstance, Nurse, Pharmacy, Request, Window

OPEN_MINUTES = 540
CHAIR_CLOSE = 720
CHAIR_LOADS = (0.6, 0.75, 0.9)
NURSE_LOADS = (0.7, 0.9, 1.0)
_MEAN_PLACEMENT = 12.5
_MEAN_VISIT = 12.5 + 0.9 * 45 + 0.1 * 120 + 0.9 * 15 + 0.1 * 30


@dataclass(frozen=True, slots=True)
class GeneratedDay:
    """A generated instance with the parameters that produced it."""

    name: str
    seed: int
    chair_load: float
    nurse_load: float
    realised_chair_load: float
    realised_nurse_load: float
    instance: DayInstance


def _nurses(count: int, rng: random.Random, chairs: int) -> tuple[Nurse, ...]:
    cap = max(3, math.ceil(chairs / count))
    nurses = []
    for k in range(count):
        # Alternate early and late shifts so the whole opening is covered; stagger lunch.
        start = 0 if k % 2 == 0 else 60
        lunch = 210 + 30 * k + rng.choice((0, 15))
        nurses.append(
            Nurse(
                id=f"N{k + 1}",
                shift=Window(start, start + 480),
                breaks=(Window(lunch, lunch + 30),),
                max_concurrent=cap,
                max_overtime_minutes=CHAIR_CLOSE - (start + 480),
            )
        )
    return tuple(nurses)


def _working_minutes(nurses: tuple[Nurse, ...]) -> int:
    return sum(n.shift.end - n.shift.start - sum(b.end - b.start for b in n.breaks) for n in nurses)


def _request(index: int, rng: random.Random) -> Request:
    placement = rng.randint(10, 15)
    if rng.random() < 0.1:
        infusion, observation = rng.randint(90, 150), 30
    else:
        infusion, observation = rng.randint(30, 60), 15
    duration = placement + infusion + observation
    clustered = rng.random() < 0.5
    preferred = round(rng.gauss(150, 90)) if clustered else rng.randint(0, 450)
    preferred = max(0, min(preferred, OPEN_MINUTES - duration))
    preferred -= preferred % 5
    return Request(
        id=f"R{index:03d}",
        booking_order=index,
        placement_minutes=placement,
        infusion_minutes=infusion,
        observation_minutes=observation,
        earliest_start=preferred,
        latest_start=max(preferred, CHAIR_CLOSE - duration),
        preferred_start=preferred,
        priority=1,
        preparation_minutes=rng.randint(8, 15),
        bud_minutes=60 if rng.random() < 0.2 else 240,
    )


def generate_day(chair_load: float, nurse_load: float, seed: int) -> GeneratedDay:
    """One day for the given nominal loads; the same arguments always give the same day."""
    rng = random.Random(f"day-{chair_load}-{nurse_load}-{seed}")
    options = []
    for count in (2, 3, 4):
        working = 450 * count
        n = nurse_load * working / _MEAN_PLACEMENT
        chairs = round(n * _MEAN_VISIT / (chair_load * OPEN_MINUTES))
        if 6 <= chairs <= 20:
            options.append(count)
    nurse_count = rng.choice(options or [2])
    provisional = _nurses(nurse_count, rng, 1)
    n_requests = round(nurse_load * _working_minutes(provisional) / _MEAN_PLACEMENT)
    requests = [_request(i + 1, rng) for i in range(n_requests)]
    # Shuffle booking order against preferred time: bookings arrive over weeks, not by time.
    order = list(range(1, n_requests + 1))
    rng.shuffle(order)
    requests = [replace(r, booking_order=o) for r, o in zip(requests, order, strict=True)]
    visit_minutes = sum(r.duration for r in requests)
    chairs = max(6, min(20, round(visit_minutes / (chair_load * OPEN_MINUTES))))
    nurses = _nurses(nurse_count, rng, chairs)
    chair_objs = tuple(Chair(f"C{i + 1:02d}", (Window(0, CHAIR_CLOSE),)) for i in range(chairs))
    stations = max(1, math.ceil(sum(r.preparation_minutes for r in requests) / (0.6 * 630)))
    instance = DayInstance(
        requests=tuple(requests),
        chairs=chair_objs,
        nurses=nurses,
        pharmacy=Pharmacy(stations=stations, windows=(Window(-90, CHAIR_CLOSE),)),
    )
    return GeneratedDay(
        name=f"c{chair_load}-n{nurse_load}-s{seed}",
        seed=seed,
        chair_load=chair_load,
        nurse_load=nurse_load,
        realised_chair_load=round(visit_minutes / (chairs * OPEN_MINUTES), 3),
        realised_nurse_load=round(
            sum(r.placement_minutes for r in requests) / _working_minutes(nurses), 3
        ),
        instance=instance,
    )


# --- 12-week series stream -------------------------------------------------------------------

STREAM_CHAIRS = 8
STREAM_WEEKS = 12
LOADING_DOSES = 6
MAINTENANCE_DOSES = 6


@dataclass(frozen=True, slots=True)
class StreamPatient:
    """A patient whose series starts on ``start`` (possibly before the horizon: maintenance)."""

    id: str
    start: date
    weekday: int
    minute: int
    duration: int
    cancelled: frozenset[int]
    no_show: frozenset[int]
    cancel_after_days: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SeriesStream:
    """Patients in booking order, the horizon and the clinic's closed days."""

    first_day: date
    last_day: date
    chairs: int
    closed_days: frozenset[date]
    patients: tuple[StreamPatient, ...]


def dose_dates(patient: StreamPatient) -> list[tuple[int, date, int]]:
    """(index, target date, interval): six weekly doses, then six four-weekly maintenance doses."""
    first = patient.start + timedelta(days=(patient.weekday - patient.start.weekday()) % 7)
    out = []
    day = first
    for i in range(LOADING_DOSES + MAINTENANCE_DOSES):
        interval = 7 if i < LOADING_DOSES else 28
        if i:
            day += timedelta(days=interval)
        out.append((i, day, interval))
    return out


def generate_series_stream(chair_load: float, seed: int) -> SeriesStream:
    """Patients enough to fill ``chair_load`` of the chairs over 12 weeks (Mon-Fri, 9 h/day).

    Each series is six weekly loading doses then six four-weekly maintenance doses (about six
    months). Series start uniformly from 26 weeks before the horizon (patients already in
    maintenance) to its last week, so the number of patients under treatment, and with it the
    load, is steady across the twelve weeks; 10 % of doses are later cancelled (freeing the
    slot), 5 % are no-shows (the slot stays used). Preferred times cluster mid-morning like the
    day instances. The load counts every requested session, cancelled ones included.
    """
    rng = random.Random(f"stream-{chair_load}-{seed}")
    first_day = date(2026, 3, 2)  # a Monday
    last_day = first_day + timedelta(weeks=STREAM_WEEKS) - timedelta(days=1)
    closed = frozenset({first_day + timedelta(weeks=5, days=4)})  # a bank-holiday Friday
    open_days = sum(
        1
        for k in range(STREAM_WEEKS * 7)
        if (first_day + timedelta(days=k)).weekday() < 5
        and first_day + timedelta(days=k) not in closed
    )
    capacity = open_days * STREAM_CHAIRS * OPEN_MINUTES
    patients: list[StreamPatient] = []
    booked = 0.0
    while booked < chair_load * capacity:
        start = first_day + timedelta(days=rng.randint(-26 * 7, STREAM_WEEKS * 7 - 7))
        clustered = rng.random() < 0.5
        minute = round(rng.gauss(150, 90)) if clustered else rng.randint(0, 450)
        duration = rng.randint(60, 90)
        minute = max(0, min(minute - minute % 15, OPEN_MINUTES - duration))
        p = StreamPatient(
            id=f"P{len(patients) + 1:04d}",
            start=start,
            weekday=rng.randint(0, 4),
            minute=minute,
            duration=duration,
            cancelled=frozenset(i for i in range(40) if rng.random() < 0.10),
            no_show=frozenset(i for i in range(40) if rng.random() < 0.05),
            cancel_after_days=tuple(rng.randint(0, 60) for _ in range(40)),
        )
        # Requested sessions count toward the load, cancelled ones included: the load is what
        # the front desk is asked to book, and cancellations free slots only later.
        in_horizon = [i for i, d, _ in dose_dates(p) if first_day <= d <= last_day]
        booked += len(in_horizon) * duration
        patients.append(p)
    patients.sort(key=lambda p: (p.start, p.id))
    return SeriesStream(first_day, last_day, STREAM_CHAIRS, closed, tuple(patients))
