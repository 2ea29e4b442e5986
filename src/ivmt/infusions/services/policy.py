"""The clinic's infusion policy: hold limits and the optional vital signs it charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ivmt.accounts.models import Clinic
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.vital_signs import check_hold_limits, hold_limit_defaults, vitals
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.infusions.models import InfusionPolicy
from ivmt.patients.errors import EditConflict


@dataclass(frozen=True)
class Policy:
    """A clinic's hold limits (limit id → value) and the vital ids it charts, in data order."""

    hold_limits: dict[str, Decimal]
    charted: tuple[str, ...]
    version: int


def policy_for(clinic: Clinic) -> Policy:
    """The clinic's policy, or the data's defaults until the medical director sets one."""
    row = InfusionPolicy.objects.filter(clinic=clinic).first()
    limits = hold_limit_defaults()
    optional: set[str] = set()
    version = 1
    if row is not None:
        limits.update({k: Decimal(v) for k, v in (row.hold_limits or {}).items() if k in limits})
        optional = set(row.charted_vitals or [])
        version = row.version
    charted = tuple(v.id for v in vitals() if v.always or v.id in optional)
    return Policy(hold_limits=limits, charted=charted, version=version)


def infusion_policy_update(
    *,
    actor: Actor,
    expected_version: int,
    hold_limits: Mapping[str, Decimal],
    charted_vitals: Sequence[str],
) -> InfusionPolicy:
    """The medical director sets the hold limits (within the data's ranges) and the optional
    vital signs charted. Raises PermissionDenied, ValidationError or EditConflict."""
    actor.require("infusions.configure")
    if not actor.is_medical_director:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="infusions.configure",
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not the medical director",
        )
        raise PermissionDenied("Only the clinic's medical director sets the hold limits.")
    try:
        complete = check_hold_limits(dict(hold_limits))
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    optional = {v.id for v in vitals() if not v.always}
    unknown = sorted(set(charted_vitals) - optional)
    if unknown:
        raise ValidationError({"charted_vitals": f"Unknown optional vital sign '{unknown[0]}'."})
    with transaction.atomic():
        row, _ = InfusionPolicy.objects.select_for_update().get_or_create(clinic=actor.clinic)
        if row.version != expected_version:
            raise EditConflict(
                "Someone changed the infusion policy after you opened it. Nothing was saved: "
                "reload and choose again."
            )
        before = {k: Decimal(v) for k, v in (row.hold_limits or {}).items()}
        row.hold_limits = {k: f"{v.normalize():f}" for k, v in complete.items()}
        row.charted_vitals = [v.id for v in vitals() if v.id in set(charted_vitals)]
        row.updated_by = actor.user
        row.version += 1
        row.save()
        changed = sorted(k for k, v in complete.items() if before.get(k) != v)
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="infusions.configure",
            object_type="infusionpolicy",
            object_id=row.pk,
            ip=actor.ip,
            detail=("limits: " + ", ".join(changed) if changed else "limits unchanged")
            + "; charts: "
            + (", ".join(row.charted_vitals) or "pressure and pulse only"),
        )
    return row
