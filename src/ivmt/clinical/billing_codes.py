"""US billing codes for an IVMT visit: CPT administration codes and HCPCS drug codes.

The codes are reviewed data (``billing_data/billing_codes.toml``, REFERENCE.md §7), each with
its sources and status; an ``unverified`` code is still used, but every document that shows it
says so. The file sits outside ``data/`` on purpose: codes change every year (AMA CPT, CMS
HCPCS), and a yearly code update must not change :func:`ivmt.clinical.knowledge.knowledge_version`
that the medical director approves and every screening run records. Charges store
:func:`billing_codes_version` instead.

The administration rule (:func:`administration_codes`) decides by the *charted* duration, from
the documented start to the documented stop [S41]:

* 15 minutes or less: an IV push, **96374**, one unit;
* more than 15 minutes: an infusion, **96365**, one unit for the first hour (16-90 minutes is
  one unit), plus one **96366** for each additional hour, an additional hour counting when more
  than 30 minutes run beyond the previous full hour: 91-150 minutes add one, 151-210 two, ...

The duration is exact (seconds count): 15 min 00 s is a push, 15 min 01 s is an infusion.
DESIGN: the route ordered (bag or syringe) does not change the code; CPT defines a push by its
time, so a "slow push" that ran 20 minutes is billed as the infusion it was.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache
from importlib import resources

from ivmt.clinical.errors import ClinicalError, KnowledgeError
from ivmt.clinical.knowledge import EntryReader, Provenance

DATA_PACKAGE = "ivmt.clinical.billing_data"
FILENAME = "billing_codes.toml"
PUSH_MAX = timedelta(minutes=15)
FIRST_HOUR_SPAN = timedelta(minutes=90)  # 16-90 minutes is one unit of 96365
ADDITIONAL_HOUR = timedelta(hours=1)
# DESIGN: longer than a working day is a charting error (a wrong date), not an infusion.
LONGEST_CHARTED = timedelta(hours=8)


class BillingCodeError(ClinicalError):
    """An unknown code id, or a duration that cannot be billed (stop before start, too long)."""


@dataclass(frozen=True)
class AdministrationCode:
    id: str
    code: str
    system: str
    description: str
    provenance: Provenance

    @property
    def verified(self) -> bool:
        return self.provenance.status == "sourced"


@dataclass(frozen=True)
class DrugCode:
    """The HCPCS code of one ingredient; ``unit_mg``/``unit_ml`` is what one billing unit holds
    (of the principal active, or of volume); neither: one unit per bag."""

    id: str
    ingredient_id: str
    code: str
    description: str
    unit_mg: Decimal | None
    unit_ml: Decimal | None
    provenance: Provenance

    @property
    def verified(self) -> bool:
        return self.provenance.status == "sourced"

    def units(self, *, active_mg: Decimal | None, volume_ml: Decimal) -> int:
        """Billing units for ``volume_ml`` holding ``active_mg``: whole units, rounded up."""
        if self.unit_mg is not None and active_mg is not None:
            amount, per = active_mg, self.unit_mg
        elif self.unit_ml is not None:
            amount, per = volume_ml, self.unit_ml
        else:
            return 1
        return max(1, int((amount / per).to_integral_value(rounding=ROUND_CEILING)))


@dataclass(frozen=True)
class CodedService:
    """One line of the administration: ``units`` of ``code``."""

    code: AdministrationCode
    units: int


def _load_document() -> Mapping[str, object]:
    try:
        raw = resources.files(DATA_PACKAGE).joinpath(FILENAME).read_bytes()
        return tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"Billing code file {FILENAME} cannot be read: {exc}.") from None


def _readers(document: Mapping[str, object], table: str) -> list[EntryReader]:
    raw = document.get(table)
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(f"Billing code file {FILENAME} has no [[{table}]] entries.")
    readers: list[EntryReader] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise KnowledgeError(f"Billing code file {FILENAME}: [[{table}]] #{index + 1}.")
        reader = EntryReader(FILENAME, f"{table} #{index + 1}", item)
        entry_id = reader.slug("id")
        if entry_id in seen:
            raise KnowledgeError(f"Billing code file {FILENAME}: '{entry_id}' is defined twice.")
        seen.add(entry_id)
        reader.where = f"{table} '{entry_id}'"
        readers.append(reader)
    return readers


@cache
def _codes() -> tuple[dict[str, AdministrationCode], dict[str, DrugCode], str]:
    document = _load_document()
    meta = document.get("billing_codes")
    if not isinstance(meta, dict) or not isinstance(meta.get("version"), str):
        raise KnowledgeError(f'Billing code file {FILENAME} needs [billing_codes] version = "...".')
    administration: dict[str, AdministrationCode] = {}
    for entry in _readers(document, "administration"):
        item = AdministrationCode(
            id=entry.slug("id"),
            code=entry.text("code"),
            system=entry.choice("system", ("CPT",)),
            description=entry.text("description"),
            provenance=entry.provenance(),
        )
        entry.finish()
        administration[item.code] = item
    drugs: dict[str, DrugCode] = {}
    for entry in _readers(document, "drug"):
        drug = DrugCode(
            id=entry.slug("id"),
            ingredient_id=entry.slug("ingredient"),
            code=entry.text("code"),
            description=entry.text("description"),
            unit_mg=entry.optional_decimal("unit_mg", positive=True),
            unit_ml=entry.optional_decimal("unit_ml", positive=True),
            provenance=entry.provenance(),
        )
        entry.finish()
        if drug.ingredient_id in drugs:
            raise KnowledgeError(
                f"Billing code file {FILENAME}: two codes for {drug.ingredient_id}."
            )
        drugs[drug.ingredient_id] = drug
    for needed in ("96365", "96366", "96374"):
        if needed not in administration:
            raise KnowledgeError(f"Billing code file {FILENAME} lacks CPT {needed}.")
    return administration, drugs, str(meta["version"])


def billing_codes_version() -> str:
    """The declared version of the code file (stored on every charge)."""
    return _codes()[2]


def administration_code(code: str) -> AdministrationCode:
    """The CPT administration code ``code`` (e.g. "96365"); raises BillingCodeError."""
    try:
        return _codes()[0][code]
    except KeyError:
        raise BillingCodeError(f"{code} is not a known administration code.") from None


def drug_code(ingredient_id: str) -> DrugCode | None:
    """The HCPCS code of an ingredient, or None when the file has none (e.g. a carrier fluid)."""
    return _codes()[1].get(ingredient_id)


def drug_codes() -> tuple[DrugCode, ...]:
    return tuple(_codes()[1].values())


def administration_codes(duration: timedelta) -> tuple[CodedService, ...]:
    """The CPT lines for an administration charted as lasting ``duration`` (see the module).

    Raises BillingCodeError when the duration is not positive (stop not after start) or longer
    than :data:`LONGEST_CHARTED`.
    """
    if duration <= timedelta(0):
        raise BillingCodeError("The infusion must end after it started.")
    if duration > LONGEST_CHARTED:
        raise BillingCodeError(
            "The charted infusion lasts more than 8 hours: check the start and stop times."
        )
    if duration <= PUSH_MAX:
        return (CodedService(administration_code("96374"), 1),)
    services = [CodedService(administration_code("96365"), 1)]
    beyond = duration - FIRST_HOUR_SPAN
    if beyond > timedelta(0):
        extra = int(
            (
                Decimal(beyond.total_seconds()) / Decimal(ADDITIONAL_HOUR.total_seconds())
            ).to_integral_value(rounding=ROUND_CEILING)
        )
        services.append(CodedService(administration_code("96366"), extra))
    return tuple(services)
