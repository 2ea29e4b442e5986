from django.urls import path

from ivmt.billing import views

app_name = "billing"

urlpatterns = [
    path("patients/<int:patient_id>/consents/", views.consents, name="consents"),
    path(
        "patients/<int:patient_id>/sign/consent/",
        views.sign,
        {"kind": "consent"},
        name="sign_consent",
    ),
    path(
        "patients/<int:patient_id>/sign/waiver/",
        views.sign,
        {"kind": "waiver"},
        name="sign_waiver",
    ),
    path("signed/<int:document_id>/", views.document_view, name="document"),
    path("signed/<int:document_id>/pdf/", views.document_pdf, name="document_pdf"),
    path("signed/<int:document_id>/withdraw/", views.document_withdraw, name="document_withdraw"),
    path("documents/", views.documents, name="documents"),
    path("patients/<int:patient_id>/account/", views.account, name="account"),
    path("patients/<int:patient_id>/payments/add/", views.payment_add, name="payment_add"),
    path("patients/<int:patient_id>/charges/add/", views.charge_add, name="charge_add"),
    path("patients/<int:patient_id>/packages/sell/", views.package_sell, name="package_sell"),
    path("patients/<int:patient_id>/superbill/", views.superbill, name="superbill"),
    path("charges/<int:charge_id>/void/", views.charge_void, name="charge_void"),
    path("payments/<int:payment_id>/void/", views.payment_void, name="payment_void"),
    path("balances/", views.balances, name="balances"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/packages/", views.package_add, name="package_add"),
    path("settings/npi/", views.provider_npi, name="provider_npi"),
]
