"""Protocols (treatment series) as data, and their expansion into dated doses and reviews.

Expansion rule (DESIGN, documented in docs/clinical.md):

1. The *anchor* is the first open day on or after the requested start. Every nominal date is
   counted from it: dose ``j`` of a phase falls on ``phase anchor + j x interval``; the next
   phase's anchor is the previous phase's last *nominal* date plus the new interval.
   Because nominal dates never depend on where an earlier dose was moved, moves never
   accumulate: the series cannot drift.
2. A dose whose nominal date is closed moves to the nearest open day within the phase's
   ``tolerance_days``, trying +1, -1, +2, -2 ... (later first, so a move never shortens the
   interval unless it must); it must fall after the previous dose and not before the anchor.
3. If no such day exists, expansion fails with a ScheduleError naming the dose and its date;
   it never silently stretches the interval.

Hence every dose is on an open day, within ``tolerance_days`` of its nominal date, and
consecutive doses are ``interval +/- 2 x tolerance`` apart (the loader requires the tolerance to
be below half the interval, so the order of doses is kept). Review points follow the same rule.

Closed days are a :class:`ClinicCalendar`: weekdays (``date.weekday()``: Monday = 0) plus
specific dates such as holidays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from ivmt.clinical.errors import ScheduleError, UnknownProtocol
from ivmt.clinical.knowledge import EntryReader, Provenance, entries, knowledge_version

FILE = "protocols.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead to look for the first open day before deciding the clinic is never open.
_ANCHOR_SEARCH_DAYS = 366


@dataclass(frozen=True)
class ClinicCalendar:
    """Days the clinic is closed: weekdays (Monday = 0 ... Sunday = 6) and specific dates."""

    closed_weekdays: frozenset[int] = frozenset()
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if any(not 0 <= d <= 6 for d in self.closed_weekdays):
            raise ScheduleError("Closed weekdays must be numbers from 0 (Monday) to 6 (Sunday).")
        if len(self.closed_weekdays) == 7:
            raise ScheduleError("The clinic cannot be closed on every day of the week.")

    @classmethod
    def from_names(cls, weekdays: Iterable[str] = (), dates: Iterable[date] = ()) -> ClinicCalendar:
        """From weekday names (``"sat"``, ``"Sunday"``; first three letters count)."""
        numbers = set()
        for name in weekdays:
            key = name.strip().lower()[:3]
            if key not in WEEKDAYS:
                raise ScheduleError(f"Unknown weekday '{name}'. Use {', '.join(WEEKDAYS)}.")
            numbers.add(WEEKDAYS.index(key))
        return cls(closed_weekdays=frozenset(numbers), closed_dates=frozenset(dates))

    def is_open(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and day not in self.closed_dates


@dataclass(frozen=True)
class Phase:
    """Doses at a fixed interval. ``doses_min == doses_max`` for a fixed count."""

    id: str
    name: str
    interval_days: int
    interval_options: tuple[int, ...]
    doses_min: int
    doses_max: int | None  # None: open-ended (maintenance "as needed")
    doses_default: int
    tolerance_days: int

    @property
    def open_ended(self) -> bool:
        return self.doses_max is None


@dataclass(frozen=True)
class Review:
    """A review point ``days_after`` the nominal date of a dose (or of a phase's last dose)."""

    id: str
    name: str
    after_dose: int | None
    after_phase: str | None
    days_after: int


@dataclass(frozen=True)
class Protocol:
    id: str
    name: str
    phases: tuple[Phase, ...]
    reviews: tuple[Review, ...]
    provenance: Provenance

    def phase(self, phase_id: str) -> Phase:
        for candidate in self.phases:
            if candidate.id == phase_id:
                return candidate
        known = ", ".join(p.id for p in self.phases)
        raise ScheduleError(f"{self.name} has no phase '{phase_id}'. Its phases: {known}.")


@dataclass(frozen=True)
class ScheduledDose:
    """Dose ``number`` (from 1) of the series, on ``date`` (nominally ``nominal_date``)."""

    number: int
    phase_id: str
    nominal_date: date
    date: date

    @property
    def shift_days(self) -> int:
        return (self.date - self.nominal_date).days


@dataclass(frozen=True)
class ScheduledReview:
    id: str
    name: str
    nominal_date: date
    date: date


@dataclass(frozen=True)
class Schedule:
    """The dated series. ``start`` is the requested start; ``anchor`` the first open day."""

    protocol: Protocol
    start: date
    anchor: date
    doses: tuple[ScheduledDose, ...]
    reviews: tuple[ScheduledReview, ...]
    calendar: ClinicCalendar = field(default_factory=ClinicCalendar)
    knowledge_version: str = ""


def _phase(entry: EntryReader) -> Phase:
    interval = entry.integer("interval_days", minimum=1)
    options = tuple(
        entry.integer_list("interval_options") if entry.has("interval_options") else [interval]
    )
    if options[0] != interval:
        raise entry.error("interval_options", "the first option must equal interval_days")
    tolerance = entry.integer("tolerance_days", minimum=0)
    if 2 * tolerance >= min(options):
        raise entry.error("tolerance_days", "must be below half of every interval")
    fixed = entry.optional_integer("doses", minimum=1)
    open_ended = entry.optional_boolean("open_ended", False)
    if fixed is not None:
        low = high = default = fixed
        high_or_none: int | None = high
    else:
        low = entry.optional_integer("doses_min", minimum=1) or 1
        high_or_none = None if open_ended else entry.integer("doses_max", minimum=low)
        default = entry.integer("doses_default", minimum=low)
        if high_or_none is not None and default > high_or_none:
            raise entry.error("doses_default", "must lie within doses_min and doses_max")
    phase = Phase(
        id=entry.slug("id"),
        name=entry.text("name"),
        interval_days=interval,
        interval_options=options,
        doses_min=low,
        doses_max=high_or_none,
        doses_default=default,
        tolerance_days=tolerance,
    )
    entry.finish()
    return phase


def _review(entry: EntryReader, phases: tuple[Phase, ...]) -> Review:
    after_dose = entry.optional_integer("after_dose", minimum=1)
    after_phase = entry.optional_text("after_phase")
    if (after_dose is None) == (after_phase is None):
        raise entry.error("after_dose", "give exactly one of after_dose, after_phase")
    if after_phase is not None and after_phase not in {p.id for p in phases}:
        raise entry.error("after_phase", f"no phase '{after_phase}'")
    review = Review(
        id=entry.slug("id"),
        name=entry.text("name"),
        after_dose=after_dose,
        after_phase=after_phase,
        days_after=entry.integer("days_after", minimum=0),
    )
    entry.finish()
    return review


def _protocol(entry: EntryReader) -> Protocol:
    phases = tuple(_phase(p) for p in entry.tables("phases"))
    if any(p.open_ended for p in phases[:-1]):
        raise entry.error("phases", "only the last phase may be open-ended")
    protocol = Protocol(
        id=entry.slug("id"),
        name=entry.text("name"),
        phases=phases,
        reviews=tuple(_review(r, phases) for r in entry.tables("reviews", required=False)),
        provenance=entry.provenance(),
    )
    entry.finish()
    return protocol


@cache
def _protocols() -> dict[str, Protocol]:
    return {p.id: p for p in (_protocol(e) for e in entries(FILE, "protocol"))}


def protocols() -> tuple[Protocol, ...]:
    """Every protocol, in the order of the data file."""
    return tuple(_protocols().values())


def protocol(protocol_id: str) -> Protocol:
    """The protocol with this id; raises UnknownProtocol naming the known ids."""
    try:
        return _protocols()[protocol_id]
    except KeyError:
        known = ", ".join(_protocols())
        raise UnknownProtocol(
            f"Unknown protocol '{protocol_id}'. Known protocols: {known}."
        ) from None


def _place(
    nominal: date, tolerance: int, calendar: ClinicCalendar, after: date | None, floor: date
) -> date | None:
    """The open day nearest ``nominal`` within ``tolerance`` (later first), after ``after``."""
    offsets = [0]
    for step in range(1, tolerance + 1):
        offsets += [step, -step]
    for offset in offsets:
        day = nominal + timedelta(days=offset)
        if day >= floor and (after is None or day > after) and calendar.is_open(day):
            return day
    return None


def _counts(
    protocol_: Protocol, doses: Mapping[str, int], intervals: Mapping[str, int]
) -> list[tuple[Phase, int, int]]:
    for key in (*doses, *intervals):
        protocol_.phase(key)
    plan = []
    for phase in protocol_.phases:
        count = doses.get(phase.id, phase.doses_default)
        high = phase.doses_max
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or count < phase.doses_min
            or (high is not None and count > high)
        ):
            allowed = f"{phase.doses_min}-{high}" if high is not None else f"{phase.doses_min}+"
            raise ScheduleError(f"{phase.name}: {count!r} doses is outside {allowed}.")
        interval = intervals.get(phase.id, phase.interval_days)
        if interval not in phase.interval_options:
            options = ", ".join(str(o) for o in phase.interval_options)
            raise ScheduleError(
                f"{phase.name}: an interval of {interval!r} days is not allowed; use {options}."
            )
        plan.append((phase, count, interval))
    return plan


def expand(
    protocol_: Protocol | str,
    start: date,
    calendar: ClinicCalendar | None = None,
    *,
    doses: Mapping[str, int] | None = None,
    intervals: Mapping[str, int] | None = None,
) -> Schedule:
    """Dated doses and review points of a protocol from ``start`` (see the module docstring).

    ``doses`` and ``intervals`` choose, per phase id, the number of doses and the interval where
    the protocol allows a choice (defaults from the data). Raises UnknownProtocol or
    ScheduleError (bad choice, no open day within tolerance, clinic never open).
    """
    resolved = protocol(protocol_) if isinstance(protocol_, str) else protocol_
    calendar = calendar or ClinicCalendar()
    if not isinstance(start, date):
        raise ScheduleError(f"The start must be a date, not {start!r}.")
    anchor = next(
        (
            start + timedelta(days=i)
            for i in range(_ANCHOR_SEARCH_DAYS)
            if calendar.is_open(start + timedelta(days=i))
        ),
        None,
    )
    if anchor is None:
        raise ScheduleError(f"The clinic has no open day within a year of {start.isoformat()}.")
    scheduled: list[ScheduledDose] = []
    last_nominal: dict[str, date] = {}
    nominal_of: dict[int, tuple[date, int]] = {}
    phase_anchor = anchor
    for index, (phase, count, interval) in enumerate(
        _counts(resolved, doses or {}, intervals or {})
    ):
        if index > 0:
            phase_anchor = phase_anchor + timedelta(days=interval)
        for j in range(count):
            nominal = phase_anchor + timedelta(days=j * interval)
            previous = scheduled[-1].date if scheduled else None
            day = _place(nominal, phase.tolerance_days, calendar, previous, anchor)
            number = len(scheduled) + 1
            if day is None:
                raise ScheduleError(
                    f"{resolved.name}: dose {number} is due on {nominal.isoformat()} but the "
                    f"clinic has no open day within {phase.tolerance_days} days of it."
                )
            scheduled.append(ScheduledDose(number, phase.id, nominal, day))
            nominal_of[number] = (nominal, phase.tolerance_days)
        phase_anchor = phase_anchor + timedelta(days=(count - 1) * interval)
        last_nominal[phase.id] = phase_anchor
    reviews = []
    for review in resolved.reviews:
        if review.after_phase is not None:
            base = last_nominal[review.after_phase]
            tolerance = resolved.phase(review.after_phase).tolerance_days
        elif review.after_dose is not None and review.after_dose in nominal_of:
            base, tolerance = nominal_of[review.after_dose]
        else:
            continue  # the series was chosen shorter than this review's dose
        nominal = base + timedelta(days=review.days_after)
        day = _place(nominal, tolerance, calendar, None, anchor)
        if day is None:
            raise ScheduleError(
                f"{resolved.name}: the {review.name.lower()} is due on {nominal.isoformat()} "
                f"but the clinic has no open day within {tolerance} days of it."
            )
        reviews.append(ScheduledReview(review.id, review.name, nominal, day))
    return Schedule(
        protocol=resolved,
        start=start,
        anchor=anchor,
        doses=tuple(scheduled),
        reviews=tuple(reviews),
        calendar=calendar,
        knowledge_version=knowledge_version(),
    )
