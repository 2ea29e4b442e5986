"""When the clinic is open on each date, as aware datetimes in its own time zone.

A clinic with no opening hours recorded at all is open 08:00–17:00 on every day, as the orders
app treats it as open every day (a new clinic before its manager sets the hours); otherwise a
weekday without hours is closed, and so is every closed date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ivmt.accounts.models import Clinic, ClosedDay, OpeningHours

DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(17, 0)


@dataclass(frozen=True)
class DayHours:
    """One date: its opening and closing moments (None when closed) and why it is closed."""

    day: date
    zone: ZoneInfo
    opens: datetime | None
    closes: datetime | None
    closed_reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.opens is not None

    def at(self, moment: time) -> datetime:
        """The aware datetime of a wall-clock ``moment`` on this date."""
        return datetime.combine(self.day, moment, tzinfo=self.zone)

    def label(self) -> str:
        if self.opens is None or self.closes is None:
            return f"closed ({self.closed_reason})" if self.closed_reason else "closed"
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


def hours_between(clinic: Clinic, first: date, last: date) -> dict[date, DayHours]:
    """``DayHours`` for every date from ``first`` to ``last`` inclusive (two queries)."""
    zone = clinic.zone
    weekly = {h.weekday: h for h in OpeningHours.objects.filter(clinic=clinic)}
    closed = {
        c.date: c.reason or "closed day"
        for c in ClosedDay.objects.filter(clinic=clinic, date__gte=first, date__lte=last)
    }
    found: dict[date, DayHours] = {}
    day = first
    while day <= last:
        found[day] = _hours(day, zone, weekly, closed)
        day += timedelta(days=1)
    return found


def hours_on(clinic: Clinic, day: date) -> DayHours:
    return hours_between(clinic, day, day)[day]


def _hours(
    day: date, zone: ZoneInfo, weekly: dict[int, OpeningHours], closed: dict[date, str]
) -> DayHours:
    if day in closed:
        return DayHours(day, zone, None, None, closed[day])
    if not weekly:
        opens, closes = DEFAULT_OPENS, DEFAULT_CLOSES
    elif day.weekday() in weekly:
        opens, closes = weekly[day.weekday()].opens, weekly[day.weekday()].closes
    else:
        return DayHours(day, zone, None, None, f"no opening hours on {day:%A}s")
    return DayHours(
        day,
        zone,
        datetime.combine(day, opens, tzinfo=zone),
        datetime.combine(day, closes, tzinfo=zone),
    )
