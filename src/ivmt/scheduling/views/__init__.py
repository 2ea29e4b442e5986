"""Scheduling pages. Thin: parse the form, call a selector or a service, render.

A refused write answers its page again with the reasons (HTTP 400; 409 when someone changed the
appointment or the settings meanwhile); nothing is written then. The day view's drag and drop
(``static/ivmt/schedule.js``) only fills the same move form that the appointment page shows,
so moving works without JavaScript too (pick date, time and chair, give the reason).
"""

from ivmt.scheduling.views.appointments import (
    appointment,
    appointment_cancel,
    appointment_check,
    appointment_ics,
    appointment_move,
    appointment_status,
    no_show_waste,
)
from ivmt.scheduling.views.chart import chart_panel
from ivmt.scheduling.views.feeds import calendar_feed, calendar_feed_manage
from ivmt.scheduling.views.plans import optimise, proposal, proposal_accept, proposal_discard
from ivmt.scheduling.views.resources import (
    chair_service,
    chairs,
    scheduling_settings,
    shift_remove,
    shifts,
)
from ivmt.scheduling.views.schedule import day, week
from ivmt.scheduling.views.series import series, to_book

__all__ = [
    "appointment",
    "appointment_cancel",
    "appointment_check",
    "appointment_ics",
    "appointment_move",
    "appointment_status",
    "calendar_feed",
    "calendar_feed_manage",
    "chair_service",
    "chairs",
    "chart_panel",
    "day",
    "no_show_waste",
    "optimise",
    "proposal",
    "proposal_accept",
    "proposal_discard",
    "scheduling_settings",
    "series",
    "shift_remove",
    "shifts",
    "to_book",
    "week",
]
