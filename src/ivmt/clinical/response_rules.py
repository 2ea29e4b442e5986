"""Response rules per indication (``data/response_rules.toml``) and their verdicts.

A verdict compares a follow-up total with the baseline total of the same instrument and says
*responder*, *non-responder* or *not assessable*, with the numbers behind it: baseline, now,
the change in points and in percent, the threshold, and a sentence a physician can read on the
review page. Thresholds are inclusive ("at least"). Percentages are exact (Decimal, 28 digits)
and compared unrounded: 10 -> 5 migraine days is exactly 50 % and responds; 7 -> 4 is 42.857 %
and does not.

A percentage cannot be computed from a baseline of 0, and a change needs a baseline: such
verdicts are *not assessable*, never a responder by default.

Trade-off: one small, closed set of rule kinds (percent reduction, points reduction or increase,
category) rather than expressions in the data: every rule stays reviewable by a clinician, and
a new kind is a code change with its own tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from typing import Literal, cast

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.indications import indications
from ivmt.clinical.instruments import instrument
from ivmt.clinical.knowledge import EntryReader, Provenance, entries, knowledge_version
from ivmt.clinical.quantities import exact, plain, round_half_up

FILE = "response_rules.toml"
Kind = Literal["percent_reduction", "points_reduction", "points_increase", "category_in"]
KINDS: tuple[Kind, ...] = (
    "percent_reduction",
    "points_reduction",
    "points_increase",
    "category_in",
)
Outcome = Literal["responder", "non_responder", "not_assessable"]
RESPONDER: Outcome = "responder"
NON_RESPONDER: Outcome = "non_responder"
NOT_ASSESSABLE: Outcome = "not_assessable"


class UnknownRule(ClinicalError):
    """No response rule with this id, or no rules for this indication."""


@dataclass(frozen=True)
class ResponseRule:
    id: str
    name: str
    instrument_id: str
    kind: Kind
    threshold: Decimal | None
    categories: tuple[int, ...]
    provenance: Provenance

    @property
    def needs_baseline(self) -> bool:
        return self.kind != "category_in"


@dataclass(frozen=True)
class IndicationRules:
    indication: str
    primary: str
    rules: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True)
class Verdict:
    """A rule applied to one patient's numbers. ``change`` is now minus baseline (points)."""

    rule_id: str
    rule_name: str
    instrument_id: str
    outcome: Outcome
    baseline: Decimal | None
    current: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None
    threshold: Decimal | None
    explanation: str
    status: str
    sources: tuple[str, ...]
    knowledge_version: str


def _rule(entry: EntryReader) -> ResponseRule:
    kind = cast(Kind, entry.choice("kind", KINDS))
    instrument_id = entry.text("instrument")
    instrument(instrument_id)  # raises UnknownInstrument for a misspelt id
    if kind == "category_in":
        raw = entry.integer_list("categories")
        threshold = None
        options = {o.value for o in instrument(instrument_id).options}
        if any(c not in options for c in raw):
            raise entry.error("categories", "must be answer values of the instrument")
    else:
        raw = []
        threshold = entry.decimal("threshold", positive=True)
        wanted = "higher" if kind == "points_increase" else "lower"
        if instrument(instrument_id).better != wanted:
            raise entry.error("kind", f"{kind} needs an instrument where {wanted} is better")
    rule = ResponseRule(
        id=entry.slug("id"),
        name=entry.text("name"),
        instrument_id=instrument_id,
        kind=kind,
        threshold=threshold,
        categories=tuple(raw),
        provenance=entry.provenance(),
    )
    entry.finish()
    return rule


def _indication(entry: EntryReader, known: dict[str, ResponseRule]) -> IndicationRules:
    listed = entry.texts("rules", allow_empty=False)
    for rule_id in listed:
        if rule_id not in known:
            raise entry.error("rules", f"no rule '{rule_id}'")
    primary = entry.text("primary")
    if primary not in listed:
        raise entry.error("primary", f"'{primary}' must be one of the listed rules")
    result = IndicationRules(
        indication=entry.slug("id"), primary=primary, rules=listed, provenance=entry.provenance()
    )
    entry.finish()
    return result


@cache
def _rules() -> dict[str, ResponseRule]:
    return {r.id: r for r in (_rule(e) for e in entries(FILE, "rule"))}


@cache
def _by_indication() -> dict[str, IndicationRules]:
    known = _rules()
    found = {i.indication: i for i in (_indication(e, known) for e in entries(FILE, "indication"))}
    missing = [i.code for i in indications() if i.code not in found]
    if missing:
        raise ClinicalError(f"Knowledge file {FILE} has no rules for indication '{missing[0]}'.")
    return found


def rules() -> tuple[ResponseRule, ...]:
    return tuple(_rules().values())


def rule(rule_id: str) -> ResponseRule:
    try:
        return _rules()[rule_id]
    except KeyError:
        raise UnknownRule(
            f"Unknown response rule '{rule_id}'. Known rules: {', '.join(_rules())}."
        ) from None


def rules_for(indication_code: str) -> IndicationRules:
    """The rules of an indication (every coded indication has some)."""
    try:
        return _by_indication()[indication_code]
    except KeyError:
        raise UnknownRule(f"No response rules for indication '{indication_code}'.") from None


def primary_rule(indication_code: str) -> ResponseRule:
    return rule(rules_for(indication_code).primary)


def _fmt(value: Decimal, places: int) -> str:
    return plain(round_half_up(value, places))


def assess(
    rule_or_id: ResponseRule | str,
    *,
    baseline: Decimal | int | None,
    current: Decimal | int | None,
) -> Verdict:
    """Apply a rule to a baseline and a current total (either may be None: not assessable).

    Totals are exact numbers (Decimal or int); floats raise ClinicalError.
    """
    rule_ = rule(rule_or_id) if isinstance(rule_or_id, str) else rule_or_id
    baseline = None if baseline is None else exact(baseline, "The baseline total")
    current = None if current is None else exact(current, "The current total")
    measure = instrument(rule_.instrument_id)
    places = measure.score_places

    def verdict(
        outcome: Outcome,
        explanation: str,
        change: Decimal | None = None,
        percent: Decimal | None = None,
    ) -> Verdict:
        return Verdict(
            rule_id=rule_.id,
            rule_name=rule_.name,
            instrument_id=rule_.instrument_id,
            outcome=outcome,
            baseline=baseline,
            current=current,
            change=change,
            change_percent=percent,
            threshold=rule_.threshold,
            explanation=explanation,
            status=rule_.provenance.status,
            sources=rule_.provenance.sources,
            knowledge_version=knowledge_version(),
        )

    name = measure.short_name
    if current is None:
        return verdict(NOT_ASSESSABLE, f"No scored {name} at this time point.")
    if rule_.kind == "category_in":
        label = measure.option_label(int(current)) or _fmt(current, 0)
        wanted = " or ".join((measure.option_label(c) or str(c)).lower() for c in rule_.categories)
        if int(current) in rule_.categories:
            return verdict(RESPONDER, f"{name}: {label.lower()} ({wanted}): responder.")
        return verdict(NON_RESPONDER, f"{name}: {label.lower()}, not {wanted}: non-responder.")
    if baseline is None:
        return verdict(NOT_ASSESSABLE, f"No scored baseline {name}: a change cannot be judged.")
    threshold = rule_.threshold or Decimal(0)
    change = current - baseline
    percent = None if baseline == 0 else (baseline - current) / baseline * 100
    before, now = _fmt(baseline, places), _fmt(current, places)
    if rule_.kind == "percent_reduction":
        if percent is None:
            return verdict(
                NOT_ASSESSABLE,
                f"{name} baseline is 0: a percentage reduction cannot be computed.",
                change,
            )
        met = percent >= threshold
        # Rounded down for display, so a shown figure at the threshold is always a met one.
        shown = plain(percent.quantize(Decimal("0.1"), rounding=ROUND_FLOOR))
        words = (
            f"{name} {before} → {now} ({shown} % reduction; needs at least {plain(threshold)} %)"
        )
    elif rule_.kind == "points_reduction":
        met = -change >= threshold
        words = (
            f"{name} {before} → {now} ({_fmt(-change, places)} points lower; needs at least "
            f"{plain(threshold)})"
        )
    else:
        met = change >= threshold
        words = (
            f"{name} {before} → {now} ({_fmt(change, places)} points higher; needs at least "
            f"{plain(threshold)})"
        )
    outcome = RESPONDER if met else NON_RESPONDER
    return verdict(outcome, f"{words}: {'responder' if met else 'non-responder'}.", change, percent)
