"""Scoring a questionnaire: answers in, an exact total, its band and any alerts out.

Rules (REFERENCE.md §6; the data is ``data/instruments.toml``):

* Answers are whole numbers from the item's range or options; anything else raises
  :class:`~ivmt.clinical.instruments.AnswerError` naming the item and the allowed values, so a
  pain score of 11 or a HIT-6 answer of 7 is refused, never clipped.
* A missing answer is ``None`` (or absent). Sum, mean and single-item instruments need every
  scored item (``max_missing = 0``): otherwise the total is ``None`` with the reason, and the
  response can still be kept (an unanswered PHQ-9 item 9 must raise its alert all the same).
* FIQR: each domain's sum is re-weighted for missing items (``sum x items / answered``) and
  divided by its divisor (function 3, overall impact 1, symptoms 2); the domains are added.
  Arithmetic is exact (fractions); the total becomes a Decimal (28 significant digits) only at
  the end, and bands are chosen on the exact value, so a re-weighted 38.99... is never 39.
* Bands are half-open: from a band's start up to the next band's start.
* Alerts are evaluated whatever the total and whether or not the total could be computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ivmt.clinical.alerts import ClinicalWarning, worst
from ivmt.clinical.instruments import AnswerError, Band, Instrument, instrument
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.quantities import plain, round_half_up

Answers = Mapping[str, object]


@dataclass(frozen=True)
class DomainScore:
    """One FIQR domain (or the FSS sum): raw sum, items answered of all, and the score."""

    id: str
    name: str
    raw_sum: int
    answered: int
    of: int
    score: Decimal


@dataclass(frozen=True)
class Score:
    instrument_id: str
    instrument_version: int
    answers: tuple[tuple[str, int | None], ...]
    total: Decimal | None
    band: Band | None
    domains: tuple[DomainScore, ...]
    missing: tuple[str, ...]
    reweighted: bool
    not_scored_reason: str | None
    alerts: tuple[ClinicalWarning, ...]
    knowledge_version: str
    places: int

    @property
    def shown(self) -> str:
        """The total rounded half-up to the instrument's display places, or an em dash."""
        if self.total is None:
            return "—"
        return plain(round_half_up(self.total, self.places))

    @property
    def alert_level(self) -> str | None:
        """The most serious alert severity (``info`` < ``warning`` < ``stop``), or None."""
        return worst(self.alerts)

    def answer(self, item_id: str) -> int | None:
        return dict(self.answers).get(item_id)


def check_answers(instrument_: Instrument, answers: Answers) -> dict[str, int | None]:
    """Every item of the instrument mapped to a valid whole number or None (missing).

    Raises AnswerError for an unknown item, a non-integer (booleans and floats included) or a
    value outside the item's range or options.
    """
    known = {item.id for item in instrument_.items}
    for key in answers:
        if key not in known:
            raise AnswerError(f"{instrument_.short_name} has no item '{key}'.")
    checked: dict[str, int | None] = {}
    for item in instrument_.items:
        value = answers.get(item.id)
        if value is None:
            checked[item.id] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(
                f"{instrument_.short_name} item {item.id}: the answer must be a whole number, "
                f"not {value!r}."
            )
        if value not in item.allowed:
            raise AnswerError(
                f"{instrument_.short_name} item {item.id}: {value} is not an allowed answer "
                f"({_describe(instrument_, item.allowed)})."
            )
        checked[item.id] = value
    return checked


def _describe(instrument_: Instrument, allowed: tuple[int, ...]) -> str:
    if instrument_.options:
        return "one of " + ", ".join(f"{o.value} ({o.label})" for o in instrument_.options)
    return f"{allowed[0]} to {allowed[-1]}"


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _band(
    instrument_: Instrument, total: Fraction | None, answers: dict[str, int | None]
) -> Band | None:
    if not instrument_.bands:
        return None
    on = instrument_.bands[0].on
    value: Fraction | None
    if on is None:
        value = total
    else:
        answer = answers.get(on)
        value = None if answer is None else Fraction(answer)
    if value is None:
        return None
    chosen = None
    for band in instrument_.bands:
        if Fraction(band.start) <= value:
            chosen = band
    return chosen


def _alerts(
    instrument_: Instrument, total: Fraction | None, answers: dict[str, int | None]
) -> tuple[ClinicalWarning, ...]:
    found = []
    for rule in instrument_.alerts:
        rule_id = f"{instrument_.id}.{rule.id}"
        if rule.item is not None and rule.at_least is not None:
            value = answers.get(rule.item)
            if value is None and rule.when_missing and rule.missing_message:
                found.append(
                    ClinicalWarning(
                        code=f"{rule.id}_unanswered",
                        severity=rule.severity,
                        message=rule.missing_message,
                        sources=rule.sources,
                        status=rule.status,
                        rule_id=rule_id,
                    )
                )
            elif value is not None and value >= rule.at_least:
                found.append(
                    ClinicalWarning(
                        code=rule.id,
                        severity=rule.severity,
                        message=rule.message,
                        value=Decimal(value),
                        limit=Decimal(rule.at_least),
                        sources=rule.sources,
                        status=rule.status,
                        rule_id=rule_id,
                    )
                )
        elif (
            rule.total_at_least is not None
            and total is not None
            and total >= Fraction(rule.total_at_least)
        ):
            found.append(
                ClinicalWarning(
                    code=rule.id,
                    severity=rule.severity,
                    message=rule.message,
                    value=_decimal(total),
                    limit=rule.total_at_least,
                    sources=rule.sources,
                    status=rule.status,
                    rule_id=rule_id,
                )
            )
    return tuple(found)


def _fiqr(
    instrument_: Instrument, answers: dict[str, int | None]
) -> tuple[Fraction | None, tuple[DomainScore, ...], bool, str | None]:
    domains = []
    total = Fraction(0)
    reweighted = False
    for domain in instrument_.domains:
        given = [answers[i] for i in domain.items if answers[i] is not None]
        missing = len(domain.items) - len(given)
        if missing > domain.max_missing:
            return (
                None,
                (),
                False,
                f"{domain.name}: {missing} of {len(domain.items)} items unanswered; at most "
                f"{domain.max_missing} may be missing for the score to be re-weighted.",
            )
        raw = sum(v for v in given if v is not None)
        score = Fraction(raw * len(domain.items), len(given)) / Fraction(domain.divisor)
        reweighted = reweighted or missing > 0
        total += score
        domains.append(
            DomainScore(domain.id, domain.name, raw, len(given), len(domain.items), _decimal(score))
        )
    return total, tuple(domains), reweighted, None


def score(instrument_or_id: Instrument | str, answers: Answers) -> Score:
    """Score one response. Raises AnswerError for invalid answers (see the module docstring)."""
    instrument_ = (
        instrument(instrument_or_id) if isinstance(instrument_or_id, str) else instrument_or_id
    )
    checked = check_answers(instrument_, answers)
    scored = instrument_.scored_items
    missing = tuple(i.id for i in scored if checked[i.id] is None)
    total: Fraction | None = None
    domains: tuple[DomainScore, ...] = ()
    reweighted = False
    reason: str | None = None
    if instrument_.scoring == "none":
        reason = f"{instrument_.short_name} is a checklist and has no score."
    elif instrument_.scoring == "fiqr":
        total, domains, reweighted, reason = _fiqr(instrument_, checked)
    elif instrument_.scoring == "item" and instrument_.score_item is not None:
        value = checked[instrument_.score_item]
        if value is None:
            reason = f"{instrument_.short_name}: the counted item was not answered."
        else:
            total = Fraction(value)
    elif len(missing) > instrument_.max_missing:
        reason = (
            f"{instrument_.short_name}: {len(missing)} of {len(scored)} items unanswered; "
            "every item is needed for a score."
        )
    else:
        values = [checked[i.id] for i in scored]
        raw = sum(v for v in values if v is not None)
        if instrument_.scoring == "mean":
            total = Fraction(raw, len(scored))
            domains = (DomainScore("sum", "Sum", raw, len(scored), len(scored), Decimal(raw)),)
        else:
            total = Fraction(raw)
    return Score(
        instrument_id=instrument_.id,
        instrument_version=instrument_.provenance.version,
        answers=tuple(checked.items()),
        total=None if total is None else _decimal(total),
        band=_band(instrument_, total, checked),
        domains=domains,
        missing=missing,
        reweighted=reweighted,
        not_scored_reason=reason,
        alerts=_alerts(instrument_, total, checked),
        knowledge_version=knowledge_version(),
        places=instrument_.score_places,
    )
