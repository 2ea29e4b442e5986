from django.urls import path

from ivmt.pharmacy import views

app_name = "pharmacy"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dose/<int:dose_id>/prepare/", views.prepare, name="prepare"),
    path("bag/<int:record_id>/", views.bag, name="bag"),
    path("bag/<int:record_id>/verify/", views.bag_verify, name="verify"),
    path("bag/<int:record_id>/dispense/", views.bag_dispense, name="dispense"),
    path("bag/<int:record_id>/waste/", views.bag_waste, name="waste"),
    path("bag/<int:record_id>/worksheet.pdf", views.worksheet_document, name="worksheet_pdf"),
    path("bag/<int:record_id>/label.pdf", views.label_document, name="label_pdf"),
    path("scan/", views.scan, name="scan"),
    path("patient/<int:patient_id>/administer/", views.administer, name="administer"),
    path("stock/", views.stock, name="stock"),
    path("stock/receive/", views.receive, name="receive"),
    path("stock/lot/<int:lot_id>/quarantine/", views.quarantine, name="quarantine"),
    path("recall/", views.recall, name="recall"),
    path("recall/lot/<int:lot_id>/", views.recall_lot, name="recall_lot"),
    path("recall/lot/<int:lot_id>/export.csv", views.recall_export, name="recall_csv"),
    path("settings/", views.pharmacy_settings, name="settings"),
]
