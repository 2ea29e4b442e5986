from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "ivmt.pharmacy"
    label = "pharmacy"
