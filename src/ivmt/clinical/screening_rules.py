"""Screening knowledge as data: clinic-policy settings, condition groups and rules
(``data/screening_rules.toml``), loaded and cross-checked once.

A :class:`Rule` is a severity, a plain-language message, an optional plan, its provenance and a
:class:`Criteria` tree — structured fields only (ICD-10 groups, drug classes, ingredient codes,
allergen codes, analyte codes, policy ids), never code in strings. The loader checks that every
name a rule uses exists in its catalogue (conditions groups here, ``medications``, ``allergens``,
``labs``, the ingredients' nutrients and preservatives, the policy settings), so a misspelt code
fails at load instead of silently never matching.

Clinic policy (:class:`PolicySetting`): thresholds no source fixes (the eGFR cut-offs, the
electrolyte window). The file holds the default and the allowed range; the clinic's value is
passed to the engine; :func:`check_policy` validates a clinic's values.

Trade-off: a small closed vocabulary of criteria (the keys documented in the data file's header)
rather than an expression language. Every rule REFERENCE.md §4 asks for fits it; a new kind of
test is a reviewed change to this module and its tests, which is the point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal, cast

from ivmt.clinical import labs
from ivmt.clinical.allergens import allergens, known_nutrients, known_preservatives
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import EntryReader, Provenance, entries
from ivmt.clinical.medications import drug_classes, known_ingredients

FILE = "screening_rules.toml"

Severity = Literal["information", "caution", "physician_review", "hard_stop"]
# Least to most serious; the order decides a run's outcome and how findings are listed.
SEVERITIES: tuple[Severity, ...] = ("information", "caution", "physician_review", "hard_stop")
SEVERITY_LABELS: dict[str, str] = {
    "hard_stop": "Hard stop",
    "physician_review": "Physician review",
    "caution": "Caution",
    "information": "Information",
}
PREGNANCY_STATUSES = ("pregnant", "not_pregnant", "unknown", "not_applicable")
SEXES = ("female", "male", "other", "unknown")
VITALS = ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm")
UNCODED_KINDS = ("medication", "allergy", "condition")
ACTIONS = ("request_labs",)


class ScreeningPolicyError(ClinicalError):
    """A clinic's screening policy value is unknown, out of its range or inconsistent."""


@dataclass(frozen=True)
class PolicySetting:
    """A clinic-policy threshold: the default a new clinic starts with and its allowed range."""

    id: str
    name: str
    unit: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    whole: bool
    provenance: Provenance


@dataclass(frozen=True)
class ConditionGroup:
    """ICD-10-CM codes by prefix; ``exclude`` carves narrower prefixes out."""

    id: str
    name: str
    icd10: tuple[str, ...]
    exclude: tuple[str, ...]
    provenance: Provenance

    def matches(self, code: str) -> bool:
        """True when ``code`` (e.g. "I44.2") starts with a listed prefix and no excluded one."""
        code = code.strip().upper()
        if not code:
            return False
        return any(code.startswith(p) for p in self.icd10) and not any(
            code.startswith(p) for p in self.exclude
        )


@dataclass(frozen=True)
class Threshold:
    """A number, or the id of a policy setting whose clinic value is used."""

    value: Decimal | None = None
    policy: str | None = None

    def resolve(self, policy: Mapping[str, Decimal]) -> Decimal:
        if self.value is not None:
            return self.value
        assert self.policy is not None  # noqa: S101  # one of the two is set at load
        return policy[self.policy]

    def describe(self, policy: Mapping[str, Decimal]) -> str:
        number = f"{self.resolve(policy).normalize():f}"
        return f"{number} (clinic policy)" if self.policy else number


@dataclass(frozen=True)
class LabTest:
    """One test on the latest non-error result of any of ``analytes``."""

    analytes: tuple[str, ...]
    above_upper_limit: bool = False
    below_lower_limit: bool = False
    outside_limits: bool = False
    below: Threshold | None = None
    at_least: Threshold | None = None
    missing: bool = False
    missing_within_days: Threshold | None = None


@dataclass(frozen=True)
class VitalTest:
    vital: str
    below: Decimal | None = None
    above: Decimal | None = None


@dataclass(frozen=True)
class Criteria:
    """Every set field must hold (AND); inside a tuple any item is enough; ``any_of`` is an OR
    of sub-criteria. An empty Criteria holds for everyone, so the loader refuses one."""

    age_below_years: int | None = None
    sex: tuple[str, ...] = ()
    pregnancy_status: tuple[str, ...] = ()
    breastfeeding: bool = False
    condition_groups: tuple[str, ...] = ()
    medication_ingredients: tuple[str, ...] = ()
    medication_classes: tuple[str, ...] = ()
    without_medication_classes: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()
    allergy_in_formula: bool = False
    allergens_except: tuple[str, ...] = ()
    allergy_preservative_unknown: bool = False
    formula_nutrients: tuple[str, ...] = ()
    formula_preservatives: tuple[str, ...] = ()
    uncoded: str | None = None
    series_not_started: bool = False
    labs: tuple[LabTest, ...] = ()
    vitals: tuple[VitalTest, ...] = ()
    any_of: tuple[Criteria, ...] = ()

    def is_empty(self) -> bool:
        return self == Criteria()


@dataclass(frozen=True)
class Rule:
    """One screening rule. ``overridable = False``: no physician decision passes it."""

    id: str
    version: int
    title: str
    severity: Severity
    overridable: bool
    message: str
    plan: str | None
    action: str | None
    reference: str
    criteria: Criteria
    provenance: Provenance

    @property
    def lab_analytes(self) -> tuple[str, ...]:
        """Analytes of the rule's lab tests (what a one-click lab request asks for)."""

        def walk(c: Criteria) -> list[str]:
            found = [a for t in c.labs for a in t.analytes]
            for sub in c.any_of:
                found += walk(sub)
            return found

        return tuple(dict.fromkeys(walk(self.criteria)))


# Loading ----------------------------------------------------------------------------------------


def _policy(entry: EntryReader) -> PolicySetting:
    whole = entry.boolean("whole")
    setting = PolicySetting(
        id=entry.slug("id"),
        name=entry.text("name"),
        unit=entry.text("unit"),
        default=entry.decimal("default", positive=True),
        minimum=entry.decimal("minimum", positive=True),
        maximum=entry.decimal("maximum", positive=True),
        whole=whole,
        provenance=entry.provenance(),
    )
    if not setting.minimum <= setting.default <= setting.maximum:
        raise entry.error("default", "must lie between minimum and maximum")
    if whole and any(v != v.to_integral_value() for v in (setting.default, setting.minimum)):
        raise entry.error("default", "must be a whole number when whole = true")
    entry.finish()
    return setting


def _group(entry: EntryReader) -> ConditionGroup:
    prefixes = entry.texts("icd10", allow_empty=False)
    exclude = entry.texts("exclude")
    for code in (*prefixes, *exclude):
        if code != code.upper() or " " in code:
            raise entry.error("icd10", f"'{code}' must be an upper-case ICD-10 prefix")
    group = ConditionGroup(
        id=entry.slug("id"),
        name=entry.text("name"),
        icd10=prefixes,
        exclude=exclude,
        provenance=entry.provenance(),
    )
    entry.finish()
    return group


def _threshold(entry: EntryReader, field: str, policies: Mapping[str, PolicySetting]) -> Threshold:
    if entry.is_text(field):
        name = entry.text(field)
        if name not in policies:
            raise entry.error(field, f"'{name}' is not a [[policy]] setting")
        return Threshold(policy=name)
    return Threshold(value=entry.decimal(field, non_negative=True))


def _optional_threshold(
    entry: EntryReader, field: str, policies: Mapping[str, PolicySetting]
) -> Threshold | None:
    if not entry.has(field):
        entry.optional_text(field)  # marks the field as read
        return None
    return _threshold(entry, field, policies)


def _lab_test(entry: EntryReader, policies: Mapping[str, PolicySetting]) -> LabTest:
    analytes = entry.texts("analytes", allow_empty=False)
    for code in analytes:
        try:
            labs.analyte(code)
        except ClinicalError:
            raise entry.error("analytes", f"'{code}' is not a lab analyte") from None
    test = LabTest(
        analytes=analytes,
        above_upper_limit=entry.optional_boolean("above_upper_limit", False),
        below_lower_limit=entry.optional_boolean("below_lower_limit", False),
        outside_limits=entry.optional_boolean("outside_limits", False),
        below=_optional_threshold(entry, "below", policies),
        at_least=_optional_threshold(entry, "at_least", policies),
        missing=entry.optional_boolean("missing", False),
        missing_within_days=_optional_threshold(entry, "missing_within_days", policies),
    )
    if test == LabTest(analytes=analytes):
        raise entry.error("analytes", "a lab test needs something to test")
    entry.finish()
    return test


def _vital_test(entry: EntryReader) -> VitalTest:
    test = VitalTest(
        vital=entry.choice("vital", VITALS),
        below=entry.optional_decimal("below", positive=True),
        above=entry.optional_decimal("above", positive=True),
    )
    if test.below is None and test.above is None:
        raise entry.error("below", "a vital-sign test needs below or above")
    entry.finish()
    return test


def _names(entry: EntryReader, field: str, known: frozenset[str], what: str) -> tuple[str, ...]:
    values = entry.optional_texts(field)
    for value in values:
        if value not in known:
            raise entry.error(field, f"'{value}' is not {what}")
    return values


def _criteria(
    entry: EntryReader,
    policies: Mapping[str, PolicySetting],
    groups: Mapping[str, ConditionGroup],
    *,
    nested: bool = False,
) -> Criteria:
    class_ids = frozenset(c.id for c in drug_classes())
    allergen_ids = frozenset(a.id for a in allergens())
    uncoded = entry.optional_text("uncoded")
    if uncoded is not None and uncoded not in UNCODED_KINDS:
        raise entry.error("uncoded", f"'{uncoded}' is not one of {', '.join(UNCODED_KINDS)}")
    any_of = entry.tables("any_of", required=False)
    if nested and any_of:
        raise entry.error("any_of", "any_of cannot be nested")
    criteria = Criteria(
        age_below_years=entry.optional_integer("age_below_years", minimum=1),
        sex=_names(entry, "sex", frozenset(SEXES), "a sex at birth"),
        pregnancy_status=_names(
            entry, "pregnancy_status", frozenset(PREGNANCY_STATUSES), "a pregnancy status"
        ),
        breastfeeding=entry.optional_boolean("breastfeeding", False),
        condition_groups=_names(entry, "condition_groups", frozenset(groups), "a condition group"),
        medication_ingredients=_names(
            entry, "medication_ingredients", known_ingredients(), "a catalogue ingredient"
        ),
        medication_classes=_names(entry, "medication_classes", class_ids, "a drug class"),
        without_medication_classes=_names(
            entry, "without_medication_classes", class_ids, "a drug class"
        ),
        allergens=_names(entry, "allergens", allergen_ids, "an allergen"),
        allergy_in_formula=entry.optional_boolean("allergy_in_formula", False),
        allergens_except=_names(entry, "allergens_except", allergen_ids, "an allergen"),
        allergy_preservative_unknown=entry.optional_boolean("allergy_preservative_unknown", False),
        formula_nutrients=_names(entry, "formula_nutrients", known_nutrients(), "a nutrient"),
        formula_preservatives=_names(
            entry, "formula_preservatives", known_preservatives(), "a preservative"
        ),
        uncoded=uncoded,
        series_not_started=entry.optional_boolean("series_not_started", False),
        labs=tuple(_lab_test(t, policies) for t in entry.tables("labs", required=False)),
        vitals=tuple(_vital_test(t) for t in entry.tables("vitals", required=False)),
        any_of=tuple(_criteria(t, policies, groups, nested=True) for t in any_of),
    )
    entry.finish()
    if criteria.is_empty():
        raise entry.error("when", "an empty condition would match every patient")
    return criteria


def _rule(
    entry: EntryReader,
    policies: Mapping[str, PolicySetting],
    groups: Mapping[str, ConditionGroup],
) -> Rule:
    rule_id = entry.slug("id")
    action = entry.optional_text("action")
    if action is not None and action not in ACTIONS:
        raise entry.error("action", f"'{action}' is not one of {', '.join(ACTIONS)}")
    rule = Rule(
        id=rule_id,
        version=entry.integer("version", minimum=1),
        title=entry.text("title"),
        severity=cast(Severity, entry.choice("severity", SEVERITIES)),
        overridable=entry.optional_boolean("overridable", True),
        message=entry.text("message"),
        plan=entry.optional_text("plan"),
        action=action,
        reference=entry.text("reference"),
        criteria=_criteria(entry.table("when"), policies, groups),
        provenance=entry.provenance(),
    )
    if action == "request_labs" and not rule.lab_analytes:
        raise entry.error("action", "request_labs needs a lab test to know what to request")
    entry.finish()
    return rule


@cache
def _policies() -> dict[str, PolicySetting]:
    return {p.id: p for p in (_policy(e) for e in entries(FILE, "policy"))}


@cache
def _groups() -> dict[str, ConditionGroup]:
    return {g.id: g for g in (_group(e) for e in entries(FILE, "condition_group"))}


@cache
def _rules() -> dict[str, Rule]:
    policies, groups = _policies(), _groups()
    return {r.id: r for r in (_rule(e, policies, groups) for e in entries(FILE, "rule"))}


def policy_settings() -> tuple[PolicySetting, ...]:
    """The clinic-policy settings, in file order."""
    return tuple(_policies().values())


def policy_defaults() -> dict[str, Decimal]:
    """Each policy setting's default value, by id."""
    return {p.id: p.default for p in _policies().values()}


def check_policy(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A clinic's complete policy (defaults filled in), or ScreeningPolicyError with a message
    naming the setting, its unit and allowed range."""
    settings = _policies()
    unknown = sorted(set(values) - set(settings))
    if unknown:
        raise ScreeningPolicyError(f"Unknown screening policy setting '{unknown[0]}'.")
    complete = policy_defaults()
    for key, value in values.items():
        setting = settings[key]
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ScreeningPolicyError(f"{setting.name}: give a number.")
        if setting.whole and value != value.to_integral_value():
            raise ScreeningPolicyError(f"{setting.name}: give a whole number of {setting.unit}.")
        if not setting.minimum <= value <= setting.maximum:
            raise ScreeningPolicyError(
                f"{setting.name}: {value.normalize():f} {setting.unit} is outside the allowed "
                f"range {setting.minimum.normalize():f}-{setting.maximum.normalize():f} "
                f"{setting.unit}."
            )
        complete[key] = value
    if complete["egfr_hard_stop_below"] >= complete["egfr_caution_below"]:
        raise ScreeningPolicyError(
            "The eGFR hard-stop threshold must be below the eGFR caution threshold."
        )
    return complete


def condition_groups() -> tuple[ConditionGroup, ...]:
    return tuple(_groups().values())


def condition_group(group_id: str) -> ConditionGroup:
    try:
        return _groups()[group_id]
    except KeyError:
        raise ClinicalError(f"Unknown condition group '{group_id}'.") from None


def rules() -> tuple[Rule, ...]:
    """Every screening rule, in file order."""
    return tuple(_rules().values())


def rule(rule_id: str) -> Rule:
    try:
        return _rules()[rule_id]
    except KeyError:
        raise ClinicalError(f"Unknown screening rule '{rule_id}'.") from None
