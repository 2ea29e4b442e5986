from django.urls import path

from ivmt.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("clinic/choose/", views.choose_clinic, name="choose_clinic"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("clinic/settings/", views.clinic_settings, name="clinic_settings"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:membership_id>/active/", views.staff_set_active, name="staff_set_active"),
]
