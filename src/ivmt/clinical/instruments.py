"""Outcome instruments (questionnaires and the tender-point count) as data.

The data is ``data/instruments.toml`` (REFERENCE.md §6): items with their ranges or answer
options, the scoring method, bands, the minimal important difference, alert rules and the
instrument set asked for each indication. Scoring is :mod:`ivmt.clinical.questionnaire_scoring`.

Wording: an instrument whose licence allows redistribution (or whose text is this software's
own) ships its item texts (``wording == "shipped"``); the others ship item ids only
(``"clinic_supplied"``) and the clinic loads the wording of its licensed copy in the app.

Trade-off: one generic loader with a few scoring methods (sum, mean, FIQR domains, a single
item, none) rather than a class per instrument: adding an instrument is a data change, reviewed
like any other figure; only a new *kind* of scoring needs code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal, cast

from ivmt.clinical.alerts import SEVERITY_ORDER, Severity
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.indications import indications
from ivmt.clinical.knowledge import STATUSES, EntryReader, Provenance, entries

FILE = "instruments.toml"
Scoring = Literal["sum", "mean", "fiqr", "item", "none"]
SCORINGS: tuple[Scoring, ...] = ("sum", "mean", "fiqr", "item", "none")
Better = Literal["lower", "higher"]


class UnknownInstrument(ClinicalError):
    """No instrument with this id is defined in the knowledge base."""


class AnswerError(ClinicalError):
    """An answer that is not a whole number, is out of range, or names an unknown item."""


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    """One question (or examined site). ``allowed`` lists the values an answer may take."""

    id: str
    text: str | None
    allowed: tuple[int, ...]
    scored: bool = True

    @property
    def minimum(self) -> int:
        return min(self.allowed)

    @property
    def maximum(self) -> int:
        return max(self.allowed)


@dataclass(frozen=True)
class Domain:
    """A FIQR domain: ``sum x len(items) / answered / divisor``."""

    id: str
    name: str
    items: tuple[str, ...]
    divisor: Decimal
    max_missing: int


@dataclass(frozen=True)
class Band:
    """A band runs from ``start`` (inclusive) to the next band's start; ``on`` an item or None."""

    id: str
    label: str
    start: Decimal
    on: str | None
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AlertRule:
    """Fires when ``item`` is at least ``at_least`` (or unanswered, if ``when_missing``), or
    when the total is at least ``total_at_least``."""

    id: str
    severity: Severity
    message: str
    item: str | None
    at_least: int | None
    total_at_least: Decimal | None
    when_missing: bool
    missing_message: str | None
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MinimalImportantDifference:
    value: Decimal
    unit: Literal["points", "percent"]
    note: str
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    short_name: str
    respondent: Literal["patient", "clinician"]
    scoring: Scoring
    score_item: str | None
    score_min: Decimal
    score_max: Decimal
    score_places: int
    better: Better
    at_baseline: bool
    max_missing: int
    recall: str
    question: str | None
    wording: Literal["shipped", "clinic_supplied"]
    licence: str
    licence_status: str
    options: tuple[Option, ...]
    items: tuple[Item, ...]
    domains: tuple[Domain, ...]
    bands: tuple[Band, ...]
    alerts: tuple[AlertRule, ...]
    mid: MinimalImportantDifference | None
    provenance: Provenance

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    @property
    def is_scored(self) -> bool:
        return self.scoring != "none"

    def item(self, item_id: str) -> Item:
        for candidate in self.items:
            if candidate.id == item_id:
                return candidate
        raise AnswerError(f"{self.short_name} has no item '{item_id}'.")

    def option_label(self, value: int) -> str | None:
        return next((o.label for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class InstrumentSet:
    """The instruments of the full assessment for one indication, main measure first."""

    indication: str
    instruments: tuple[str, ...]
    provenance: Provenance


def _options(entry: EntryReader) -> tuple[Option, ...]:
    options = []
    for raw in entry.tables("options", required=False):
        options.append(Option(value=raw.integer("value"), label=raw.text("label")))
        raw.finish()
    if len({o.value for o in options}) != len(options):
        raise entry.error("options", "option values repeat")
    return tuple(options)


def _item(entry: EntryReader, options: tuple[Option, ...]) -> Item:
    item_id = entry.slug("id")
    low, high = entry.optional_integer("min"), entry.optional_integer("max")
    if (low is None) != (high is None):
        raise entry.error("max", "give both min and max, or neither")
    if low is not None and high is not None:
        if options:
            raise entry.error("min", "an item of an instrument with options takes no range")
        if high < low:
            raise entry.error("max", f"{high} is below min {low}")
        allowed = tuple(range(low, high + 1))
    elif options:
        allowed = tuple(o.value for o in options)
    else:
        raise entry.error("min", "an item needs min and max, or the instrument needs options")
    item = Item(
        id=item_id,
        text=entry.optional_text("text"),
        allowed=allowed,
        scored=entry.optional_boolean("scored", True),
    )
    entry.finish()
    return item


def _domain(entry: EntryReader, item_ids: set[str]) -> Domain:
    listed = entry.texts("items", allow_empty=False)
    unknown = [i for i in listed if i not in item_ids]
    if unknown:
        raise entry.error("items", f"no item '{unknown[0]}'")
    domain = Domain(
        id=entry.slug("id"),
        name=entry.text("name"),
        items=listed,
        divisor=entry.decimal("divisor", positive=True),
        max_missing=entry.integer("max_missing", minimum=0),
    )
    if domain.max_missing >= len(listed):
        raise entry.error("max_missing", "must leave at least one item answered")
    entry.finish()
    return domain


def _band(entry: EntryReader) -> Band:
    status = entry.choice("status", STATUSES)
    sources = entry.source_tags("sources")
    if status == "sourced" and not sources:
        raise entry.error("sources", "a 'sourced' band must cite at least one source")
    band = Band(
        id=entry.slug("id"),
        label=entry.text("label"),
        start=entry.decimal("from"),
        on=entry.optional_text("on"),
        status=status,
        sources=sources,
    )
    entry.finish()
    return band


def _alert(entry: EntryReader, item_ids: set[str]) -> AlertRule:
    item = entry.optional_text("item")
    at_least = entry.optional_integer("at_least")
    total = entry.optional_decimal("total_at_least")
    if (item is None) == (total is None):
        raise entry.error("item", "give exactly one of item, total_at_least")
    if item is not None and (item not in item_ids or at_least is None):
        raise entry.error("item", f"'{item}' must be an item of the instrument, with at_least")
    when_missing = entry.optional_boolean("when_missing", False)
    missing_message = entry.optional_text("missing_message")
    if when_missing and missing_message is None:
        raise entry.error("missing_message", "is required when when_missing is true")
    severity = cast(Severity, entry.choice("severity", tuple(SEVERITY_ORDER)))
    rule = AlertRule(
        id=entry.slug("id"),
        severity=severity,
        message=entry.text("message"),
        item=item,
        at_least=at_least,
        total_at_least=total,
        when_missing=when_missing,
        missing_message=missing_message,
        status=entry.choice("status", STATUSES),
        sources=entry.source_tags("sources"),
    )
    entry.finish()
    return rule


def _mid(entry: EntryReader | None) -> MinimalImportantDifference | None:
    if entry is None:
        return None
    mid = MinimalImportantDifference(
        value=entry.decimal("value", positive=True),
        unit=cast(Literal["points", "percent"], entry.choice("unit", ("points", "percent"))),
        note=entry.text("note"),
        status=entry.choice("status", STATUSES),
        sources=entry.source_tags("sources"),
    )
    entry.finish()
    return mid


def _instrument(entry: EntryReader) -> Instrument:
    options = _options(entry)
    items = tuple(_item(i, options) for i in entry.tables("items"))
    item_ids = {i.id for i in items}
    if len(item_ids) != len(items):
        raise entry.error("items", "item ids repeat")
    scoring = cast(Scoring, entry.choice("scoring", SCORINGS))
    domains = tuple(_domain(d, item_ids) for d in entry.tables("domains", required=False))
    if (scoring == "fiqr") != bool(domains):
        raise entry.error("domains", "fiqr scoring needs domains, and only it uses them")
    score_item = entry.optional_text("score_item")
    if (scoring == "item") != (score_item is not None):
        raise entry.error("score_item", "item scoring needs score_item, and only it uses one")
    if score_item is not None and score_item not in item_ids:
        raise entry.error("score_item", f"no item '{score_item}'")
    bands = tuple(_band(b) for b in entry.tables("bands", required=False))
    for band in bands:
        if band.on is not None and band.on not in item_ids:
            raise entry.error("bands", f"band '{band.id}' is on an unknown item '{band.on}'")
    starts = [b.start for b in bands]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise entry.error("bands", "band starts must increase")
    wording = cast(
        Literal["shipped", "clinic_supplied"],
        entry.choice("wording", ("shipped", "clinic_supplied")),
    )
    if wording == "clinic_supplied" and any(i.text for i in items):
        raise entry.error("wording", "clinic_supplied instruments must not ship item texts")
    if wording == "shipped" and not all(i.text for i in items):
        raise entry.error("wording", "shipped instruments need a text for every item")
    instrument = Instrument(
        id=entry.slug("id"),
        name=entry.text("name"),
        short_name=entry.text("short_name"),
        respondent=cast(
            Literal["patient", "clinician"], entry.choice("respondent", ("patient", "clinician"))
        ),
        scoring=scoring,
        score_item=score_item,
        score_min=entry.decimal("score_min"),
        score_max=entry.decimal("score_max"),
        score_places=entry.integer("score_places", minimum=0),
        better=cast(Better, entry.choice("better", ("lower", "higher"))),
        at_baseline=entry.boolean("at_baseline"),
        max_missing=entry.integer("max_missing", minimum=0),
        recall=entry.text("recall"),
        question=entry.optional_text("question"),
        wording=wording,
        licence=entry.text("licence"),
        licence_status=entry.choice("licence_status", STATUSES),
        options=options,
        items=items,
        domains=domains,
        bands=bands,
        alerts=tuple(_alert(a, item_ids) for a in entry.tables("alerts", required=False)),
        mid=_mid(entry.optional_table("mid")),
        provenance=entry.provenance(),
    )
    entry.finish()
    return instrument


def _set(entry: EntryReader, known: dict[str, Instrument]) -> InstrumentSet:
    listed = entry.texts("instruments", allow_empty=False)
    for instrument_id in listed:
        if instrument_id not in known:
            raise entry.error("instruments", f"no instrument '{instrument_id}'")
    result = InstrumentSet(
        indication=entry.slug("id"), instruments=listed, provenance=entry.provenance()
    )
    entry.finish()
    return result


@cache
def _instruments() -> dict[str, Instrument]:
    return {i.id: i for i in (_instrument(e) for e in entries(FILE, "instrument"))}


@cache
def _sets() -> dict[str, InstrumentSet]:
    known = _instruments()
    sets = {s.indication: s for s in (_set(e, known) for e in entries(FILE, "instrument_set"))}
    missing = [i.code for i in indications() if i.code not in sets]
    if missing:
        raise ClinicalError(f"Knowledge file {FILE} has no instrument_set for '{missing[0]}'.")
    return sets


def instruments() -> tuple[Instrument, ...]:
    """Every instrument, in the order of the data file."""
    return tuple(_instruments().values())


def instrument(instrument_id: str) -> Instrument:
    """The instrument with this id; raises UnknownInstrument naming the known ids."""
    try:
        return _instruments()[instrument_id]
    except KeyError:
        known = ", ".join(_instruments())
        raise UnknownInstrument(
            f"Unknown instrument '{instrument_id}'. Known instruments: {known}."
        ) from None


def instrument_set(indication_code: str) -> InstrumentSet:
    """The instrument set for an indication code (every coded indication has one)."""
    try:
        return _sets()[indication_code]
    except KeyError:
        known = ", ".join(_sets())
        raise UnknownInstrument(
            f"No instrument set for indication '{indication_code}'. Known: {known}."
        ) from None


def full_set(indication_codes: tuple[str, ...], *, baseline: bool) -> tuple[str, ...]:
    """The union of the indications' sets, primary indication first, without repeats.

    At baseline, instruments that need a treatment to have started (PGIC) are left out.
    """
    chosen: dict[str, None] = {}
    for code in indication_codes:
        for instrument_id in instrument_set(code).instruments:
            if not baseline or instrument(instrument_id).at_baseline:
                chosen.setdefault(instrument_id, None)
    return tuple(chosen)
