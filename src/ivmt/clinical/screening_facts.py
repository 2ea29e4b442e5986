"""The facts screening runs on: a frozen :class:`PatientFacts` snapshot, its JSON form and its
fingerprint.

The app builds the facts from the chart (latest result per analyte, current medications, active
conditions, allergies, intake answers, the clinic's planned formula) and stores their JSON form
with every run, so a run can always be re-read exactly as it was evaluated.

:func:`fingerprint` hashes everything the chart contributes, plus the clinic policy and the
knowledge version, but *not* the evaluation date nor the check-in context (vitals, series
started). Two runs with the same fingerprint saw the same chart; the screening gate compares the
latest run's fingerprint with the chart's current one to know whether the run is still current.
Time-dependent questions (is the magnesium result still inside the window today?) are answered
by the gate at the time it is asked, not frozen into the fingerprint.

Units: lab values in the analyte's canonical unit (``labs.toml``), formula amounts in mg, vitals
in mmHg and beats per minute. Dates are clinic-local calendar dates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ivmt.clinical.compounding import Bag, compose_bag
from ivmt.clinical.formulas import formula as formula_by_id
from ivmt.clinical.quantities import plain


@dataclass(frozen=True)
class ConditionFact:
    """An active condition; ``icd10`` is "" when the chart has no code for it."""

    description: str
    icd10: str = ""


@dataclass(frozen=True)
class MedicationFact:
    """A current medication; ``drug`` is the catalogue code ("" when uncoded), with the
    ingredients and (expanded) classes the catalogue gave it when the facts were built."""

    name: str
    drug: str = ""
    ingredients: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllergyFact:
    """A recorded allergy; ``allergen`` is the catalogue code ("" when uncoded)."""

    substance: str
    allergen: str = ""
    nutrients: tuple[str, ...] = ()
    preservatives: tuple[str, ...] = ()
    severity: str = "unknown"


@dataclass(frozen=True)
class LabFact:
    """The latest non-error result of one analyte, with the performing lab's own limits."""

    analyte: str
    value: Decimal
    unit: str
    collected_on: date
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None
    result_id: int | None = None


@dataclass(frozen=True)
class Vitals:
    """Vital signs taken at check-in (absent at intake)."""

    systolic_mmhg: Decimal | None = None
    diastolic_mmhg: Decimal | None = None
    heart_rate_bpm: Decimal | None = None

    def get(self, name: str) -> Decimal | None:
        value: Decimal | None = getattr(self, name)
        return value


@dataclass(frozen=True)
class FormulaFacts:
    """What the planned formula contains, from the clinical core's bag composition."""

    formula_id: str
    name: str
    volumes_ml: tuple[tuple[str, Decimal], ...]
    nutrients_mg: tuple[tuple[str, Decimal], ...]
    preservatives: tuple[str, ...]
    preservatives_unknown_for: tuple[str, ...]
    magnesium_meq: Decimal
    calcium_meq: Decimal

    def nutrient_mg(self, nutrient: str) -> Decimal:
        return next((mg for n, mg in self.nutrients_mg if n == nutrient), Decimal(0))


@dataclass(frozen=True)
class PatientFacts:
    """Everything the rules may look at, as of ``as_of`` (a clinic-local date)."""

    as_of: date
    birth_date: date
    sex: str
    pregnancy_status: str = "unknown"
    breastfeeding: bool = False
    conditions: tuple[ConditionFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    allergies: tuple[AllergyFact, ...] = ()
    labs: tuple[LabFact, ...] = ()
    formula: FormulaFacts | None = None
    series_started: bool = False
    vitals: Vitals | None = field(default=None)

    @property
    def age_years(self) -> int:
        """Completed years on ``as_of`` (a birthday counts on the day itself)."""
        had_birthday = (self.as_of.month, self.as_of.day) >= (
            self.birth_date.month,
            self.birth_date.day,
        )
        return self.as_of.year - self.birth_date.year - (0 if had_birthday else 1)

    def latest(self, analyte: str) -> LabFact | None:
        return next((lab for lab in self.labs if lab.analyte == analyte), None)


def formula_facts(formula_id: str, volumes_ml: Mapping[str, Decimal] | None = None) -> FormulaFacts:
    """Facts of ``formula_id`` made up with ``volumes_ml`` (default: its stated volumes and
    documented defaults, as a new order form would be pre-filled). Raises ClinicalError."""
    chosen = (
        dict(volumes_ml)
        if volumes_ml is not None
        else formula_by_id(formula_id).suggested_volumes()
    )
    return facts_of_bag(compose_bag(formula_id, chosen))


def facts_of_bag(bag: Bag) -> FormulaFacts:
    preservatives = tuple(
        dict.fromkeys(p.name for line in bag.lines for p in line.ingredient.preservatives)
    )
    return FormulaFacts(
        formula_id=bag.formula.id,
        name=bag.formula.name,
        volumes_ml=tuple((ln.ingredient.id, ln.volume_ml) for ln in bag.lines),
        nutrients_mg=tuple((n.nutrient, n.mg) for n in bag.nutrients),
        preservatives=preservatives,
        preservatives_unknown_for=bag.preservatives_unknown_for,
        magnesium_meq=bag.magnesium_meq,
        calcium_meq=bag.calcium_meq,
    )


# JSON form --------------------------------------------------------------------------------------


def _num(value: Decimal | None) -> str | None:
    # Normalised, so 1.4 and 1.400000 (as a database column returns it) serialise alike.
    return None if value is None else plain(value.normalize())


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def facts_to_json(facts: PatientFacts) -> dict[str, Any]:
    """A JSON-ready dict: Decimals as strings, dates ISO, nothing lossy."""
    formula = facts.formula
    vitals = facts.vitals
    return {
        "as_of": facts.as_of.isoformat(),
        "birth_date": facts.birth_date.isoformat(),
        "sex": facts.sex,
        "pregnancy_status": facts.pregnancy_status,
        "breastfeeding": facts.breastfeeding,
        "series_started": facts.series_started,
        "conditions": [{"description": c.description, "icd10": c.icd10} for c in facts.conditions],
        "medications": [
            {
                "name": m.name,
                "drug": m.drug,
                "ingredients": list(m.ingredients),
                "classes": list(m.classes),
            }
            for m in facts.medications
        ],
        "allergies": [
            {
                "substance": a.substance,
                "allergen": a.allergen,
                "nutrients": list(a.nutrients),
                "preservatives": list(a.preservatives),
                "severity": a.severity,
            }
            for a in facts.allergies
        ],
        "labs": [
            {
                "analyte": lab.analyte,
                "value": _num(lab.value),
                "unit": lab.unit,
                "collected_on": lab.collected_on.isoformat(),
                "lower_limit": _num(lab.lower_limit),
                "upper_limit": _num(lab.upper_limit),
                "result_id": lab.result_id,
            }
            for lab in facts.labs
        ],
        "formula": None
        if formula is None
        else {
            "formula_id": formula.formula_id,
            "name": formula.name,
            "volumes_ml": [[i, _num(v)] for i, v in formula.volumes_ml],
            "nutrients_mg": [[n, _num(v)] for n, v in formula.nutrients_mg],
            "preservatives": list(formula.preservatives),
            "preservatives_unknown_for": list(formula.preservatives_unknown_for),
            "magnesium_meq": _num(formula.magnesium_meq),
            "calcium_meq": _num(formula.calcium_meq),
        },
        "vitals": None
        if vitals is None
        else {
            "systolic_mmhg": _num(vitals.systolic_mmhg),
            "diastolic_mmhg": _num(vitals.diastolic_mmhg),
            "heart_rate_bpm": _num(vitals.heart_rate_bpm),
        },
    }


def facts_from_json(data: Mapping[str, Any]) -> PatientFacts:
    """The inverse of :func:`facts_to_json` (stored runs are re-read through it)."""
    formula = data.get("formula")
    vitals = data.get("vitals")
    return PatientFacts(
        as_of=date.fromisoformat(data["as_of"]),
        birth_date=date.fromisoformat(data["birth_date"]),
        sex=data["sex"],
        pregnancy_status=data["pregnancy_status"],
        breastfeeding=bool(data["breastfeeding"]),
        series_started=bool(data["series_started"]),
        conditions=tuple(ConditionFact(c["description"], c["icd10"]) for c in data["conditions"]),
        medications=tuple(
            MedicationFact(m["name"], m["drug"], tuple(m["ingredients"]), tuple(m["classes"]))
            for m in data["medications"]
        ),
        allergies=tuple(
            AllergyFact(
                a["substance"],
                a["allergen"],
                tuple(a["nutrients"]),
                tuple(a["preservatives"]),
                a["severity"],
            )
            for a in data["allergies"]
        ),
        labs=tuple(
            LabFact(
                analyte=lab["analyte"],
                value=Decimal(lab["value"]),
                unit=lab["unit"],
                collected_on=date.fromisoformat(lab["collected_on"]),
                lower_limit=_dec(lab["lower_limit"]),
                upper_limit=_dec(lab["upper_limit"]),
                result_id=lab["result_id"],
            )
            for lab in data["labs"]
        ),
        formula=None
        if formula is None
        else FormulaFacts(
            formula_id=formula["formula_id"],
            name=formula["name"],
            volumes_ml=tuple((i, Decimal(v)) for i, v in formula["volumes_ml"]),
            nutrients_mg=tuple((n, Decimal(v)) for n, v in formula["nutrients_mg"]),
            preservatives=tuple(formula["preservatives"]),
            preservatives_unknown_for=tuple(formula["preservatives_unknown_for"]),
            magnesium_meq=Decimal(formula["magnesium_meq"]),
            calcium_meq=Decimal(formula["calcium_meq"]),
        ),
        vitals=None
        if vitals is None
        else Vitals(
            systolic_mmhg=_dec(vitals["systolic_mmhg"]),
            diastolic_mmhg=_dec(vitals["diastolic_mmhg"]),
            heart_rate_bpm=_dec(vitals["heart_rate_bpm"]),
        ),
    )


def fingerprint(facts: PatientFacts, policy: Mapping[str, Decimal], knowledge_version: str) -> str:
    """SHA-256 (hex) of the chart facts, the clinic policy and the knowledge version.

    Leaves out ``as_of``, ``vitals`` and ``series_started`` (the check-in's context): a run stays
    current from one day to the next and through check-ins, until the chart, the policy or the
    knowledge changes. Lists are hashed in a
    canonical order and numbers normalised (2.0 = 2.000000).
    """
    content = facts_to_json(facts)
    del content["as_of"], content["vitals"], content["series_started"]
    for key in ("conditions", "medications", "allergies", "labs"):
        # Order-free: the same chart listed in another order is the same chart.
        content[key] = sorted(content[key], key=lambda item: json.dumps(item, sort_keys=True))
    payload = {
        "facts": content,
        "policy": {k: _num(v) for k, v in sorted(policy.items())},
        "knowledge_version": knowledge_version,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
