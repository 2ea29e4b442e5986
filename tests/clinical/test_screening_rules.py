"""One test per screening rule: it fires just past its boundary, stays silent just inside it,
and the finding cites the rule's sources (REFERENCE.md §4; the issue's "Done when").

Every case starts from a patient the rules leave alone (an adult man with fresh, normal labs,
the seed recipe planned) and changes one thing. ``test_every_rule_has_a_boundary_case`` fails
when a rule is added to the data without a case here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from ivmt.clinical import allergens, medications, sources
from ivmt.clinical.screening import Finding, evaluate, evaluate_rule
from ivmt.clinical.screening_facts import (
    AllergyFact,
    ConditionFact,
    FormulaFacts,
    LabFact,
    MedicationFact,
    PatientFacts,
    Vitals,
    formula_facts,
)
from ivmt.clinical.screening_rules import rule, rules

TODAY = date(2026, 11, 22)
RANGES = {
    "magnesium": ("mg/dL", D("1.7"), D("2.2")),
    "calcium_total": ("mg/dL", D("8.5"), D("10.5")),
    "calcium_ionised": ("mmol/L", D("1.16"), D("1.32")),
    "potassium": ("mmol/L", D("3.5"), D("5.0")),
    "egfr": ("mL/min/1.73m2", D("60"), None),
}


def lab(analyte: str, value: str, days_old: int = 5, **limits: D | None) -> LabFact:
    unit, low, high = RANGES[analyte]
    return LabFact(
        analyte=analyte,
        value=D(value),
        unit=unit,
        collected_on=TODAY - timedelta(days=days_old),
        lower_limit=limits.get("low", low),
        upper_limit=limits.get("high", high),
    )


SEED = formula_facts("seed_recipe")
BASE = PatientFacts(
    as_of=TODAY,
    birth_date=date(1980, 4, 2),
    sex="male",
    pregnancy_status="not_applicable",
    labs=(
        lab("calcium_total", "9.5"),
        lab("egfr", "90"),
        lab("magnesium", "2.0"),
        lab("potassium", "4.2"),
    ),
    formula=SEED,
)


def med(code: str) -> MedicationFact:
    drug = medications.drug(code)
    return MedicationFact(drug.name, drug.id, drug.ingredients, drug.all_classes)


def allergy(code: str) -> AllergyFact:
    found = allergens.allergen(code)
    return AllergyFact(found.name, found.id, found.nutrients, found.preservatives)


def condition(icd10: str) -> ConditionFact:
    return ConditionFact(f"condition {icd10}", icd10)


def with_labs(facts: PatientFacts, *changed: LabFact) -> PatientFacts:
    names = {c.analyte for c in changed}
    return replace(facts, labs=tuple(x for x in facts.labs if x.analyte not in names) + changed)


def without_lab(facts: PatientFacts, analyte: str) -> PatientFacts:
    return replace(facts, labs=tuple(x for x in facts.labs if x.analyte != analyte))


def seed_with(**volumes: str) -> FormulaFacts:
    chosen = {**formulas_default(), **{k: D(v) for k, v in volumes.items()}}
    return formula_facts("seed_recipe", chosen)


def formulas_default() -> dict[str, D]:
    from ivmt.clinical.formulas import formula

    return formula("seed_recipe").suggested_volumes()


def no_nutrient(nutrient: str) -> FormulaFacts:
    return replace(
        SEED, nutrients_mg=tuple((n, mg) for n, mg in SEED.nutrients_mg if n != nutrient)
    )


Change = Callable[[PatientFacts], PatientFacts]


@dataclass(frozen=True)
class Case:
    rule_id: str
    past: Change
    inside: Change


def conditions(*codes: str) -> Change:
    return lambda f: replace(f, conditions=tuple(condition(c) for c in codes))


def meds(*codes: str) -> Change:
    return lambda f: replace(f, medications=tuple(med(c) for c in codes))


CASES = [
    Case("cardiac_glycoside", meds("digoxin"), meds("propranolol")),
    Case("heart_block", conditions("I44.2"), conditions("I44.4")),
    Case("myocardial_damage", conditions("I21.4"), conditions("I25.2")),
    Case("cardiac_other", conditions("I48.91"), conditions("I44.2")),
    Case(
        "renal_egfr_hard_stop",
        lambda f: with_labs(f, lab("egfr", "29.9")),
        lambda f: with_labs(f, lab("egfr", "30")),
    ),
    Case(
        "renal_egfr_caution",
        lambda f: with_labs(f, lab("egfr", "59.9")),
        lambda f: with_labs(f, lab("egfr", "60")),
    ),
    Case("renal_disease_coded", conditions("N18.3"), conditions("N20.0")),
    Case("renal_function_unknown", lambda f: without_lab(f, "egfr"), lambda f: f),
    Case("coma", conditions("R40.20"), conditions("R40.1")),
    Case("myasthenia_gravis", conditions("G70.00"), conditions("G70.1")),
    Case("neuromuscular_blocker", meds("rocuronium"), meds("propranolol")),
    Case("cns_depressant", meds("oxycodone"), meds("pregabalin")),
    Case(
        "magnesium_above_upper_limit",
        lambda f: with_labs(f, lab("magnesium", "2.21")),
        lambda f: with_labs(f, lab("magnesium", "2.2")),
    ),
    Case(
        "calcium_above_upper_limit",
        lambda f: with_labs(f, lab("calcium_total", "10.51")),
        lambda f: with_labs(f, lab("calcium_total", "10.5")),
    ),
    Case(
        "potassium_outside_limits",
        lambda f: with_labs(f, lab("potassium", "3.49")),
        lambda f: with_labs(f, lab("potassium", "3.5")),
    ),
    Case("potassium_disorder_coded", conditions("E87.6"), conditions("E87.1")),
    Case(
        "baseline_magnesium_required",
        lambda f: with_labs(f, lab("magnesium", "2.0", days_old=31)),
        lambda f: with_labs(f, lab("magnesium", "2.0", days_old=30)),
    ),
    Case(
        "baseline_calcium_required",
        lambda f: with_labs(f, lab("calcium_total", "9.5", days_old=31)),
        lambda f: with_labs(
            f, lab("calcium_total", "9.5", days_old=31), lab("calcium_ionised", "1.2", days_old=30)
        ),
    ),
    Case(
        "baseline_potassium_required",
        lambda f: with_labs(f, lab("potassium", "4.2", days_old=31)),
        lambda f: with_labs(f, lab("potassium", "4.2", days_old=30)),
    ),
    Case(
        "thiamine_allergy",
        lambda f: replace(f, allergies=(allergy("thiamine"),)),
        lambda f: replace(
            f, allergies=(allergy("thiamine"),), formula=seed_with(b_complex_100="0")
        ),
    ),
    Case(
        "benzyl_alcohol_allergy",
        lambda f: replace(f, allergies=(allergy("benzyl_alcohol"),)),
        lambda f: replace(
            f,
            allergies=(allergy("benzyl_alcohol"),),
            formula=replace(SEED, preservatives=("methylparaben", "propylparaben")),
        ),
    ),
    Case(
        "paraben_allergy",
        lambda f: replace(f, allergies=(allergy("parabens"),)),
        lambda f: replace(
            f, allergies=(allergy("parabens"),), formula=seed_with(hydroxocobalamin_1000="0")
        ),
    ),
    Case(
        "other_ingredient_allergy",
        lambda f: replace(f, allergies=(allergy("ascorbic_acid"),)),
        lambda f: replace(
            f, allergies=(allergy("ascorbic_acid"),), formula=no_nutrient("ascorbic_acid")
        ),
    ),
    Case(
        "allergen_content_unknown",
        lambda f: replace(f, allergies=(allergy("chlorobutanol"),)),
        lambda f: replace(
            f, allergies=(allergy("chlorobutanol"),), formula=seed_with(dexpanthenol_250="0")
        ),
    ),
    Case(
        "latex_allergy",
        lambda f: replace(f, allergies=(allergy("latex"),)),
        lambda f: replace(f, allergies=(allergy("penicillins"),)),
    ),
    Case(
        "g6pd_vitamin_c",
        conditions("D55.0"),
        lambda f: replace(
            f, conditions=(condition("D55.0"),), formula=no_nutrient("ascorbic_acid")
        ),
    ),
    Case(
        "oxalate_stones_vitamin_c",
        conditions("N20.0"),
        lambda f: replace(
            f, conditions=(condition("N20.0"),), formula=no_nutrient("ascorbic_acid")
        ),
    ),
    Case(
        "glucose_meter_vitamin_c",
        conditions("E11.9"),
        lambda f: replace(
            f, conditions=(condition("E11.9"),), formula=no_nutrient("ascorbic_acid")
        ),
    ),
    Case("levodopa_without_carbidopa", meds("levodopa"), meds("levodopa", "carbidopa")),
    Case(
        "pregnancy",
        lambda f: replace(f, sex="female", pregnancy_status="pregnant"),
        lambda f: replace(f, sex="female", pregnancy_status="not_pregnant"),
    ),
    Case(
        "lactation",
        lambda f: replace(f, sex="female", pregnancy_status="not_pregnant", breastfeeding=True),
        lambda f: replace(f, sex="female", pregnancy_status="not_pregnant", breastfeeding=False),
    ),
    Case(
        "pregnancy_status_unknown",
        lambda f: replace(f, sex="female", pregnancy_status="unknown"),
        lambda f: replace(f, sex="female", pregnancy_status="not_pregnant"),
    ),
    Case(
        "under_18",
        lambda f: replace(f, birth_date=date(2008, 11, 23)),  # 18 tomorrow
        lambda f: replace(f, birth_date=date(2008, 11, 22)),  # 18 today
    ),
    Case("haemophilia", conditions("D66"), conditions("D68.3")),
    Case(
        "hydroxocobalamin_information",
        lambda f: f,
        lambda f: replace(f, formula=seed_with(hydroxocobalamin_1000="0")),
    ),
    Case(
        "ceftriaxone_calcium",
        meds("ceftriaxone"),
        lambda f: replace(
            f, medications=(med("ceftriaxone"),), formula=seed_with(calcium_gluconate_10="0")
        ),
    ),
    Case("hypotension_coded", conditions("I95.9"), conditions("I10")),
    Case(
        "low_blood_pressure_today",
        lambda f: replace(f, vitals=Vitals(systolic_mmhg=D(89))),
        lambda f: replace(f, vitals=Vitals(systolic_mmhg=D(90))),
    ),
    Case(
        "uncoded_medication",
        lambda f: replace(f, medications=(MedicationFact("Digoxine 125 mcg"),)),
        meds("digoxin"),
    ),
    Case(
        "uncoded_allergy",
        lambda f: replace(f, allergies=(AllergyFact("Cats"),)),
        lambda f: replace(f, allergies=(allergy("other_unrelated"),)),
    ),
    Case(
        "uncoded_condition",
        lambda f: replace(f, conditions=(ConditionFact("Palpitations"),)),
        conditions("R00.2"),
    ),
]


def _finding(rule_id: str, facts: PatientFacts) -> Finding | None:
    return evaluate_rule(rule(rule_id), facts)


def test_the_base_patient_has_only_information() -> None:
    result = evaluate(BASE)
    assert result.outcome == "clear"
    assert [f.rule_id for f in result.findings] == ["hydroxocobalamin_information"]


def test_every_rule_has_a_boundary_case() -> None:
    assert sorted(c.rule_id for c in CASES) == sorted(r.id for r in rules())


@pytest.mark.parametrize("case", CASES, ids=[c.rule_id for c in CASES])
def test_rule_fires_just_past_its_boundary_and_cites_its_sources(case: Case) -> None:
    found = _finding(case.rule_id, case.past(BASE))
    assert found is not None, f"{case.rule_id} did not fire past its boundary"
    definition = rule(case.rule_id)
    assert (found.rule_id, found.rule_version) == (definition.id, definition.version)
    assert found.severity == definition.severity
    assert found.sources == definition.provenance.sources
    for tag in found.sources:
        assert sources.source(tag).citation  # every tag resolves to REFERENCE.md §10
    if not found.sources:
        assert found.status == "design"  # an unsourced rule says it is a design choice
    assert found.facts_used, "a finding names the facts it used"
    assert found.message


@pytest.mark.parametrize("case", CASES, ids=[c.rule_id for c in CASES])
def test_rule_is_silent_just_inside_its_boundary(case: Case) -> None:
    assert _finding(case.rule_id, case.inside(BASE)) is None
