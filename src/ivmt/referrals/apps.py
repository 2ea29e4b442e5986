from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "ivmt.referrals"
    label = "referrals"
