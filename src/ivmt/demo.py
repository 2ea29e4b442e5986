"""The demo clinic: staff of every role, chairs and 30 realistic patients with labs.

Everything is written through the same services the pages use, so the demo also fills the
audit trail exactly as real use would. Random choices use a fixed seed: the demo is the same
on every machine. Dates are relative to today, so the demo never goes stale.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ivmt.accounts.models import Clinic, ClosedDay, Membership, OpeningHours, User
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients import services
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair

# Later apps add their demo data through a module with ``load(ctx: DemoContext) -> None``,
# named here in the order they run (each may rely on the ones before it).
EXTENSIONS: list[str] = [
    "ivmt.screening.demo",
    # Before the pharmacy's: a new course needs the patient's signed consent and waiver.
    "ivmt.billing.demo",
    "ivmt.pharmacy.demo",
    "ivmt.outcomes.demo",
    "ivmt.billing.demo_charges",
    "ivmt.referrals.demo",
    "ivmt.infusions.demo",
    # After the pharmacy's and the infusions': books around their bags and charted visits.
    "ivmt.scheduling.demo",
]

DEMO_CLINIC = "Riverside Integrative Medicine"
SECOND_CLINIC = "Lakeside Infusion Centre"
DEMO_PASSWORD = "ivmt-demo-2026"  # noqa: S105  # printed on purpose: demo logins only

STAFF = [
    # username, title, first, last, role, medical director
    ("diaz", "Dr", "Daniela", "Diaz", Role.PHYSICIAN, True),
    ("okafor", "Dr", "Chidi", "Okafor", Role.PHYSICIAN, False),
    ("nadia", "RN", "Nadia", "Nowak", Role.NURSE, False),
    ("noah", "RN", "Noah", "Nguyen", Role.NURSE, False),
    ("priya", "PharmD", "Priya", "Patel", Role.PHARMACIST, False),
    ("paul", "PharmD", "Paul", "Petrov", Role.PHARMACIST, False),
    ("fran", "", "Fran", "Fischer", Role.FRONT_DESK, False),
    ("morgan", "", "Morgan", "Mills", Role.MANAGER, False),
]

GIVEN_F = [
    "Emma",
    "Olivia",
    "Sophia",
    "Isabella",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Grace",
    "Chloe",
    "Lily",
    "Zoe",
    "Nora",
    "Hannah",
    "Aisha",
    "Mei",
    "Lucia",
    "Ingrid",
]
GIVEN_M = [
    "Liam",
    "Noah",
    "Ethan",
    "Lucas",
    "Mason",
    "Logan",
    "James",
    "Aiden",
    "Elijah",
    "Benjamin",
    "Omar",
    "Kenji",
    "Mateo",
    "Samuel",
]
FAMILY = [
    "Anderson",
    "Brooks",
    "Castillo",
    "Dubois",
    "Ellison",
    "Fernandez",
    "Goldberg",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreno",
    "Nakamura",
    "O'Brien",
    "Price",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zimmerman",
    "Bennett",
    "Carver",
    "Delgado",
    "Eriksen",
]

# Indication mix of a typical IVMT clinic: migraine and fibromyalgia lead.
INDICATION_MIX = (
    ["migraine"] * 9
    + ["fibromyalgia"] * 7
    + [
        "chronic_fatigue_syndrome",
        "chronic_fatigue_syndrome",
        "asthma",
        "asthma",
        "acute_muscle_spasm",
        "recurrent_colds",
        "chronic_sinusitis",
        "seasonal_allergies",
        "depression_anxiety",
        "depression_anxiety",
        "malabsorption",
        "malabsorption",
        "other",
    ]
)

MEDICATIONS = {
    "migraine": [
        ("Topiramate", "50 mg twice daily"),
        ("Sumatriptan", "50 mg as needed"),
        ("Propranolol", "40 mg twice daily"),
    ],
    "fibromyalgia": [
        ("Duloxetine", "60 mg daily"),
        ("Pregabalin", "75 mg twice daily"),
        ("Amitriptyline", "10 mg at night"),
    ],
    "asthma": [
        ("Albuterol inhaler", "2 puffs as needed"),
        ("Fluticasone/salmeterol", "250/50 mcg twice daily"),
    ],
    "depression_anxiety": [("Sertraline", "100 mg daily")],
    "chronic_fatigue_syndrome": [("Low-dose naltrexone", "4.5 mg at night")],
}


@dataclass(frozen=True)
class DemoContext:
    """What the base demo made, for the apps' demo extensions."""

    clinic: Clinic
    second_clinic: Clinic
    users: dict[str, User]
    patients: list[Patient]
    rng: random.Random
    today: date


@dataclass(frozen=True)
class Special:
    """Patients who show the screening rules later issues build on."""

    medication: tuple[str, str] | None = None
    condition: tuple[str, str] | None = None
    allergy: tuple[str, str, str] | None = None
    labs: dict[str, Decimal] | None = None


SPECIALS: dict[int, Special] = {
    0: Special(labs={"magnesium": Decimal("1.4")}),  # low magnesium: the chart flags it
    1: Special(
        medication=("Digoxin", "125 mcg once daily"), condition=("Atrial fibrillation", "I48.91")
    ),
    2: Special(
        condition=("Chronic kidney disease, stage 4", "N18.4"),
        labs={"egfr": Decimal("24"), "creatinine": Decimal("2.6")},
    ),
    3: Special(labs={"potassium": Decimal("3.1")}),
    4: Special(allergy=("Thiamine", "Generalised hives after a B1 injection", "moderate")),
    5: Special(condition=("Myasthenia gravis", "G70.00")),
    6: Special(condition=("G6PD deficiency", "D55.0")),
    7: Special(
        condition=("Type 2 diabetes mellitus", "E11.9"),
        medication=("Metformin", "1000 mg twice daily"),
    ),
    8: Special(condition=("Calcium oxalate kidney stones", "N20.0")),
    9: Special(
        medication=("Levodopa", "100 mg three times daily"),
        condition=("Parkinson disease", "G20.A1"),
    ),
    10: Special(allergy=("Parabens", "Contact dermatitis", "mild")),
    11: Special(labs={"magnesium": Decimal("2.9")}),  # above range
}

BASELINE = {  # typical mid-range values in each analyte's canonical unit
    # Inside the typical adult range, so only the special cases above are flagged.
    "magnesium": (Decimal("1.8"), Decimal("2.15")),
    "calcium_total": (Decimal("8.7"), Decimal("10.1")),
    "calcium_ionised": (Decimal("1.15"), Decimal("1.30")),
    "potassium": (Decimal("3.6"), Decimal("4.9")),
    "creatinine": (Decimal("0.6"), Decimal("1.1")),
    "egfr": (Decimal("75"), Decimal("110")),
}
UNITS = {
    "magnesium": "mg/dL",
    "calcium_total": "mg/dL",
    "calcium_ionised": "mmol/L",
    "potassium": "mmol/L",
    "creatinine": "mg/dL",
    "egfr": "mL/min/1.73m2",
}


def demo_logins() -> list[tuple[str, str]]:
    logins = [
        (u, f"{t + ' ' if t else ''}{f} {la} — {r.label}{' (medical director)' if md else ''}")
        for u, t, f, la, r, md in STAFF
    ]
    logins.append(("pat", "Patient Pat — patient portal"))
    logins.append(("lena", f"RN Lena Lindqvist — Nurse at {SECOND_CLINIC} only"))
    return logins


def _clinic(name: str, zone: str) -> Clinic:
    clinic = Clinic.objects.create(
        name=name, time_zone=zone, address="12 River Road, Hartford CT", phone="+1 860 555 0100"
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            clinic=clinic, weekday=weekday, opens=time(8, 0), closes=time(17, 0)
        )
    return clinic


def _user(username: str, title: str, first: str, last: str) -> User:
    user = User(
        username=username,
        title=title,
        first_name=first,
        last_name=last,
        email=f"{username}@riverside.example",
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places))


@transaction.atomic
def demo_load() -> bool:
    """Create the demo clinics unless present; returns whether anything was created."""
    if Clinic.objects.filter(name=DEMO_CLINIC).exists():
        return False
    rng = random.Random(20261122)  # noqa: S311  # demo data, not security
    clinic = _clinic(DEMO_CLINIC, "America/New_York")
    second = _clinic(SECOND_CLINIC, "America/Chicago")
    today = timezone.localdate()
    for offset, reason in ((10, "Staff training day"), (38, "Public holiday")):
        ClosedDay.objects.create(clinic=clinic, date=today + timedelta(days=offset), reason=reason)
    for number in range(1, 7):
        Chair.objects.create(
            clinic=clinic,
            name=f"Chair {number}",
            note="recliner by the window" if number <= 2 else "",
        )
    Chair.objects.create(
        clinic=clinic, name="Chair 7", in_service=False, note="footrest broken, repair booked"
    )
    for number in range(1, 4):
        Chair.objects.create(clinic=second, name=f"Bay {number}")
    users: dict[str, User] = {}
    for username, title, first, last, role, director in STAFF:
        users[username] = _user(username, title, first, last)
        Membership.objects.create(
            user=users[username], clinic=clinic, role=role, is_medical_director=director
        )
    # Dr Diaz also covers the second site: she switches clinic from the top bar.
    Membership.objects.create(user=users["diaz"], clinic=second, role=Role.PHYSICIAN)
    Membership.objects.create(
        user=_user("lena", "RN", "Lena", "Lindqvist"), clinic=second, role=Role.NURSE
    )

    front = Actor(user=users["fran"], clinic=clinic, role=Role.FRONT_DESK)
    nurse = Actor(user=users["nadia"], clinic=clinic, role=Role.NURSE)
    family = FAMILY[:]
    rng.shuffle(family)
    patients: list[Patient] = []
    for index in range(30):
        female = rng.random() < 0.72  # the seeds' indications are commoner in women
        given = rng.choice(GIVEN_F if female else GIVEN_M)
        indication = INDICATION_MIX[index % len(INDICATION_MIX)]
        birth = today - timedelta(days=rng.randint(22 * 365, 74 * 365))
        patient = services.patient_register(
            actor=front,
            given_name=given,
            family_name=family[index],
            date_of_birth=birth,
            sex_at_birth=Patient.Sex.FEMALE if female else Patient.Sex.MALE,
            phone=f"+1 860 555 {1000 + index:04d}",
            email=f"{given.lower()}.{family[index].lower().replace(chr(39), '')}@mail.example",
            address=f"{rng.randint(1, 250)} {rng.choice(['Elm', 'Oak', 'Maple', 'Main'])} Street",
            indication_codes=(indication,),
            primary_indication=indication,
        )
        patients.append(patient)
        for name, dose in MEDICATIONS.get(indication, [])[: rng.randint(0, 2)]:
            services.medication_add(
                actor=nurse,
                patient=patient,
                name=name,
                dose=dose,
                started_on=today - timedelta(days=rng.randint(60, 900)),
            )
        special = SPECIALS.get(index, Special())
        if special.medication:
            services.medication_add(
                actor=nurse,
                patient=patient,
                name=special.medication[0],
                dose=special.medication[1],
                started_on=today - timedelta(days=400),
            )
        if special.condition:
            services.condition_add(
                actor=nurse,
                patient=patient,
                description=special.condition[0],
                icd10=special.condition[1],
            )
        if special.allergy:
            services.allergy_add(
                actor=nurse,
                patient=patient,
                substance=special.allergy[0],
                reaction=special.allergy[1],
                severity=special.allergy[2],
            )
        if index % 9 == 4:
            services.allergy_add(
                actor=nurse,
                patient=patient,
                substance="Penicillin",
                reaction="Rash",
                severity="mild",
            )
        _labs(nurse, patient, rng, special.labs or {}, today, clinic)

    # Patient Pat's portal account is linked to the first patient's chart.
    pat = _user("pat", "", patients[0].given_name, patients[0].family_name)
    Membership.objects.create(user=pat, clinic=clinic, role=Role.PATIENT, patient=patients[0])
    users["pat"] = pat
    context = DemoContext(
        clinic=clinic, second_clinic=second, users=users, patients=patients, rng=rng, today=today
    )
    for module in EXTENSIONS:
        importlib.import_module(module).load(context)
    return True


def _labs(
    nurse: Actor,
    patient: Patient,
    rng: random.Random,
    override: dict[str, Decimal],
    today: date,
    clinic: Clinic,
) -> None:
    # Two draws for most patients (referral and pre-series), so charts show a trend.
    draws = [
        today - timedelta(days=rng.randint(50, 90)),
        today - timedelta(days=rng.randint(3, 20)),
    ]
    for number, day in enumerate(draws):
        collected = datetime.combine(
            day, time(8 + rng.randint(0, 3), 15 * rng.randint(0, 3)), tzinfo=clinic.zone
        )
        for analyte, (low, high) in BASELINE.items():
            if analyte == "calcium_ionised" and rng.random() < 0.6:
                continue  # ionised calcium is drawn only for some patients
            value = low + (high - low) * Decimal(rng.randint(0, 100)) / 100
            if number == 1 and analyte in override:
                value = override[analyte]
            places = "1" if analyte == "egfr" else "0.01" if analyte == "calcium_ionised" else "0.1"
            unit = UNITS[analyte]
            # Some labs report magnesium in mmol/L: the chart converts exactly.
            if analyte == "magnesium" and number == 0 and rng.random() < 0.3:
                value, unit, places = value * Decimal("0.4114"), "mmol/L", "0.01"
            services.lab_result_record(
                actor=nurse,
                patient=patient,
                entry=services.LabEntry(
                    analyte=analyte,
                    value=_round(value, places),
                    unit=unit,
                    collected_at=collected,
                    lab_name="Quest Diagnostics" if number else "Hartford Hospital Lab",
                ),
            )
