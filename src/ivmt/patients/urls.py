from django.urls import path

from ivmt.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register, name="register"),
    path("<int:patient_id>/", views.patient_chart, name="chart"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/labs/add/", views.lab_add, name="lab_add"),
    path("<int:patient_id>/labs/error/", views.lab_mark_error, name="lab_mark_error"),
    path("<int:patient_id>/medications/add/", views.medication_add, name="medication_add"),
    path("<int:patient_id>/medications/stop/", views.medication_stop, name="medication_stop"),
    path("<int:patient_id>/medications/code/", views.medication_code, name="medication_code"),
    path("<int:patient_id>/allergies/add/", views.allergy_add, name="allergy_add"),
    path("<int:patient_id>/allergies/code/", views.allergy_code, name="allergy_code"),
    path("<int:patient_id>/conditions/add/", views.condition_add, name="condition_add"),
    path("<int:patient_id>/indications/", views.indications_edit, name="indications"),
]
