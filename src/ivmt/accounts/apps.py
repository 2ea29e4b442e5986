from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ivmt.accounts"
    label = "accounts"
    verbose_name = "Accounts and clinics"

    def ready(self) -> None:
        from ivmt.accounts import signals  # noqa: F401  # connects the sign-in audit receivers
