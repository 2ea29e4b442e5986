"""Loading the knowledge base: TOML files in ``ivmt/clinical/data/``, schema-checked at load.

Every entry of every file carries ``id``, ``version``, ``sources`` (the ``[S..]`` tags of
``shared/clinical/REFERENCE.md``), ``rationale`` and ``status`` (``sourced`` | ``unverified`` |
``design``). Numbers are parsed straight into :class:`~decimal.Decimal` (``tomllib`` with
``parse_float=Decimal``), so a figure such as ``24.305`` never passes through a binary float.

Each domain module (``labs``, ``ingredients`` ...) reads its own file through :class:`EntryReader`,
which raises :class:`~ivmt.clinical.errors.KnowledgeError` naming the file, the entry and the field
for a missing field, a wrong type or an unknown field (a misspelt optional field would otherwise be
silently ignored, which is how a limit quietly stops applying).

:func:`knowledge_version` is the declared version in ``data/knowledge.toml`` plus a short hash of
the content of every data file, so two installations that report the same string used the same
figures; every clinical decision should store it.

Trade-offs: a hand-written checker rather than a schema library keeps the clinical core free of
dependencies and lets the messages speak the domain; the price is that each loader spells out its
fields, which doubles as the schema's documentation.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal, cast

from ivmt.clinical.errors import KnowledgeError

Status = Literal["sourced", "unverified", "design"]
STATUSES: tuple[Status, ...] = ("sourced", "unverified", "design")

_SOURCE_TAG = re.compile(r"^S[0-9]+$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
DATA_PACKAGE = "ivmt.clinical.data"
_COMMON_FIELDS = ("id", "version", "sources", "rationale", "status")


@dataclass(frozen=True)
class Provenance:
    """Where a knowledge entry comes from and how far it can be trusted."""

    version: int
    sources: tuple[str, ...]
    status: Status
    rationale: str


def data_files() -> tuple[str, ...]:
    """Names of the TOML files of the knowledge base, sorted."""
    root = resources.files(DATA_PACKAGE)
    return tuple(sorted(p.name for p in root.iterdir() if p.name.endswith(".toml")))


def _read_bytes(filename: str) -> bytes:
    return resources.files(DATA_PACKAGE).joinpath(filename).read_bytes()


@cache
def load_file(filename: str) -> Mapping[str, object]:
    """Parse one data file (cached); numbers become ``Decimal``; raises KnowledgeError."""
    try:
        text = _read_bytes(filename).decode("utf-8")
    except FileNotFoundError:
        raise KnowledgeError(f"Knowledge file {filename} is missing.") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"Knowledge file {filename} is not valid TOML: {exc}.") from None


@cache
def knowledge_version() -> str:
    """The declared knowledge version plus a 12-hex-digit hash of every data file's bytes.

    Example: ``"2026.11.1+3f2a9c0d1b7e"``. Any edit to any data file changes the hash, so the
    string identifies exactly the figures a decision used.
    """
    meta = load_file("knowledge.toml").get("knowledge")
    if not isinstance(meta, dict) or not isinstance(meta.get("version"), str):
        raise KnowledgeError('Knowledge file knowledge.toml needs [knowledge] version = "...".')
    digest = hashlib.sha256()
    for name in data_files():
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(_read_bytes(name) + b"\0")
    return f"{meta['version']}+{digest.hexdigest()[:12]}"


def entries(filename: str, table: str) -> Iterator[EntryReader]:
    """Readers for each ``[[table]]`` entry of a file; checks ids are unique."""
    document = load_file(filename)
    raw = document.get(table)
    if not isinstance(raw, list) or not raw:
        raise KnowledgeError(f"Knowledge file {filename} has no [[{table}]] entries.")
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise KnowledgeError(
                f"Knowledge file {filename}: [[{table}]] #{index + 1} is not a table."
            )
        reader = EntryReader(filename, f"{table} #{index + 1}", item)
        entry_id = reader.slug("id")
        reader.where = f"{table} '{entry_id}'"
        if entry_id in seen:
            raise KnowledgeError(f"Knowledge file {filename}: {reader.where} is defined twice.")
        seen.add(entry_id)
        yield reader


class EntryReader:
    """Typed access to one TOML table, raising KnowledgeError that names file, entry and field.

    Call :meth:`finish` once every field is read: it refuses fields the loader did not expect.
    """

    def __init__(self, filename: str, where: str, raw: Mapping[str, object]) -> None:
        self.filename = filename
        self.where = where
        self._raw = raw
        self._used: set[str] = set()

    def error(self, field: str, problem: str) -> KnowledgeError:
        return KnowledgeError(
            f"Knowledge file {self.filename}, entry {self.where}, field '{field}': {problem}."
        )

    def has(self, field: str) -> bool:
        return field in self._raw

    def is_text(self, field: str) -> bool:
        """True when the field holds a string (for the rare field that may be text or number)."""
        return isinstance(self._raw.get(field), str)

    def _get(self, field: str) -> object:
        self._used.add(field)
        if field not in self._raw:
            raise self.error(field, "is required but missing")
        return self._raw[field]

    def text(self, field: str) -> str:
        value = self._get(field)
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, "must be a non-empty string")
        return value

    def optional_text(self, field: str) -> str | None:
        if self.has(field):
            return self.text(field)
        self._used.add(field)
        return None

    def slug(self, field: str) -> str:
        value = self.text(field)
        if not _SLUG.match(value):
            raise self.error(field, f"'{value}' must be lower-case letters, digits and '_'")
        return value

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        value = self.text(field)
        if value not in allowed:
            raise self.error(field, f"'{value}' is not one of {', '.join(allowed)}")
        return value

    def decimal(self, field: str, *, positive: bool = False, non_negative: bool = False) -> Decimal:
        value = self._get(field)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error(field, "must be a number")
        number = Decimal(value)
        if not number.is_finite():
            raise self.error(field, "must be finite")
        if positive and number <= 0:
            raise self.error(field, f"must be greater than zero, not {number}")
        if non_negative and number < 0:
            raise self.error(field, f"must not be negative, not {number}")
        return number

    def optional_decimal(
        self, field: str, *, positive: bool = False, non_negative: bool = False
    ) -> Decimal | None:
        if not self.has(field):
            self._used.add(field)
            return None
        return self.decimal(field, positive=positive, non_negative=non_negative)

    def integer(self, field: str, *, minimum: int | None = None) -> int:
        value = self._get(field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(field, "must be a whole number")
        if minimum is not None and value < minimum:
            raise self.error(field, f"must be at least {minimum}, not {value}")
        return value

    def optional_integer(self, field: str, *, minimum: int | None = None) -> int | None:
        if self.has(field):
            return self.integer(field, minimum=minimum)
        self._used.add(field)
        return None

    def integer_list(self, field: str) -> list[int]:
        value = self._get(field)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        ):
            raise self.error(field, "must be a non-empty list of positive whole numbers")
        return list(value)

    def boolean(self, field: str) -> bool:
        value = self._get(field)
        if not isinstance(value, bool):
            raise self.error(field, "must be true or false")
        return value

    def optional_boolean(self, field: str, default: bool) -> bool:
        if self.has(field):
            return self.boolean(field)
        self._used.add(field)
        return default

    def texts(self, field: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        value = self._get(field)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(field, "must be a list of non-empty strings")
        if not value and not allow_empty:
            raise self.error(field, "must not be empty")
        return tuple(cast(list[str], value))

    def optional_texts(self, field: str) -> tuple[str, ...]:
        if self.has(field):
            return self.texts(field)
        self._used.add(field)
        return ()

    def tables(self, field: str, *, required: bool = True) -> tuple[EntryReader, ...]:
        """Readers for an array of sub-tables (``[[entry.field]]``)."""
        if not required and not self.has(field):
            self._used.add(field)
            return ()
        value = self._get(field)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(field, "must be an array of tables")
        return tuple(
            EntryReader(self.filename, f"{self.where}, {field}[{i}]", cast(dict[str, object], v))
            for i, v in enumerate(value)
        )

    def table(self, field: str) -> EntryReader:
        value = self._get(field)
        if not isinstance(value, dict):
            raise self.error(field, "must be a table")
        return EntryReader(self.filename, f"{self.where}, {field}", cast(dict[str, object], value))

    def source_tags(self, field: str) -> tuple[str, ...]:
        """A list of REFERENCE.md source tags such as ``["S11", "S44"]``."""
        tags = self.texts(field)
        for tag in tags:
            if not _SOURCE_TAG.match(tag):
                raise self.error(field, f"'{tag}' is not a REFERENCE.md tag such as 'S11'")
        return tags

    def optional_table(self, field: str) -> EntryReader | None:
        if self.has(field):
            return self.table(field)
        self._used.add(field)
        return None

    def provenance(self) -> Provenance:
        """Read the common fields; a 'sourced' entry must cite at least one [S..] tag."""
        version = self.integer("version", minimum=1)
        sources = self.source_tags("sources")
        status = cast(Status, self.choice("status", STATUSES))
        if status == "sourced" and not sources:
            raise self.error("sources", "a 'sourced' entry must cite at least one source")
        return Provenance(
            version=version, sources=sources, status=status, rationale=self.text("rationale")
        )

    def finish(self) -> None:
        """Refuse fields that no loader read (typos, stale fields)."""
        unknown = sorted(set(self._raw) - self._used)
        if unknown:
            raise self.error(unknown[0], "is not a known field")


def common_fields() -> tuple[str, ...]:
    """The fields every knowledge entry must have."""
    return _COMMON_FIELDS
