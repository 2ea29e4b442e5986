from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ivmt.screening"
    label = "screening"
