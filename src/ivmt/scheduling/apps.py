from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ivmt.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
