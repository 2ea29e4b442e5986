from django.urls import include, path

urlpatterns = [
    path("", include("ivmt.home.urls")),
    path("account/", include("ivmt.accounts.urls")),
    path("patients/", include("ivmt.patients.urls")),
    path("manage/", include("ivmt.core.urls")),
    path("manage/", include("ivmt.scheduling.urls")),
]
