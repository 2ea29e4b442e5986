from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ivmt.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
