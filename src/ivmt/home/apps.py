from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "ivmt.home"
    label = "home"
