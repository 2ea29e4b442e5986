"""Reads of the schedule, scoped to the actor's clinic and audited.

An appointment, course, shift or plan of another clinic (or none) answers 404 with a denied
audit row. The day and week views run a fixed number of queries whatever the number of chairs,
nurses and appointments (tested); each writes one audit row for the listing.

Modules: ``appointments`` (one visit, a patient's visits, today's bookings, the calendar
feed), ``schedule`` (day and week), ``series`` (series proposals and the work list),
``plans`` (the optimiser's proposals, the rota).
"""

from ivmt.scheduling.selectors.appointments import (
    AppointmentDetail,
    FeedContent,
    appointment_detail,
    appointment_get,
    calendar_feed_read,
    chart_panel,
    move_check,
    patient_has_feed,
    patient_upcoming,
    todays_bookings,
)
from ivmt.scheduling.selectors.plans import MoveRow, ProposalView, proposal_view, shifts_between
from ivmt.scheduling.selectors.schedule import (
    Cell,
    DaySchedule,
    Row,
    WeekDay,
    WeekSchedule,
    day_schedule,
    week_schedule,
)
from ivmt.scheduling.selectors.series import SeriesPlan, ToBook, series_plan, series_to_book

__all__ = [
    "AppointmentDetail",
    "Cell",
    "DaySchedule",
    "FeedContent",
    "MoveRow",
    "ProposalView",
    "Row",
    "SeriesPlan",
    "ToBook",
    "WeekDay",
    "WeekSchedule",
    "appointment_detail",
    "appointment_get",
    "calendar_feed_read",
    "chart_panel",
    "day_schedule",
    "move_check",
    "patient_has_feed",
    "patient_upcoming",
    "proposal_view",
    "series_plan",
    "series_to_book",
    "shifts_between",
    "todays_bookings",
    "week_schedule",
]
