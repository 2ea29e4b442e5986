from django.urls import path

from ivmt.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("chairs/", views.chairs, name="chairs"),
    path("chairs/<int:chair_id>/service/", views.chair_service, name="chair_service"),
]
