from django.urls import include, path

urlpatterns = [
    path("", include("ivmt.home.urls")),
    path("account/", include("ivmt.accounts.urls")),
    path("patients/", include("ivmt.patients.urls")),
    path("manage/", include("ivmt.core.urls")),
    path("manage/", include("ivmt.scheduling.urls")),
    path("screening/", include("ivmt.screening.urls")),
    path("orders/", include("ivmt.orders.urls")),
    path("pharmacy/", include("ivmt.pharmacy.urls")),
    path("infusions/", include("ivmt.infusions.urls")),
    path("outcomes/", include("ivmt.outcomes.urls")),
    path("billing/", include("ivmt.billing.urls")),
    path("referrals/", include("ivmt.referrals.urls")),
]
