"""docs/clinical.md lists every knowledge entry, so the figures and their status stay documented."""

from pathlib import Path

from ivmt.clinical import knowledge

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical.md"


def test_every_knowledge_entry_id_appears_in_the_clinical_doc():
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for filename in knowledge.data_files():
        for items in knowledge.load_file(filename).values():
            if isinstance(items, list):
                missing += [f"{filename}:{item['id']}" for item in items if item["id"] not in text]
    assert missing == []
