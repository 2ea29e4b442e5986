"""Writes of the scheduling app, one audited change per call inside one transaction.

Modules: ``resources`` (chairs, settings, nurses' shifts), ``booking`` (one visit: book, move,
cancel), ``statuses`` (arrived, infusing, done, no-show and its bag), ``series`` (a whole
series, and rebooking after an order changes), ``optimise`` (the day's plan: propose, apply,
discard), ``feeds`` (calendar feeds), ``notify`` (e-mails and reminders).

Lock order, shared by every service here and continuing the orders app's: the patient, the
planned doses (by number), the nurses' shifts of a day (by id), then appointments (by id); the
pharmacy's (dose → bag) is only entered through its own waste service.
"""

from ivmt.scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from ivmt.scheduling.services.feeds import calendar_feed_create, calendar_feed_revoke
from ivmt.scheduling.services.notify import appointment_reminders_send
from ivmt.scheduling.services.optimise import day_optimise, day_plan_apply, day_plan_discard
from ivmt.scheduling.services.resources import (
    ShiftPattern,
    chair_add,
    chair_set_in_service,
    nurse_shift_remove,
    nurse_shifts_add,
    scheduling_settings_update,
)
from ivmt.scheduling.services.series import SeriesPick, series_book, stale_appointments_cancel
from ivmt.scheduling.services.statuses import appointment_set_status, no_show_bag_waste

__all__ = [
    "SeriesPick",
    "ShiftPattern",
    "appointment_book",
    "appointment_cancel",
    "appointment_move",
    "appointment_reminders_send",
    "appointment_set_status",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "chair_add",
    "chair_set_in_service",
    "day_optimise",
    "day_plan_apply",
    "day_plan_discard",
    "no_show_bag_waste",
    "nurse_shift_remove",
    "nurse_shifts_add",
    "scheduling_settings_update",
    "series_book",
    "stale_appointments_cancel",
]
