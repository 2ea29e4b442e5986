"""Writes to clinics and memberships: each checks the manager's capability and is audited."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ivmt.accounts.models import Clinic, ClosedDay, Membership, OpeningHours, User
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.roles import Role


def clinic_update(*, actor: Actor, clinic: Clinic, changes: dict[str, Any]) -> Clinic:
    actor.require("clinic.configure")
    if clinic.pk != actor.clinic.pk:
        raise ValidationError("You can only change your own clinic.")
    allowed = {"name", "time_zone", "address", "phone", "idle_timeout_minutes", "require_staff_2fa"}
    with transaction.atomic():
        for field, value in changes.items():
            if field not in allowed:
                raise ValidationError(f"{field} cannot be changed here.")
            setattr(clinic, field, value)
        clinic.full_clean()
        clinic.save()
        audit_record(
            user=actor.user,
            clinic_id=clinic.pk,
            action="clinic.update",
            object_type="clinic",
            object_id=clinic.pk,
            ip=actor.ip,
            detail="fields: " + ", ".join(sorted(changes)),
        )
    return clinic


def opening_hours_set(*, actor: Actor, weekly: dict[int, tuple[time, time]]) -> None:
    """Replace the clinic's weekly hours; a weekday left out is closed."""
    actor.require("clinic.configure")
    with transaction.atomic():
        OpeningHours.objects.filter(clinic=actor.clinic).delete()
        for weekday, (opens, closes) in sorted(weekly.items()):
            if closes <= opens:
                raise ValidationError("Closing time must be after opening time.")
            OpeningHours.objects.create(
                clinic=actor.clinic, weekday=weekday, opens=opens, closes=closes
            )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="clinic.hours",
            object_type="clinic",
            object_id=actor.clinic.pk,
            ip=actor.ip,
        )


def closed_day_add(*, actor: Actor, day: date, reason: str) -> ClosedDay:
    actor.require("clinic.configure")
    with transaction.atomic():
        if ClosedDay.objects.filter(clinic=actor.clinic, date=day).exists():
            raise ValidationError(f"{day:%d %b %Y} is already a closed day.")
        closed = ClosedDay.objects.create(clinic=actor.clinic, date=day, reason=reason)
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="clinic.closed_day.add",
            object_type="closed_day",
            object_id=closed.pk,
            ip=actor.ip,
        )
    return closed


def closed_day_remove(*, actor: Actor, closed_day_id: int) -> None:
    actor.require("clinic.configure")
    with transaction.atomic():
        deleted, _ = ClosedDay.objects.filter(clinic=actor.clinic, pk=closed_day_id).delete()
        if not deleted:
            raise ValidationError("That closed day does not exist.")
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="clinic.closed_day.remove",
            object_type="closed_day",
            object_id=closed_day_id,
            ip=actor.ip,
        )


def staff_member_add(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    title: str,
    email: str,
    role: str,
    is_medical_director: bool,
    password: str,
) -> Membership:
    """Add a staff member to the actor's clinic, creating the user when the name is new."""
    actor.require("staff.manage")
    if role == Role.PATIENT:
        raise ValidationError("Patients get portal accounts from their chart, not here.")
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            if not password:
                raise ValidationError("A new user needs an initial password.")
            user = User(
                username=username,
                first_name=first_name,
                last_name=last_name,
                title=title,
                email=email,
            )
            user.set_password(password)
            user.save()
        elif Membership.objects.filter(user=user, clinic=actor.clinic).exists():
            raise ValidationError(f"{username} already works at this clinic.")
        membership = Membership.objects.create(
            user=user, clinic=actor.clinic, role=role, is_medical_director=is_medical_director
        )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="staff.add",
            object_type="membership",
            object_id=membership.pk,
            ip=actor.ip,
            detail=f"role {role}",
        )
    return membership


def membership_set_active(*, actor: Actor, membership_id: int, active: bool) -> Membership:
    actor.require("staff.manage")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(clinic=actor.clinic, pk=membership_id)
            .first()
        )
        if membership is None:
            raise ValidationError("That staff member does not exist.")
        if membership.user_id == actor.user.pk and not active:
            raise ValidationError("You cannot deactivate your own account.")
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="staff.activate" if active else "staff.deactivate",
            object_type="membership",
            object_id=membership.pk,
            ip=actor.ip,
        )
    return membership
