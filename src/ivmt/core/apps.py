from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ivmt.core"
    label = "core"
    verbose_name = "IVMT core"
