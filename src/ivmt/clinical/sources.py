"""The sources behind every ``[S..]`` tag (``data/sources.toml``, copied from REFERENCE.md §10).

The app links each tag a finding cites to this list, so the evidence is one click away. The
addresses are shown for the reader to follow; nothing is fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import EntryReader, entries

FILE = "sources.toml"


class UnknownSource(ClinicalError):
    """No source with this tag is listed."""


@dataclass(frozen=True)
class Source:
    """One REFERENCE.md §10 entry: its tag (``S14``), citation and addresses."""

    tag: str
    citation: str
    urls: tuple[str, ...]


def _load_one(entry: EntryReader) -> Source:
    entry.slug("id")
    tag = entry.text("tag")
    if entry.source_tags("sources") != (tag,):
        raise entry.error("sources", f"must be exactly ['{tag}']")
    entry.provenance()
    urls = entry.texts("urls")
    for url in urls:
        if not url.startswith(("https://", "http://")):
            raise entry.error("urls", f"'{url}' is not a web address")
    result = Source(tag=tag, citation=entry.text("citation"), urls=urls)
    entry.finish()
    return result


@cache
def _sources() -> dict[str, Source]:
    return {s.tag: s for s in (_load_one(e) for e in entries(FILE, "source"))}


def sources() -> tuple[Source, ...]:
    """Every source, in REFERENCE.md order."""
    return tuple(_sources().values())


def source(tag: str) -> Source:
    """The source with this tag (``"S14"``); raises UnknownSource."""
    try:
        return _sources()[tag]
    except KeyError:
        raise UnknownSource(f"No source {tag} in REFERENCE.md §10.") from None
