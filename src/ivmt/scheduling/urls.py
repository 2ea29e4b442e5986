from django.urls import path

from ivmt.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("chairs/", views.chairs, name="chairs"),
    path("chairs/<int:chair_id>/service/", views.chair_service, name="chair_service"),
    path("schedule/", views.day, name="day"),
    path("schedule/week/", views.week, name="week"),
    path("schedule/to-book/", views.to_book, name="to_book"),
    path("schedule/settings/", views.scheduling_settings, name="settings"),
    path("schedule/shifts/", views.shifts, name="shifts"),
    path("schedule/shifts/<int:shift_id>/remove/", views.shift_remove, name="shift_remove"),
    path("schedule/series/<int:order_id>/", views.series, name="series"),
    path("schedule/appointments/<int:appointment_id>/", views.appointment, name="appointment"),
    path(
        "schedule/appointments/<int:appointment_id>/move/",
        views.appointment_move,
        name="move",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/check/",
        views.appointment_check,
        name="check",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="cancel",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/status/",
        views.appointment_status,
        name="status",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/waste-bag/",
        views.no_show_waste,
        name="waste_bag",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/calendar.ics",
        views.appointment_ics,
        name="ics",
    ),
    path("schedule/optimise/", views.optimise, name="optimise"),
    path("schedule/plans/<int:proposal_id>/", views.proposal, name="proposal"),
    path("schedule/plans/<int:proposal_id>/accept/", views.proposal_accept, name="proposal_accept"),
    path(
        "schedule/plans/<int:proposal_id>/discard/",
        views.proposal_discard,
        name="proposal_discard",
    ),
    path(
        "schedule/patients/<int:patient_id>/appointments/",
        views.chart_panel,
        name="chart_panel",
    ),
    path(
        "schedule/patients/<int:patient_id>/calendar-feed/",
        views.calendar_feed_manage,
        name="feed_manage",
    ),
    # The patient's calendar app fetches this without signing in: the token is the key.
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
