from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ivmt.billing"
    label = "billing"
