"""Demo screening (``ivmt.demo.EXTENSIONS``, before the orders and pharmacy demo).

Through the same services the pages use:

* Dr Diaz, the medical director, approves the knowledge version in force for Riverside (the
  demo then shows the gate working; Lakeside is left unapproved, so its pages show the "not yet
  approved" banner);
* Nurse Nadia records an intake for every patient (pregnancy status, symptoms, the
  nutritionist referral offered, accepted or declined), which screens each one. The base demo's
  medications and allergies are coded by name (``ivmt.demo.SPECIALS``), so the runs show every
  kind of outcome: patient 1 on digoxin is blocked (hard stop, left for Dr Diaz in the queue),
  patient 5 (myasthenia gravis) likewise, patient 8 (kidney stones with vitamin C) awaits a
  physician review, patient 7 (diabetes: fingerstick glucose) is a caution that Dr Diaz approved;
* Dr Diaz overrides patient 4's thiamine-allergy hard stop with a written reason (B-complex
  left out), so the chart shows an override, and approves the plain patients whose screening is
  clear;
* patient 20's magnesium results are marked entered in error (a haemolysed sample), so the
  baseline-magnesium hard stop appears and Nadia records the one-click lab request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening import services
from ivmt.screening.errors import ScreeningError
from ivmt.screening.models import Intake

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

BLOCKED = (1, 5)  # left awaiting Dr Diaz: digoxin, myasthenia gravis
AWAITING_REVIEW = (8,)
OVERRIDDEN = {
    4: "Thiamine allergy: the B-complex is left out of her formula; anaphylaxis kit "
    "and epinephrine in the room for the first infusion."
}
APPROVE_FROM = 7  # patients 7 and 12 onwards are approved when nothing stops it
LAB_ERROR_PATIENT = 20
REFERRALS = (
    Intake.Referral.ACCEPTED,
    Intake.Referral.DECLINED,
    Intake.Referral.OFFERED,
    Intake.Referral.ACCEPTED,
)
SYMPTOMS = {
    "migraine": "Migraine about 8 days a month, 2 with vomiting; triptans help partly.",
    "fibromyalgia": "Widespread pain and poor sleep; tender points at most sites.",
}


def _actor(ctx: DemoContext, username: str, role: Role, director: bool = False) -> Actor:
    return Actor(
        user=ctx.users[username], clinic=ctx.clinic, role=role, is_medical_director=director
    )


def _intake(nurse: Actor, patient: Patient, index: int) -> None:
    female = patient.sex_at_birth == Patient.Sex.FEMALE
    indication = patient.indications.first()
    services.intake_save(
        actor=nurse,
        patient=patient,
        expected_version=None,
        values={
            "symptoms_baseline": SYMPTOMS.get(
                indication.code if indication else "", "Symptoms as in the referral letter."
            ),
            "symptom_severity": 4 + index % 6,
            "pregnancy_status": "not_pregnant" if female else "not_applicable",
            "breastfeeding": False,
            "medications_reviewed": True,
            "allergies_reviewed": True,
            "nutritionist_referral": REFERRALS[index % len(REFERRALS)],
        },
    )


def load(ctx: DemoContext) -> None:
    director = _actor(ctx, "diaz", Role.PHYSICIAN, director=True)
    nurse = _actor(ctx, "nadia", Role.NURSE)
    services.knowledge_approve(
        actor=director, note="Demo: reviewed with the pharmacists; unverified items noted."
    )
    for index, patient in enumerate(ctx.patients):
        if index == LAB_ERROR_PATIENT:
            for result in patient.lab_results.filter(analyte="magnesium", entered_in_error=False):
                patient_services.lab_result_mark_error(
                    actor=nurse, patient=patient, result_id=result.pk, reason="Haemolysed sample"
                )
        _intake(nurse, patient, index)
    for index, patient in enumerate(ctx.patients):
        run = patient.screening_runs.order_by("-id").first()
        if run is None or index in BLOCKED or index in AWAITING_REVIEW:
            continue
        try:
            if index in OVERRIDDEN:
                services.screening_decide(
                    actor=director, run_id=run.pk, decision="override", reason=OVERRIDDEN[index]
                )
            elif index == LAB_ERROR_PATIENT:
                services.lab_request_create(actor=nurse, patient=patient)
            elif index >= APPROVE_FROM and index != 11 and run.hard_stop_count == 0:
                services.screening_decide(actor=director, run_id=run.pk, decision="approve")
        except ScreeningError:
            continue  # a random lab made this one a hard stop: it stays in the queue
