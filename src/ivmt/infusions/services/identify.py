"""Positive identification: the patient's wristband and the bag, scanned or typed.

The wristband carries a random code (not the MRN): printed on the band as a Code 128 barcode.
At the chair both are scanned; the dose is identified only when the band is this patient's
current one and the bag was made for this patient's dose of today, verified by a second
pharmacist, dispensed to the chair, within its beyond-use time, for a course still in force.
Every wrong patient, wrong bag, unverified bag or passed beyond-use time is refused with the
reason, leaves a denied audit row, and changes nothing.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import InfusionChart, Wristband
from ivmt.infusions.services._common import audit, bump, locked_chart, refusal
from ivmt.orders.errors import audited_refusals
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord

_NOT_CODE = re.compile(r"[\s\-]")


def normalise_code(raw: str) -> str:
    """A scanned or typed code: spaces and dashes dropped, upper case (Crockford's O → 0,
    I and L → 1, as the alphabet never uses them)."""
    code = _NOT_CODE.sub("", raw or "").upper()
    return code.replace("O", "0").replace("I", "1").replace("L", "1")[:40]


def wristband_issue(*, actor: Actor, patient: Patient, replace_reason: str = "") -> Wristband:
    """The patient's current wristband; a new one is made when there is none, or when an
    existing one is replaced (lost, damaged) with a reason — the old code then stops scanning."""
    actor.require("infusions.wristband", patient_id=patient.pk)
    if patient.clinic_id != actor.clinic.pk:
        raise PermissionDenied("This patient is not in your clinic.")
    replace_reason = replace_reason.strip()
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        current = Wristband.objects.filter(patient=patient, revoked_at__isnull=True).first()
        if current is not None and not replace_reason:
            return current
        now = timezone.now()
        if current is not None:
            current.revoked_at = now
            current.revoked_by = actor.user
            current.revoke_reason = replace_reason[:200]
            current.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        try:
            with transaction.atomic():
                band = Wristband.objects.create(
                    clinic=actor.clinic, patient=patient, issued_by=actor.user, issued_at=now
                )
        except IntegrityError:
            raise ValidationError("A wristband was issued at the same moment; reload.") from None
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="wristband.issue",
            patient_id=patient.pk,
            object_type="wristband",
            object_id=band.pk,
            ip=actor.ip,
            detail="replaced" if current is not None else "first",
        )
    return band


def _wristband(actor: Actor, chart: InfusionChart, code: str) -> Wristband:
    band = Wristband.objects.filter(clinic=actor.clinic, code=code).first()
    if band is None:
        if CompoundingRecord.objects.filter(clinic=actor.clinic, bag_code=code).exists():
            raise ValidationError(
                {"wristband_code": "That is a bag's barcode: scan the patient's wristband here."}
            )
        raise ValidationError(
            {"wristband_code": "No wristband with this code in this clinic: scan it again."}
        )
    if band.patient_id != chart.patient_id:
        raise refusal(
            chart,
            {
                "wristband_code": "WRONG PATIENT: this wristband belongs to another patient. "
                "Do not start; check the patient's identity."
            },
            "infusion.identify",
            "wristband of another patient",
        )
    if band.revoked_at is not None:
        raise refusal(
            chart,
            {
                "wristband_code": "This wristband was replaced and no longer identifies the "
                "patient: use the current one (print it again if lost)."
            },
            "infusion.identify",
            "replaced wristband",
        )
    return band


def _bag(actor: Actor, chart: InfusionChart, code: str) -> CompoundingRecord:
    bag = (
        CompoundingRecord.objects.filter(clinic=actor.clinic, bag_code=code)
        .select_related("dose")
        .first()
    )
    if bag is None:
        if Wristband.objects.filter(clinic=actor.clinic, code=code).exists():
            raise ValidationError({"bag_code": "That is a wristband's barcode: scan the bag here."})
        raise ValidationError({"bag_code": "No bag with this code in this clinic: scan it again."})

    def wrong(message: str, detail: str) -> Exception:
        return refusal(chart, {"bag_code": message}, "infusion.identify", detail)

    if bag.patient_id != chart.patient_id:
        raise wrong(
            "WRONG BAG: this bag is labelled for another patient. Do not give it; return it to "
            "the pharmacy.",
            "bag labelled for another patient",
        )
    if bag.dose_id != chart.dose_id:
        raise wrong(
            f"WRONG BAG: this bag was made for this patient's dose {bag.dose.number} "
            f"(planned {bag.dose.date:%d %b}), not for today's dose. Do not give it.",
            "bag made for another dose",
        )
    zone = actor.clinic.zone
    if bag.status == CompoundingRecord.Status.PREPARED:
        raise wrong(
            "This bag has not been verified by a second pharmacist. Do not give it; ask the "
            "pharmacy.",
            "bag not verified",
        )
    if bag.status == CompoundingRecord.Status.VERIFIED:
        raise wrong(
            "This bag is verified but was not dispensed to the chair: ask the pharmacy to "
            "dispense it.",
            "bag not dispensed",
        )
    if bag.status != CompoundingRecord.Status.DISPENSED:
        raise wrong(
            f"This bag is {bag.get_status_display().lower()}; it cannot be given.",
            f"bag {bag.status}",
        )
    if timezone.now() >= bag.beyond_use_at:
        raise wrong(
            "This bag passed its beyond-use time "
            f"({timezone.localtime(bag.beyond_use_at, zone):%Y-%m-%d %H:%M}). Do not give it; "
            "the pharmacy wastes it and makes a new one.",
            "past beyond-use time",
        )
    status = CourseOrder.objects.filter(pk=bag.order_id).values_list("status", flat=True)[0]
    if status not in (CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED):
        raise wrong(
            f"The course this bag was made for is {CourseOrder.Status(status).label.lower()}; "
            "do not give it.",
            "course not in force",
        )
    return bag


def chart_identify(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    wristband_code: str,
    bag_code: str,
) -> InfusionChart:
    """Scan the wristband and the bag at the chair (see the module docstring)."""
    actor.require("infusions.chart")
    band_code, code = normalise_code(wristband_code), normalise_code(bag_code)
    errors = {}
    if not band_code:
        errors["wristband_code"] = "Scan or type the patient's wristband."
    if not code:
        errors["bag_code"] = "Scan or type the bag's barcode."
    if errors:
        raise ValidationError(errors)
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.identify")
        if chart.status == InfusionChart.Status.HELD:
            raise ValidationError("The dose is held: a physician releases it first.")
        if chart.status != InfusionChart.Status.ARRIVED:
            raise ValidationError(
                f"Identification is done at arrival; this chart is "
                f"{chart.get_status_display().lower()}."
            )
        band = _wristband(actor, chart, band_code)
        bag = _bag(actor, chart, code)
        chart.wristband = band
        chart.bag = bag
        chart.identified_at = timezone.now()
        chart.identified_by = actor.user
        chart.status = InfusionChart.Status.READY
        bump(chart)
        audit(actor, "infusion.identify", chart, f"bag {bag.pk}")
    return chart
