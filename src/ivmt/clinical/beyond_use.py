"""Beyond-use date and time of a compounded bag under USP <797> (``data/beyond_use.toml``).

``bud = preparation start + the category's hours``, computed on the UTC timeline and returned
in the time zone of the start. Adding hours to a local aware datetime in Python is wall-clock
arithmetic (a DST change would make "4 hours" 3 or 5 real hours); converting to UTC first keeps
the limit in elapsed hours, which is what sterility depends on.

Only aware datetimes are accepted: a naive time has no defined moment and is refused with a
BeyondUseError. Category 2 entries exist but are 'unverified'; the result carries the status so
the app can show it, and :func:`beyond_use` can be told to refuse them (``allow_unverified``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

from ivmt.clinical.errors import BeyondUseError
from ivmt.clinical.knowledge import Provenance, entries

FILE = "beyond_use.toml"
CATEGORIES = ("immediate_use", "category_1", "category_2_aseptic", "category_2_nonsterile")
STORAGES = ("room_temperature", "refrigerated", "frozen")
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class BeyondUseRule:
    """How long a CSP of ``category`` stored at ``storage`` may be used, in hours."""

    id: str
    category: str
    storage: str
    hours: Decimal
    label: str
    provenance: Provenance


@dataclass(frozen=True)
class BeyondUse:
    """The beyond-use moment of one preparation (same time zone as ``prepared_at``)."""

    prepared_at: datetime
    beyond_use_at: datetime
    rule: BeyondUseRule

    @property
    def status(self) -> str:
        return self.rule.provenance.status

    def expired(self, now: datetime) -> bool:
        """True when ``now`` (aware) is at or after the beyond-use moment."""
        return _aware(now, "The current time") >= self.beyond_use_at


@cache
def beyond_use_rules() -> tuple[BeyondUseRule, ...]:
    """Every rule, in the order of the data file."""
    rules = []
    seen: set[tuple[str, str]] = set()
    for entry in entries(FILE, "beyond_use"):
        rule = BeyondUseRule(
            id=entry.slug("id"),
            category=entry.choice("category", CATEGORIES),
            storage=entry.choice("storage", STORAGES),
            hours=entry.decimal("hours", positive=True),
            label=entry.text("label"),
            provenance=entry.provenance(),
        )
        if (rule.category, rule.storage) in seen:
            raise entry.error("storage", "this category and storage already have a rule")
        seen.add((rule.category, rule.storage))
        entry.finish()
        rules.append(rule)
    return tuple(rules)


def beyond_use_rule(category: str, storage: str = "room_temperature") -> BeyondUseRule:
    """The rule for a category and storage; raises BeyondUseError naming the choices."""
    for rule in beyond_use_rules():
        if rule.category == category and rule.storage == storage:
            return rule
    choices = ", ".join(f"{r.category}/{r.storage}" for r in beyond_use_rules())
    raise BeyondUseError(
        f"No beyond-use rule for {category} stored {storage.replace('_', ' ')}. "
        f"Choose one of: {choices}."
    )


def _aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime):
        raise BeyondUseError(f"{what} must be a date and time, not {moment!r}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BeyondUseError(f"{what} has no time zone; give an aware date and time.")
    return moment


def beyond_use(
    prepared_at: datetime,
    category: str,
    storage: str = "room_temperature",
    *,
    allow_unverified: bool = True,
) -> BeyondUse:
    """The beyond-use moment of a preparation started at ``prepared_at`` (aware).

    Raises BeyondUseError for a naive datetime, an unknown category/storage, or an unverified
    rule when ``allow_unverified`` is False.
    """
    start = _aware(prepared_at, "The preparation start")
    rule = beyond_use_rule(category, storage)
    if not allow_unverified and rule.provenance.status != "sourced":
        raise BeyondUseError(
            f"The beyond-use figure for {rule.label} is {rule.provenance.status}; "
            "a pharmacist must confirm it before use."
        )
    seconds = int(rule.hours * SECONDS_PER_HOUR)
    moment = (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(start.tzinfo)
    return BeyondUse(prepared_at=start, beyond_use_at=moment, rule=rule)
