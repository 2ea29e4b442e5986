"""The knowledge base is data with provenance, schema-checked at load."""

import re
from decimal import Decimal as D

import pytest

from ivmt.clinical import knowledge
from ivmt.clinical.errors import ClinicalError, KnowledgeError
from ivmt.clinical.knowledge import EntryReader


def _entry(**raw):
    base = {"id": "x", "version": 1, "sources": ["S11"], "rationale": "why", "status": "sourced"}
    base.update(raw)
    return EntryReader("ingredients.toml", "ingredient 'x'", base)


def test_knowledge_version_is_declared_version_plus_content_hash():
    version = knowledge.knowledge_version()
    assert re.fullmatch(r"\d{4}\.\d+\.\d+\+[0-9a-f]{12}", version)


def test_every_entry_of_every_data_file_carries_provenance():
    checked = 0
    for filename in knowledge.data_files():
        document = knowledge.load_file(filename)
        for table, items in document.items():
            if not isinstance(items, list):
                continue
            for item in items:
                missing = set(knowledge.common_fields()) - set(item)
                assert not missing, f"{filename} [[{table}]] {item.get('id')}: missing {missing}"
                assert item["status"] in knowledge.STATUSES
                checked += 1
    assert checked > 20


def test_numbers_are_parsed_as_decimals_never_floats():
    document = knowledge.load_file("ions.toml")
    magnesium = next(i for i in document["ion"] if i["id"] == "magnesium")
    assert magnesium["molar_mass_g_per_mol"] == D("24.305")
    assert isinstance(magnesium["molar_mass_g_per_mol"], D)


def test_missing_field_error_names_file_entry_and_field():
    with pytest.raises(KnowledgeError) as caught:
        _entry().decimal("strength_mg_per_ml")
    assert str(caught.value) == (
        "Knowledge file ingredients.toml, entry ingredient 'x', "
        "field 'strength_mg_per_ml': is required but missing."
    )
    assert isinstance(caught.value, ClinicalError)


def test_refuses_a_misspelt_field():
    entry = _entry(max_mll=5)
    entry.provenance()
    entry.slug("id")
    with pytest.raises(KnowledgeError, match="'max_mll': is not a known field"):
        entry.finish()


def test_a_sourced_entry_must_cite_a_source():
    with pytest.raises(KnowledgeError, match="must cite at least one source"):
        _entry(sources=[]).provenance()


def test_sources_must_be_reference_tags():
    with pytest.raises(KnowledgeError, match=r"not a REFERENCE\.md tag"):
        _entry(sources=["Gaby 2002"]).provenance()


def test_status_must_be_one_of_three():
    with pytest.raises(
        KnowledgeError, match="'approved' is not one of sourced, unverified, design"
    ):
        _entry(status="approved").provenance()


@pytest.mark.parametrize("bad", ["5", True, [5]])
def test_numbers_must_be_numbers(bad):
    with pytest.raises(KnowledgeError, match="must be a number"):
        _entry(volume_ml=bad).decimal("volume_ml")


def test_refuses_a_negative_where_positive_is_required():
    with pytest.raises(KnowledgeError, match="greater than zero"):
        _entry(volume_ml=D("-1")).decimal("volume_ml", positive=True)


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(KnowledgeError, match=r"nosuch\.toml is missing"):
        knowledge.load_file("nosuch.toml")
