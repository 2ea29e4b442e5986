"""Eligibility screening: runs of the rule engine over a patient's facts, physician decisions,
the medical director's approval of the knowledge version, and the intake form."""

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ivmt.screening"
    label = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        # Re-screen on chart changes. The patients app announces them through the core's
        # observer registry and never imports screening (ARCHITECTURE.md import direction).
        from ivmt.core.observers import chart_listen
        from ivmt.screening.services import rescreen_on_chart_change

        chart_listen(rescreen_on_chart_change)
