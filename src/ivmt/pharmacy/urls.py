from django.urls import URLPattern

app_name = "pharmacy"

urlpatterns: list[URLPattern] = []
