"""Writes to the clinic's chairs (manager only, audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.scheduling.models import Chair


def chair_add(*, actor: Actor, name: str, note: str = "") -> Chair:
    actor.require("clinic.configure")
    name = name.strip()
    if not name:
        raise ValidationError("Give the chair a name.")
    with transaction.atomic():
        if Chair.objects.filter(clinic=actor.clinic, name__iexact=name).exists():
            raise ValidationError(f"There is already a chair called {name}.")
        chair = Chair.objects.create(clinic=actor.clinic, name=name, note=note.strip())
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="chair.add",
            object_type="chair",
            object_id=chair.pk,
            ip=actor.ip,
        )
    return chair


def chair_set_in_service(*, actor: Actor, chair_id: int, in_service: bool) -> Chair:
    actor.require("clinic.configure")
    with transaction.atomic():
        chair = Chair.objects.select_for_update().filter(clinic=actor.clinic, pk=chair_id).first()
        if chair is None:
            raise ValidationError("That chair does not exist.")
        chair.in_service = in_service
        chair.save(update_fields=["in_service"])
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="chair.in_service" if in_service else "chair.out_of_service",
            object_type="chair",
            object_id=chair.pk,
            ip=actor.ip,
        )
    return chair
