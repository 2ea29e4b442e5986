"""The seed's indications are coded, and unverified codes say so."""

import pytest

from ivmt.clinical import indications
from ivmt.clinical.errors import ClinicalError, UnknownIndication

SEED_INDICATIONS = [
    "migraine",
    "fibromyalgia",
    "asthma",
    "chronic_fatigue_syndrome",
    "acute_muscle_spasm",
    "recurrent_colds",
    "chronic_sinusitis",
    "seasonal_allergies",
    "depression_anxiety",
    "malabsorption",
    "other",
]


def test_lists_every_seed_indication_with_other_last():
    assert [i.code for i in indications.indications()] == SEED_INDICATIONS


def test_primary_codes_come_from_the_reference():
    assert indications.indication("migraine").icd10 == "G43.909"
    assert "G43.709" in indications.indication("migraine").alternative_icd10
    assert indications.indication("fibromyalgia").icd10 == "M79.7"
    assert indications.indication("chronic_fatigue_syndrome").icd10 == "G93.32"
    assert indications.indication("asthma").icd10 == "J45.909"
    assert indications.indication("other").icd10 is None


def test_codes_the_reference_verified_are_sourced_and_others_unverified():
    assert indications.indication("migraine").status == "sourced"
    assert indications.indication("chronic_fatigue_syndrome").status == "sourced"
    for code in (
        "fibromyalgia",
        "asthma",
        "acute_muscle_spasm",
        "recurrent_colds",
        "chronic_sinusitis",
        "seasonal_allergies",
        "depression_anxiety",
        "malabsorption",
    ):
        item = indications.indication(code)
        assert item.status == "unverified", code
        assert all(c.status == "unverified" for c in item.codes), code


def test_every_indication_cites_the_seed():
    for item in indications.indications():
        assert "S44" in item.sources
        assert item.rationale and item.seed_wording


def test_refuses_an_unknown_indication():
    with pytest.raises(UnknownIndication) as caught:
        indications.indication("gout")
    assert isinstance(caught.value, ClinicalError)
    assert "migraine" in str(caught.value)
