"""``manage.py referral_reminders``: mark open nutritionist referrals with no change for 30 days.

Run it daily (cron or a systemd timer). It prints counts per clinic only (never patient names:
command output ends up in logs); the front desk sees the referrals on the dashboard and on
/referrals/overdue/.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ivmt.referrals.services import referral_reminders_mark


class Command(BaseCommand):
    help = "Mark nutritionist referrals with no change for 30 days as needing a follow-up."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = referral_reminders_mark()
        if not counts:
            self.stdout.write("No referral needs a reminder.")
            return
        for clinic_id, count in sorted(counts.items()):
            self.stdout.write(f"Clinic {clinic_id}: {count} referral(s) to follow up.")
