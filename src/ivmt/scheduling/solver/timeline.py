"""Minute-by-minute resource occupancy for greedy placement (the baseline and repairs).

Occupancy is kept in ``bytearray`` rows indexed by minute so the "is this stretch free?" and
"what is the peak count here?" questions run as C-level slice operations; a Python loop over
minutes would make first-come-first-served noticeably slow on a 150-request day.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivmt.scheduling.solver.instance import DayInstance, Nurse, Request
from ivmt.scheduling.solver.minute_sets import Spans, contains
from ivmt.scheduling.solver.plan import Assignment
from ivmt.scheduling.solver.start_domains import nurse_starts, prep_range


@dataclass(slots=True)
class Slot:
    """A concrete placement found by ``Timeline.find``."""

    chair_index: int
    nurse_index: int
    prep_start: int


class Timeline:
    """Occupancy of chairs, nurses and pharmacy stations over the day."""

    def __init__(self, instance: DayInstance) -> None:
        self.instance = instance
        lows = [0] + [
            r.earliest_start + r.placement_minutes - r.bud_minutes for r in instance.requests
        ]
        highs = [r.latest_start + r.duration for r in instance.requests]
        highs += [n.care_end for n in instance.nurses]
        highs += [w.end for c in instance.chairs for w in c.windows]
        self.base = min(lows)
        self.length = max(highs) - self.base + 1
        self.chair_busy = [bytearray(self.length) for _ in instance.chairs]
        self.nurse_placing = [bytearray(self.length) for _ in instance.nurses]
        self.nurse_patients = [bytearray(self.length) for _ in instance.nurses]
        self.nurse_load = [0 for _ in instance.nurses]
        self.pharmacy = bytearray(self.length)
        self._nurse_spans: dict[tuple[str, int], Spans] = {}

    def _idx(self, minute: int) -> int:
        return minute - self.base

    def _nurse_ok(self, r: Request, k: int, nurse: Nurse, t: int) -> bool:
        key = (r.id, k)
        spans = self._nurse_spans.get(key)
        if spans is None:
            spans = self._nurse_spans[key] = nurse_starts(r, nurse)
        if not contains(spans, t):
            return False
        i = self._idx(t)
        if self.nurse_placing[k].find(1, i, i + r.placement_minutes) != -1:
            return False
        return max(self.nurse_patients[k][i : i + r.duration]) < nurse.max_concurrent

    def _prep_start(self, r: Request, t: int) -> int | None:
        """Latest preparation start that fits the BUD window, a pharmacy window and a station."""
        lo, hi = prep_range(r, t)
        prep = r.preparation_minutes
        if prep == 0:
            return hi
        stations = self.instance.pharmacy.stations
        for w in reversed(self.instance.pharmacy.windows):
            q = min(hi, w.end - prep)
            floor = max(lo, w.start)
            while q >= floor:
                i = self._idx(q)
                if max(self.pharmacy[i : i + prep]) < stations:
                    return q
                q -= 1
        return None

    def find(self, r: Request, t: int) -> Slot | None:
        """A free chair, nurse and preparation slot for ``r`` starting at ``t``, if any.

        Chairs are tried in listed order; among able nurses the least loaded is chosen, as a
        front desk spreading work by hand would do.
        """
        i, end = self._idx(t), t + r.duration
        chair_index = next(
            (
                c
                for c, chair in enumerate(self.instance.chairs)
                if any(w.contains(t, end) for w in chair.windows)
                and self.chair_busy[c].find(1, i, i + r.duration) == -1
            ),
            None,
        )
        if chair_index is None:
            return None
        nurses = [
            k for k, nurse in enumerate(self.instance.nurses) if self._nurse_ok(r, k, nurse, t)
        ]
        if not nurses:
            return None
        prep = self._prep_start(r, t)
        if prep is None:
            return None
        nurse_index = min(nurses, key=lambda k: (self.nurse_load[k], k))
        return Slot(chair_index, nurse_index, prep)

    def book(self, r: Request, t: int, slot: Slot) -> Assignment:
        """Record the placement and return it as an assignment."""
        i = self._idx(t)
        self.chair_busy[slot.chair_index][i : i + r.duration] = b"\x01" * r.duration
        placing = self.nurse_placing[slot.nurse_index]
        placing[i : i + r.placement_minutes] = b"\x01" * r.placement_minutes
        patients = self.nurse_patients[slot.nurse_index]
        for m in range(i, i + r.duration):
            patients[m] += 1
        self.nurse_load[slot.nurse_index] += r.placement_minutes
        q = self._idx(slot.prep_start)
        for m in range(q, q + r.preparation_minutes):
            self.pharmacy[m] += 1
        return Assignment(
            request_id=r.id,
            start=t,
            chair_id=self.instance.chairs[slot.chair_index].id,
            nurse_id=self.instance.nurses[slot.nurse_index].id,
            prep_start=slot.prep_start,
        )
