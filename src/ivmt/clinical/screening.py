"""The screening engine: rules (``screening_rules``) evaluated over a patient's facts
(``screening_facts``), giving findings that each name the rule id and version, the facts used,
the sources and a plain-language message.

:func:`evaluate` is pure: the same facts, policy and knowledge give the same findings, in the
same order (most serious first, then the data file's order). Nothing is printed or stored here;
the screening app stores the facts, the findings and :func:`knowledge_version` with every run.

Semantics worth knowing (each is tested):

* Lab tests use the latest non-error result of an analyte, compared with the *reporting lab's*
  limits carried on the result (REFERENCE.md §4.1). "Above the upper limit" is strictly above;
  "below" a threshold is strictly below, "at least" includes it (eGFR 30 is not below 30).
* "Missing within N days": a result collected N days before the screening date is still inside;
  N + 1 days is outside. Days are clinic-local calendar days.
* Age: completed years; a patient is 18 from their 18th birthday on.
* Formula criteria look at the planned formula as made up: a component drawn up at 0 mL is left
  out of the bag and so does not count.
* An empty criterion (no key at all) is refused at load: it would match every patient.

Outcome of a run: the most serious severity among its findings, except that information alone
counts as ``clear``.

Trade-off: findings carry their facts as short display strings (``FactUsed``) rather than typed
references, because they are stored in the run's JSON and shown as they were, even after a
knowledge update renames a catalogue entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal, cast

from ivmt.clinical import labs
from ivmt.clinical.allergens import allergen as allergen_by_id
from ivmt.clinical.compounding import MCG_PER_MG
from ivmt.clinical.ingredients import ingredients
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.medications import drug_class
from ivmt.clinical.screening_facts import AllergyFact, LabFact, PatientFacts
from ivmt.clinical.screening_rules import (
    SEVERITIES,
    SEVERITY_LABELS,
    Criteria,
    LabTest,
    Rule,
    Severity,
    VitalTest,
    check_policy,
    condition_group,
    rules,
)

Outcome = Literal["clear", "caution", "physician_review", "hard_stop"]
OUTCOME_LABELS: dict[str, str] = {
    "clear": "Clear",
    "caution": "Caution",
    "physician_review": "Physician review",
    "hard_stop": "Hard stop",
}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class FactUsed:
    """One fact a finding relied on, as shown to the team: kind, what, and its value."""

    kind: str
    label: str
    value: str


@dataclass(frozen=True)
class Finding:
    """What one rule found. ``request_labs`` lists analytes a one-click lab request asks for."""

    rule_id: str
    rule_version: int
    severity: Severity
    title: str
    message: str
    plan: str | None
    overridable: bool
    sources: tuple[str, ...]
    status: str
    reference: str
    facts_used: tuple[FactUsed, ...]
    request_labs: tuple[str, ...] = ()

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "plan": self.plan,
            "overridable": self.overridable,
            "sources": list(self.sources),
            "status": self.status,
            "reference": self.reference,
            "facts_used": [[f.kind, f.label, f.value] for f in self.facts_used],
            "request_labs": list(self.request_labs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            rule_id=data["rule_id"],
            rule_version=int(data["rule_version"]),
            severity=cast(Severity, data["severity"]),
            title=data["title"],
            message=data["message"],
            plan=data["plan"],
            overridable=bool(data["overridable"]),
            sources=tuple(data["sources"]),
            status=data["status"],
            reference=data["reference"],
            facts_used=tuple(FactUsed(*f) for f in data["facts_used"]),
            request_labs=tuple(data["request_labs"]),
        )


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...]
    knowledge_version: str
    policy: tuple[tuple[str, Decimal], ...]

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.findings)

    def of_severity(self, severity: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    @property
    def hard_stops(self) -> tuple[Finding, ...]:
        return self.of_severity("hard_stop")


def outcome_of(findings: tuple[Finding, ...]) -> Outcome:
    """The most serious severity present; information alone (or nothing) is ``clear``."""
    worst = max((f.severity for f in findings), key=_RANK.__getitem__, default="information")
    return "clear" if worst == "information" else cast(Outcome, worst)


def by_severity(findings: tuple[Finding, ...]) -> list[tuple[str, tuple[Finding, ...]]]:
    """Findings grouped most serious first; severities without findings are left out."""
    groups: list[tuple[str, tuple[Finding, ...]]] = []
    for severity in reversed(SEVERITIES):
        chosen = tuple(f for f in findings if f.severity == severity)
        if chosen:
            groups.append((severity, chosen))
    return groups


# Evaluation -------------------------------------------------------------------------------------

Facts = list[FactUsed]


@cache
def _nutrient_names() -> dict[str, str]:
    return {a.nutrient: a.name for i in ingredients() for a in i.actives}


@cache
def _display_units() -> dict[str, str]:
    return {a.nutrient: a.display_unit for i in ingredients() for a in i.actives}


def _amount(nutrient: str, mg: Decimal) -> str:
    """An amount in the unit the catalogue shows it in (B12 in mcg, the rest in mg)."""
    if _display_units().get(nutrient) == "mcg":
        return f"{(mg * MCG_PER_MG).normalize():f} mcg"
    return f"{mg.normalize():f} mg"


def _lab_text(lab: LabFact) -> str:
    shown = labs.round_for_display(lab.analyte, lab.value, lab.unit).normalize()
    low, high = lab.lower_limit, lab.upper_limit
    if low is not None and high is not None:
        limits = f", lab range {low.normalize():f}–{high.normalize():f}"
    elif high is not None:
        limits = f", lab upper limit {high.normalize():f}"
    elif low is not None:
        limits = f", lab lower limit {low.normalize():f}"
    else:
        limits = ""
    return f"{shown:f} {lab.unit} on {lab.collected_on.isoformat()}{limits}"


def _analyte_name(code: str) -> str:
    return labs.analyte(code).name


def _lab(test: LabTest, facts: PatientFacts, policy: Mapping[str, Decimal]) -> Facts | None:
    present = [lab for code in test.analytes if (lab := facts.latest(code)) is not None]
    names = " or ".join(_analyte_name(a) for a in test.analytes)
    if test.missing:
        return None if present else [FactUsed("lab", names, "no result on file")]
    if test.missing_within_days is not None:
        days = int(test.missing_within_days.resolve(policy))
        if any((facts.as_of - lab.collected_on).days <= days for lab in present):
            return None
        window = f"window {days} days" + (
            ", clinic policy" if test.missing_within_days.policy else ""
        )
        if not present:
            return [FactUsed("lab", names, f"no result on file ({window})")]
        newest = max(present, key=lambda lab: lab.collected_on)
        age = (facts.as_of - newest.collected_on).days
        return [
            FactUsed(
                "lab",
                _analyte_name(newest.analyte),
                f"latest {_lab_text(newest)}: {age} days old ({window})",
            )
        ]
    matched: Facts = []
    for lab in present:
        low, high = lab.lower_limit, lab.upper_limit
        checks: list[bool] = []
        notes: list[str] = []
        if test.above_upper_limit:
            checks.append(high is not None and lab.value > high)
        if test.below_lower_limit:
            checks.append(low is not None and lab.value < low)
        if test.outside_limits:
            checks.append(
                (high is not None and lab.value > high) or (low is not None and lab.value < low)
            )
        if test.below is not None:
            checks.append(lab.value < test.below.resolve(policy))
            notes.append(f"below {test.below.describe(policy)}")
        if test.at_least is not None:
            checks.append(lab.value >= test.at_least.resolve(policy))
            notes.append(f"at least {test.at_least.describe(policy)}")
        if all(checks):
            suffix = f" ({', '.join(notes)})" if notes else ""
            matched.append(FactUsed("lab", _analyte_name(lab.analyte), _lab_text(lab) + suffix))
    return matched or None


def _vital(test: VitalTest, facts: PatientFacts) -> Facts | None:
    value = facts.vitals.get(test.vital) if facts.vitals is not None else None
    if value is None:
        return None
    if test.below is not None and not value < test.below:
        return None
    if test.above is not None and not value > test.above:
        return None
    label = test.vital.replace("_mmhg", " (mmHg)").replace("_bpm", " (per minute)")
    limit = f"below {test.below}" if test.below is not None else f"above {test.above}"
    return [FactUsed("vital", label.replace("_", " ").capitalize(), f"{value} ({limit})")]


def _formula_allergies(allergy: AllergyFact, facts: PatientFacts) -> tuple[list[str], list[str]]:
    formula = facts.formula
    if formula is None:
        return [], []
    nutrients = [n for n in allergy.nutrients if formula.nutrient_mg(n) > 0]
    preservatives = [p for p in allergy.preservatives if p in formula.preservatives]
    return nutrients, preservatives


def _criteria(c: Criteria, facts: PatientFacts, policy: Mapping[str, Decimal]) -> Facts | None:
    used: Facts = []
    if c.age_below_years is not None:
        if not facts.age_years < c.age_below_years:
            return None
        used.append(FactUsed("age", "Age", f"{facts.age_years} years (below {c.age_below_years})"))
    if c.sex:
        if facts.sex not in c.sex:
            return None
        used.append(FactUsed("sex", "Sex at birth", facts.sex))
    if c.pregnancy_status:
        if facts.pregnancy_status not in c.pregnancy_status:
            return None
        used.append(FactUsed("pregnancy", "Pregnancy status", facts.pregnancy_status))
    if c.breastfeeding:
        if not facts.breastfeeding:
            return None
        used.append(FactUsed("pregnancy", "Breastfeeding", "yes"))
    if c.condition_groups:
        groups = [condition_group(g) for g in c.condition_groups]
        found = [
            FactUsed("condition", cond.description, f"{cond.icd10} ({group.name})")
            for cond in facts.conditions
            for group in groups
            if cond.icd10 and group.matches(cond.icd10)
        ]
        if not found:
            return None
        used += found
    if c.medication_ingredients:
        found = [
            FactUsed("medication", m.name, f"contains {', '.join(m.ingredients)}")
            for m in facts.medications
            if set(m.ingredients) & set(c.medication_ingredients)
        ]
        if not found:
            return None
        used += found
    if c.medication_classes:
        found = [
            FactUsed(
                "medication",
                m.name,
                ", ".join(drug_class(k).name for k in m.classes if k in c.medication_classes),
            )
            for m in facts.medications
            if set(m.classes) & set(c.medication_classes)
        ]
        if not found:
            return None
        used += found
    if c.without_medication_classes:
        if any(set(m.classes) & set(c.without_medication_classes) for m in facts.medications):
            return None
        names = ", ".join(drug_class(k).name for k in c.without_medication_classes)
        used.append(FactUsed("medication", names, "none on the medication list"))
    if c.allergens:
        found = [
            FactUsed("allergy", a.substance, f"coded as {allergen_by_id(a.allergen).name}")
            for a in facts.allergies
            if a.allergen in c.allergens
        ]
        if not found:
            return None
        used += found
    if c.allergy_in_formula:
        found = []
        for a in facts.allergies:
            if not a.allergen or a.allergen in c.allergens_except:
                continue
            nutrients, preservatives = _formula_allergies(a, facts)
            if nutrients or preservatives:
                contents = [_nutrient_names().get(n, n) for n in nutrients] + preservatives
                found.append(
                    FactUsed("allergy", a.substance, "in the formula: " + ", ".join(contents))
                )
        if not found:
            return None
        used += found
    if c.allergy_preservative_unknown:
        formula = facts.formula
        allergic = [a for a in facts.allergies if a.preservatives]
        if formula is None or not formula.preservatives_unknown_for or not allergic:
            return None
        used += [FactUsed("allergy", a.substance, "a preservative") for a in allergic]
        used.append(
            FactUsed(
                "formula",
                "Preservatives unknown",
                ", ".join(formula.preservatives_unknown_for),
            )
        )
    if c.formula_nutrients:
        formula = facts.formula
        if formula is None:
            return None
        found = [
            FactUsed(
                "formula",
                _nutrient_names().get(n, n),
                f"{_amount(n, formula.nutrient_mg(n))} in {formula.name}",
            )
            for n in c.formula_nutrients
            if formula.nutrient_mg(n) > 0
        ]
        if not found:
            return None
        used += found
    if c.formula_preservatives:
        formula = facts.formula
        if formula is None:
            return None
        present = [p for p in c.formula_preservatives if p in formula.preservatives]
        if not present:
            return None
        used.append(FactUsed("formula", "Preservatives", f"{', '.join(present)} in {formula.name}"))
    if c.uncoded is not None:
        uncoded = _uncoded(c.uncoded, facts)
        if not uncoded:
            return None
        used += [FactUsed(c.uncoded, name, "not coded") for name in uncoded]
    if c.series_not_started and facts.series_started:
        return None
    for lab_test in c.labs:
        found_lab = _lab(lab_test, facts, policy)
        if found_lab is None:
            return None
        used += found_lab
    for vital_test in c.vitals:
        found_vital = _vital(vital_test, facts)
        if found_vital is None:
            return None
        used += found_vital
    if c.any_of:
        branches = [b for sub in c.any_of if (b := _criteria(sub, facts, policy)) is not None]
        if not branches:
            return None
        used += [f for branch in branches for f in branch]
    return used


def _uncoded(kind: str, facts: PatientFacts) -> list[str]:
    if kind == "medication":
        return [m.name for m in facts.medications if not m.drug]
    if kind == "allergy":
        return [a.substance for a in facts.allergies if not a.allergen]
    return [c.description for c in facts.conditions if not c.icd10]


def _request_labs(rule: Rule) -> tuple[str, ...]:
    if rule.action != "request_labs":
        return ()

    def first(c: Criteria) -> list[str]:
        # The first analyte of each test: "calcium total or ionised" is requested as total.
        found = [t.analytes[0] for t in c.labs]
        for sub in c.any_of:
            found += first(sub)
        return found

    return tuple(dict.fromkeys(first(rule.criteria)))


def evaluate_rule(
    rule: Rule, facts: PatientFacts, policy: Mapping[str, Decimal] | None = None
) -> Finding | None:
    """The finding of one rule, or None when it does not apply. Raises ScreeningPolicyError."""
    complete = check_policy(policy or {})
    used = _criteria(rule.criteria, facts, complete)
    if used is None:
        return None
    return Finding(
        rule_id=rule.id,
        rule_version=rule.version,
        severity=rule.severity,
        title=rule.title,
        message=rule.message,
        plan=rule.plan,
        overridable=rule.overridable,
        sources=rule.provenance.sources,
        status=rule.provenance.status,
        reference=rule.reference,
        facts_used=tuple(dict.fromkeys(used)),
        request_labs=_request_labs(rule),
    )


def evaluate(facts: PatientFacts, policy: Mapping[str, Decimal] | None = None) -> ScreeningResult:
    """Every rule over ``facts`` with the clinic's ``policy`` (defaults for missing settings).

    Raises ScreeningPolicyError for an invalid policy and ClinicalError if the facts name an
    analyte the knowledge base does not know.
    """
    complete = check_policy(policy or {})
    found = [f for r in rules() if (f := evaluate_rule(r, facts, complete)) is not None]
    found.sort(key=lambda f: -_RANK[f.severity])  # stable: file order within a severity
    return ScreeningResult(
        findings=tuple(found),
        knowledge_version=knowledge_version(),
        policy=tuple(sorted(complete.items())),
    )
