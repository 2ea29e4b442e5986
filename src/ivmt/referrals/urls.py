from django.urls import path

from ivmt.referrals import views

app_name = "referrals"

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_referrals, name="patient"),
    path("patients/<int:patient_id>/new/", views.referral_create, name="create"),
    path("<int:referral_id>/status/", views.referral_status, name="status"),
    path("<int:referral_id>/letter/", views.referral_letter, name="letter"),
    path("overdue/", views.overdue, name="overdue"),
    path("directory/", views.directory, name="directory"),
    path("directory/add/", views.entry_add, name="entry_add"),
    path("directory/<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("directory/own/", views.own_entry, name="own_entry"),
]
