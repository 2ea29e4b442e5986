from django.urls import path

from ivmt.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_outcomes, name="patient"),
    path("patients/<int:patient_id>/record/<slug:instrument_id>/", views.record, name="record"),
    path("responses/<int:response_id>/", views.response_detail, name="response"),
    path("responses/<int:response_id>/error/", views.response_mark_error, name="response_error"),
    path(
        "responses/<int:response_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("reviews/", views.review_queue, name="queue"),
    path("reviews/<int:review_point_id>/", views.review, name="review"),
    path("programme/", views.programme, name="programme"),
    path("programme/export.csv", views.research_export, name="export"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/<slug:instrument_id>/wording/", views.wording_edit, name="wording"),
]
