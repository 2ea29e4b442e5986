"""Small clinic days for the solver tests, built by hand or from a seed.

``tiny_day`` days are small enough for ``brute_force.py`` to enumerate every plan; ``clinic_day``
is a hand-written morning with every kind of resource in play (a chair out of service, a nurse
break, a short-BUD bag, one pharmacy station) for the checker's violation tests.
"""

from __future__ import annotations

import random

from ivmt.scheduling.solver import Chair, DayInstance, Nurse, Pharmacy, Request, Window


def request(
    rid: str,
    order: int,
    *,
    preferred: int,
    placement: int = 10,
    infusion: int = 30,
    observation: int = 10,
    earliest: int | None = None,
    latest: int | None = None,
    priority: int = 1,
    prep: int = 10,
    bud: int = 240,
) -> Request:
    """A request with sensible defaults: earliest = preferred, latest = preferred + 120."""
    return Request(
        id=rid,
        booking_order=order,
        placement_minutes=placement,
        infusion_minutes=infusion,
        observation_minutes=observation,
        earliest_start=preferred if earliest is None else earliest,
        latest_start=preferred + 120 if latest is None else latest,
        preferred_start=preferred,
        priority=priority,
        preparation_minutes=prep,
        bud_minutes=bud,
    )


def clinic_day() -> DayInstance:
    """Two chairs (one out of service after 11:00), two nurses (Nadia breaks at 10:00)."""
    return DayInstance(
        requests=(
            request("pat", 1, preferred=0),
            request("ann", 2, preferred=0),
            request("bob", 3, preferred=20, bud=30),
            request("cal", 4, preferred=60, infusion=60),
        ),
        chairs=(
            Chair("C1", (Window(0, 480),)),
            Chair("C2", (Window(0, 180),)),
        ),
        nurses=(
            Nurse("nadia", Window(0, 480), breaks=(Window(120, 150),), max_concurrent=2),
            Nurse("nick", Window(0, 480), max_concurrent=2, max_overtime_minutes=30),
        ),
        pharmacy=Pharmacy(stations=1, windows=(Window(-60, 480),)),
    )


def tiny_day(seed: int) -> DayInstance:
    """Three or four short requests competing for two chairs and two nurses within ~40 min.

    Windows are a few minutes wide and bags have a tight BUD so the number of complete plans
    stays in the tens of thousands.
    """
    rng = random.Random(seed)
    count = rng.choice((3, 3, 4))
    requests = []
    for i in range(count):
        preferred = rng.randint(0, 12)
        requests.append(
            request(
                f"r{i}",
                rng.randint(0, 100),
                preferred=preferred,
                placement=rng.randint(3, 6),
                infusion=rng.randint(5, 14),
                observation=rng.randint(0, 4),
                latest=preferred + rng.randint(3, 7),
                priority=rng.choice((1, 1, 2)),
                prep=2,
                bud=4,
            )
        )
    shift_end = rng.choice((30, 40))
    return DayInstance(
        requests=tuple(requests),
        chairs=(Chair("C1", (Window(0, 60),)), Chair("C2", (Window(rng.choice((0, 8)), 60),))),
        nurses=(
            Nurse(
                "N1",
                Window(0, shift_end),
                max_concurrent=rng.choice((1, 2)),
                max_overtime_minutes=20,
            ),
            Nurse(
                "N2",
                Window(rng.choice((0, 5)), 40),
                breaks=(Window(14, 18),) if rng.random() < 0.5 else (),
                max_concurrent=2,
                max_overtime_minutes=10,
            ),
        ),
        pharmacy=Pharmacy(stations=1, windows=(Window(-10, 60),)),
    )
