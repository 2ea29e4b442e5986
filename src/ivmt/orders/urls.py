from django.urls import path

from ivmt.orders import views

app_name = "orders"

urlpatterns = [
    path("patient/<int:patient_id>/", views.patient_orders, name="patient_orders"),
    path("patient/<int:patient_id>/new/", views.order_new, name="new"),
    path("calculate/", views.order_calculate, name="calculate"),
    path("settings/", views.order_settings, name="settings"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/edit/", views.order_edit, name="edit"),
    path("<int:order_id>/change/", views.order_amend, name="amend"),
    path("<int:order_id>/sign/", views.order_sign, name="sign"),
    path("<int:order_id>/discard/", views.order_discard, name="discard"),
    path("<int:order_id>/stop/", views.order_stop, name="stop"),
]
