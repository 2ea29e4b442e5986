"""Demo directory and nutritionist referrals (``ivmt.demo.EXTENSIONS``, last).

Directory: three compounding pharmacies (one that makes the Myers' cocktail, one
preservative-free vitamin C, one out of state), two prescribers, three nutritionists, and the
clinic's own entry shared with other clinics; the Lakeside clinic shares a nutritionist and
keeps a pharmacy to itself (Riverside sees the first, not the second). Referrals in every
status: sent this week, appointment made, seen, declined, and three overdue (no change for
over 30 days, reminded by the daily job), written through the services with their dates moved
back as the weeks would have passed (``update()`` here is the demo's time travel only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.referrals import services
from ivmt.referrals.models import DirectoryEntry, Referral, ReferralEvent

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

ENTRIES = [
    (
        "pharmacy",
        "Elm Street Compounding Pharmacy",
        "Hartford",
        "CT",
        "Myers' cocktail (IVMT) bags and syringes; magnesium chloride; preservative-free B complex",
        True,
        "+1 860 555 2100",
    ),
    (
        "pharmacy",
        "Connecticut Sterile Compounders",
        "New Haven",
        "CT",
        "Preservative-free ascorbic acid; hydroxocobalamin; sterile water",
        False,
        "+1 203 555 3300",
    ),
    (
        "pharmacy",
        "Bay State Infusion Pharmacy",
        "Springfield",
        "MA",
        "IVMT, glutathione, trace elements",
        True,
        "+1 413 555 4410",
    ),
    (
        "prescriber",
        "Dr Alan Whitcombe",
        "Farmington",
        "CT",
        "Prescribes IVMT for migraine and fibromyalgia",
        True,
        "+1 860 555 7300",
    ),
    (
        "prescriber",
        "Dr Imani Osei",
        "Providence",
        "RI",
        "Integrative medicine; IVMT for fatigue",
        True,
        "+1 401 555 8120",
    ),
    (
        "nutritionist",
        "Grace Okoro, RDN",
        "Hartford",
        "CT",
        "Migraine and elimination diets",
        False,
        "+1 860 555 6200",
    ),
    (
        "nutritionist",
        "Tomás Herrera, MS, RD",
        "West Hartford",
        "CT",
        "Fibromyalgia, anti-inflammatory eating",
        False,
        "+1 860 555 6310",
    ),
    (
        "nutritionist",
        "Hannah Lee, RDN",
        "Glastonbury",
        "CT",
        "Chronic fatigue, malabsorption",
        False,
        "+1 860 555 6420",
    ),
]


def _values(
    kind: str,
    name: str,
    city: str,
    state: str,
    compounds: str,
    ivmt: bool,
    phone: str,
    shared: bool = False,
) -> dict[str, object]:
    return {
        "kind": kind,
        "name": name,
        "city": city,
        "state": state,
        "compounds": compounds,
        "offers_ivmt": ivmt,
        "phone": phone,
        "shared": shared,
    }


def _age(referral: Referral, days: int) -> None:
    """Move a demo referral's dates back as if written ``days`` ago (demo only)."""
    when = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(created_at=when, status_changed_at=when)
    ReferralEvent.objects.filter(referral=referral).update(at=when)


def load(ctx: DemoContext) -> None:
    if DirectoryEntry.objects.filter(clinic=ctx.clinic).exists():
        return
    morgan = Actor(user=ctx.users["morgan"], clinic=ctx.clinic, role=Role.MANAGER)
    fran = Actor(user=ctx.users["fran"], clinic=ctx.clinic, role=Role.FRONT_DESK)
    for row in ENTRIES:
        services.directory_entry_create(actor=fran, values=_values(*row))
    services.directory_entry_create(
        actor=morgan,
        represents_clinic=True,
        values=_values(
            "prescriber",
            ctx.clinic.name,
            "Hartford",
            "CT",
            "IVMT (seed recipe and Yale formula) for migraine, fibromyalgia, fatigue",
            True,
            ctx.clinic.phone or "+1 860 555 1000",
            shared=True,
        ),
    )
    lakeside = ctx.second_clinic
    DirectoryEntry.objects.create(
        clinic=lakeside,
        updated_by=ctx.users["morgan"],
        **_values(
            "nutritionist",
            "Priyanka Rao, RDN",
            "Chicago",
            "IL",
            "Gut health, low-FODMAP",
            False,
            "+1 312 555 0190",
            shared=True,
        ),
    )
    DirectoryEntry.objects.create(
        clinic=lakeside,
        updated_by=ctx.users["morgan"],
        **_values(
            "pharmacy",
            "Lakeside in-house compounding",
            "Chicago",
            "IL",
            "IVMT for Lakeside patients only",
            True,
            "+1 312 555 0100",
        ),
    )
    nutritionists = list(
        DirectoryEntry.objects.filter(clinic=ctx.clinic, kind="nutritionist").order_by("name")
    )
    plan = [  # (patient index, status, days ago)
        (0, "seen", 40),
        (4, "appointment_made", 12),
        (6, "declined", 20),
        (7, "sent", 3),
        (8, "sent", 35),
        (10, "appointment_made", 45),
        (11, "sent", 62),
    ]
    for number, (index, status, days) in enumerate(plan):
        patient = ctx.patients[index]
        referral = services.referral_create(
            actor=fran,
            patient=patient,
            nutritionist_id=nutritionists[number % 3].pk,
            question="Diet review for migraine triggers and magnesium-rich foods."
            if number % 2 == 0
            else "",
        )
        if status != "sent":
            referral = services.referral_update_status(
                actor=fran,
                referral_id=referral.pk,
                expected_version=referral.version,
                status=status,
                appointment_on=ctx.today + timedelta(days=9)
                if status == "appointment_made"
                else None,
            )
        _age(referral, days)
    services.referral_reminders_mark(now=timezone.now() - timedelta(days=1))
