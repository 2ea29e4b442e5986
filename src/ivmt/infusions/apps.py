from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "ivmt.infusions"
    label = "infusions"
    verbose_name = "Infusion charting"
