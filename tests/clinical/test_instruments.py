"""Instruments are data: sourced figures, licences respected, a set for every indication."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ivmt.clinical import indications
from ivmt.clinical.errors import KnowledgeError
from ivmt.clinical.instruments import (
    UnknownInstrument,
    _instrument,
    full_set,
    instrument,
    instrument_set,
    instruments,
)
from ivmt.clinical.knowledge import EntryReader

ASKED_FOR = {
    "monthly_migraine_days",
    "midas",
    "hit6",
    "fiqr",
    "pain_nrs",
    "phq9",
    "gad7",
    "fss",
    "act",
    "pgic",
    "tender_points",
}


def test_every_instrument_the_issue_names_is_defined():
    assert {i.id for i in instruments()} >= ASKED_FOR


@pytest.mark.parametrize(
    ("instrument_id", "low", "high"),
    [
        ("hit6", 36, 78),
        ("fiqr", 0, 100),
        ("phq9", 0, 27),
        ("gad7", 0, 21),
        ("fss", 1, 7),
        ("act", 5, 25),
        ("tender_points", 0, 18),
    ],
)
def test_score_ranges_are_those_of_reference_section_6(instrument_id, low, high):
    measure = instrument(instrument_id)
    assert (measure.score_min, measure.score_max) == (low, high)
    items = measure.scored_items
    if measure.scoring == "sum":
        assert sum(i.minimum for i in items) == low
        assert sum(i.maximum for i in items) == high


def test_minimal_important_differences_are_cited_and_unverified_ones_stay_marked():
    mids = {i.id: i.mid for i in instruments() if i.mid}
    assert {k: (v.value, v.unit) for k, v in mids.items()} == {
        "hit6": (D(6), "points"),
        "fiqr": (D(14), "percent"),
        "pain_nrs": (D(30), "percent"),
        "act": (D(3), "points"),
    }
    assert mids["fiqr"].status == "unverified"  # FIQ's MCID applied to the FIQR
    assert all(m.sources for m in mids.values())
    # REFERENCE.md found no MCID for MIDAS or the FSS: none is invented.
    assert instrument("midas").mid is None and instrument("fss").mid is None


def test_licensed_instruments_ship_item_ids_only():
    licensed = {i.id for i in instruments() if i.wording == "clinic_supplied"}
    assert licensed == {"midas", "hit6", "fiqr", "fss", "act"}
    for instrument_id in licensed:
        assert all(item.text is None for item in instrument(instrument_id).items)


def test_shipped_wording_says_under_which_licence():
    for measure in instruments():
        if measure.wording == "shipped":
            assert measure.licence and all(item.text for item in measure.items)
    assert instrument("phq9").licence_status == "unverified"


def test_every_coded_indication_has_an_instrument_set():
    for indication in indications.indications():
        assert instrument_set(indication.code).instruments


def test_the_full_set_unites_indications_primary_first_and_skips_pgic_at_baseline():
    assert full_set(("migraine", "depression_anxiety"), baseline=False) == (
        "monthly_migraine_days",
        "midas",
        "hit6",
        "pain_nrs",
        "pgic",
        "phq9",
        "gad7",
    )
    assert "pgic" not in full_set(("fibromyalgia",), baseline=True)
    assert full_set(("fibromyalgia",), baseline=True) == (
        "fiqr",
        "pain_nrs",
        "tender_points",
        "phq9",
    )


def test_unknown_instrument_names_the_known_ones():
    with pytest.raises(UnknownInstrument, match="Known instruments: monthly_migraine_days"):
        instrument("sf36")


def _raw(**changes):
    base = {
        "id": "x",
        "version": 1,
        "name": "X",
        "short_name": "X",
        "respondent": "patient",
        "scoring": "sum",
        "score_min": 0,
        "score_max": 10,
        "score_places": 0,
        "better": "lower",
        "at_baseline": True,
        "max_missing": 0,
        "recall": "today",
        "wording": "clinic_supplied",
        "licence": "x",
        "licence_status": "design",
        "sources": ["S37"],
        "status": "sourced",
        "rationale": "why",
        "items": [{"id": "a", "min": 0, "max": 10}],
    }
    base.update(changes)
    return EntryReader("instruments.toml", "instrument 'x'", base)


def test_a_well_formed_entry_loads():
    assert _instrument(_raw()).items[0].allowed == tuple(range(11))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"items": [{"id": "a", "min": 0}]}, "give both min and max"),
        ({"items": [{"id": "a", "min": 5, "max": 1}]}, "is below min"),
        ({"items": [{"id": "a", "text": "Pain?", "min": 0, "max": 10}]}, "must not ship"),
        ({"scoring": "fiqr"}, "fiqr scoring needs domains"),
        ({"scoring": "item"}, "needs score_item"),
        (
            {"bands": [{"id": "b", "label": "B", "from": 5, "sources": [], "status": "sourced"}]},
            "must cite",
        ),
        (
            {
                "bands": [
                    {"id": "a", "label": "A", "from": 5, "sources": [], "status": "design"},
                    {"id": "b", "label": "B", "from": 1, "sources": [], "status": "design"},
                ]
            },
            "band starts must increase",
        ),
        (
            {
                "alerts": [
                    {
                        "id": "a",
                        "severity": "stop",
                        "message": "m",
                        "sources": [],
                        "status": "design",
                    }
                ]
            },
            "exactly one of item",
        ),
        ({"scoring": "median"}, "is not one of"),
        ({"itemz": []}, "is not a known field"),
    ],
)
def test_malformed_instrument_data_is_refused_with_the_field_named(changes, words):
    with pytest.raises(KnowledgeError, match=words):
        _instrument(_raw(**changes))
