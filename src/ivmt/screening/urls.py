from django.urls import path

from ivmt.screening import views

app_name = "screening"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("knowledge/approve/", views.knowledge_approve, name="knowledge_approve"),
    path("policy/", views.policy, name="policy"),
    path("sources/", views.source_list, name="sources"),
    path("patient/<int:patient_id>/", views.patient_screening, name="patient"),
    path("patient/<int:patient_id>/run/", views.screen_now, name="run_now"),
    path("patient/<int:patient_id>/intake/", views.intake, name="intake"),
    path("patient/<int:patient_id>/labs/request/", views.request_labs, name="request_labs"),
    path("run/<int:run_id>/", views.run_detail, name="run"),
    path("run/<int:run_id>/decide/", views.decide, name="decide"),
]
