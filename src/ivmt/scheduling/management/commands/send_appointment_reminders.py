"""``manage.py send_appointment_reminders``: e-mail each booked appointment's reminder once,
when it falls within the clinic's reminder window (``SchedulingSettings.reminder_hours``).

Run it every few minutes to every hour (cron or a systemd timer); running it twice sends
nothing twice. It prints counts per clinic only (never patient names: command output ends up
in logs).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ivmt.scheduling.services import appointment_reminders_send


class Command(BaseCommand):
    help = "Send appointment reminders (with the pre-visit advice) due within each clinic's window."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = appointment_reminders_send()
        if not sent:
            self.stdout.write("No reminder is due.")
            return
        for clinic_id, count in sorted(sent.items()):
            self.stdout.write(f"Clinic {clinic_id}: {count} reminder(s) sent.")
