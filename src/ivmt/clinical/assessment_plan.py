"""When outcomes fall due along a patient's series (``data/assessment_schedule.toml``).

Input: the series' planned doses (number, phase, date) and review points (protocol review id,
date) — from :func:`ivmt.clinical.protocols.expand` or from a course order's stored plan — and
the patient's indications. Output: dated assessments, each naming its time point and the
instruments to ask:

* baseline, on or before dose 1: the full set of the indications (without PGIC);
* a short check (pain NRS, side effects since the last visit) at every dose from dose 2;
* the full set at the protocol's week-6 review and at the end of loading (and at the Yale
  follow-up four weeks after the series);
* the full set monthly (every 28 days) in maintenance, at the first dose on or after each mark.

Pure: nothing is stored; the app recomputes the plan from the current order, so a changed order
(maintenance interval, series stopped) changes the plan at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal, cast

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.instruments import full_set, instrument
from ivmt.clinical.knowledge import EntryReader, Provenance, entries

FILE = "assessment_schedule.toml"
Due = Literal["before_first_dose", "each_dose", "protocol_review", "monthly_in_phase"]
DUES: tuple[Due, ...] = ("before_first_dose", "each_dose", "protocol_review", "monthly_in_phase")


@dataclass(frozen=True)
class Timepoint:
    id: str
    name: str
    uses: Literal["full_set", "listed"]
    instruments: tuple[str, ...]
    due: Due
    from_dose: int
    protocol_reviews: tuple[str, ...]
    phases: tuple[str, ...]
    every_days: int | None
    provenance: Provenance


@dataclass(frozen=True)
class PlannedDose:
    number: int
    phase_id: str
    date: date


@dataclass(frozen=True)
class PlannedReview:
    id: str
    date: date


@dataclass(frozen=True)
class Assessment:
    """One due assessment. ``dose_number`` ties a visit or maintenance check to its dose."""

    timepoint: str
    name: str
    due_on: date
    instruments: tuple[str, ...]
    dose_number: int | None = None

    @property
    def key(self) -> str:
        """A stable identifier within one series (``visit:3``, ``week_6``)."""
        return f"{self.timepoint}:{self.dose_number}" if self.dose_number else self.timepoint


def _timepoint(entry: EntryReader) -> Timepoint:
    uses = cast(Literal["full_set", "listed"], entry.choice("uses", ("full_set", "listed")))
    listed = entry.optional_texts("instruments")
    if (uses == "listed") != bool(listed):
        raise entry.error("instruments", "listed time points need instruments; full_set none")
    for instrument_id in listed:
        instrument(instrument_id)
    due = cast(Due, entry.choice("due", DUES))
    reviews = entry.optional_texts("protocol_reviews")
    if (due == "protocol_review") != bool(reviews):
        raise entry.error("protocol_reviews", "protocol_review time points need review ids")
    phases = entry.optional_texts("phases")
    every = entry.optional_integer("every_days", minimum=1)
    if (due == "monthly_in_phase") != (bool(phases) and every is not None):
        raise entry.error("phases", "monthly_in_phase needs phases and every_days")
    timepoint = Timepoint(
        id=entry.slug("id"),
        name=entry.text("name"),
        uses=uses,
        instruments=listed,
        due=due,
        from_dose=entry.optional_integer("from_dose", minimum=1) or 1,
        protocol_reviews=reviews,
        phases=phases,
        every_days=every,
        provenance=entry.provenance(),
    )
    entry.finish()
    return timepoint


@cache
def _timepoints() -> dict[str, Timepoint]:
    return {t.id: t for t in (_timepoint(e) for e in entries(FILE, "timepoint"))}


def timepoints() -> tuple[Timepoint, ...]:
    return tuple(_timepoints().values())


def timepoint(timepoint_id: str) -> Timepoint:
    try:
        return _timepoints()[timepoint_id]
    except KeyError:
        raise ClinicalError(
            f"Unknown time point '{timepoint_id}'. Known: {', '.join(_timepoints())}."
        ) from None


def timepoint_for_review(review_id: str) -> str | None:
    """The time point a protocol review id measures (``week_6_review`` -> ``week_6``)."""
    for candidate in timepoints():
        if review_id in candidate.protocol_reviews:
            return candidate.id
    return None


def _instruments(point: Timepoint, indication_codes: tuple[str, ...]) -> tuple[str, ...]:
    if point.uses == "listed":
        return point.instruments
    return full_set(indication_codes, baseline=point.id == "baseline")


def assessment_plan(
    *,
    indication_codes: tuple[str, ...],
    doses: Sequence[PlannedDose],
    reviews: Sequence[PlannedReview] = (),
) -> tuple[Assessment, ...]:
    """Dated assessments for a series, earliest first (see the module docstring).

    ``indication_codes`` primary first; an empty tuple means no indication is recorded, and
    only the listed (short-check) instruments are planned.
    """
    ordered = sorted(doses, key=lambda d: d.number)
    plan: list[Assessment] = []
    for point in timepoints():
        if point.uses == "full_set" and not indication_codes:
            continue
        asked = _instruments(point, indication_codes)
        if not asked:
            continue
        if point.due == "before_first_dose" and ordered:
            plan.append(Assessment(point.id, point.name, ordered[0].date, asked))
        elif point.due == "each_dose":
            plan += [
                Assessment(point.id, point.name, d.date, asked, d.number)
                for d in ordered
                if d.number >= point.from_dose
            ]
        elif point.due == "protocol_review":
            plan += [
                Assessment(point.id, point.name, r.date, asked)
                for r in reviews
                if r.id in point.protocol_reviews
            ]
        elif point.due == "monthly_in_phase" and point.every_days:
            in_phase = [d for d in ordered if d.phase_id in point.phases]
            if in_phase:
                mark = in_phase[0].date
                for dose in in_phase:
                    if dose.date >= mark:
                        plan.append(Assessment(point.id, point.name, dose.date, asked, dose.number))
                        while mark <= dose.date:
                            mark += timedelta(days=point.every_days)
    return tuple(sorted(plan, key=lambda a: (a.due_on, a.timepoint != "baseline", a.key)))
