from django.urls import path

from ivmt.infusions import views

app_name = "infusions"

urlpatterns = [
    path("", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board_rows"),
    path("check-in/", views.check_in_list, name="check_in_list"),
    path("check-in/<int:dose_id>/", views.check_in, name="check_in"),
    path("chart/<int:chart_id>/", views.chart, name="chart"),
    path("chart/<int:chart_id>/vitals/", views.chart_vitals, name="vitals"),
    path("chart/<int:chart_id>/identify/", views.chart_identify, name="identify"),
    path("chart/<int:chart_id>/iv/", views.chart_iv, name="iv"),
    path("chart/<int:chart_id>/start/", views.chart_start, name="start"),
    path("chart/<int:chart_id>/rate/", views.chart_rate, name="rate"),
    path("chart/<int:chart_id>/observe/", views.chart_observe, name="observe"),
    path("chart/<int:chart_id>/end/", views.chart_end, name="end"),
    path("chart/<int:chart_id>/finish/", views.chart_finish, name="finish"),
    path("chart/<int:chart_id>/hold/", views.chart_hold, name="hold"),
    path("chart/<int:chart_id>/release/", views.chart_release, name="release"),
    path("chart/<int:chart_id>/not-given/", views.chart_not_given, name="not_given"),
    path("chart/<int:chart_id>/sign/", views.chart_sign, name="sign"),
    path("chart/<int:chart_id>/amend/", views.chart_amend, name="amend"),
    path("patient/<int:patient_id>/", views.patient_infusions, name="patient"),
    path("patient/<int:patient_id>/wristband/", views.wristband, name="wristband"),
    path(
        "patient/<int:patient_id>/wristband.pdf",
        views.wristband_document,
        name="wristband_pdf",
    ),
    path("adverse-events/", views.adverse_event_list, name="adverse_events"),
    path("adverse-event/<int:event_id>/", views.adverse_event, name="adverse_event"),
    path(
        "adverse-event/<int:event_id>/update/",
        views.adverse_event_update,
        name="adverse_event_update",
    ),
    path(
        "adverse-event/<int:event_id>/acknowledge/",
        views.adverse_event_acknowledge,
        name="adverse_event_acknowledge",
    ),
    path("advice/", views.advice_list, name="advice_list"),
    path("advice/<int:advice_id>/", views.advice, name="advice"),
    path("advice/<int:advice_id>/accept/", views.advice_accept, name="advice_accept"),
    path("advice/<int:advice_id>/dismiss/", views.advice_dismiss, name="advice_dismiss"),
    path("settings/", views.policy, name="policy"),
]
