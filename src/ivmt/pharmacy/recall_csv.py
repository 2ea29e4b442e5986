"""The recall list as CSV, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV/formula injection, OWASP): a patient named
``=HYPERLINK(...)`` would run in the recall coordinator's spreadsheet. Such cells are prefixed
with an apostrophe, which the spreadsheet shows as text and hides.
"""

from __future__ import annotations

import csv
import io
from datetime import tzinfo

from ivmt.pharmacy.selectors import Recall

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Patient family name",
    "Given name",
    "Date of birth",
    "MRN",
    "Bag",
    "Dose",
    "Prepared",
    "Status",
    "Administered",
    "Received the lot",
    "Lot volume in bag (mL)",
]


def neutralise(value: object) -> str:
    """``value`` as text a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def recall_csv(recall: Recall, zone: tzinfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [neutralise(f"Recall of {recall.lot.ingredient_id} lot {recall.lot.lot_number}")]
    )
    writer.writerow(HEADER)
    for row in recall.rows:
        record, patient = row.record, row.record.patient
        administered = record.administered_at.astimezone(zone) if record.administered_at else None
        writer.writerow(
            [
                neutralise(patient.family_name),
                neutralise(patient.given_name),
                patient.date_of_birth.isoformat(),
                neutralise(patient.mrn),
                record.bag_code,
                record.dose.number,
                record.prep_started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                record.status,
                administered.strftime("%Y-%m-%d %H:%M") if administered else "",
                row.received,
                f"{row.used_ml.normalize():f}",
            ]
        )
    return out.getvalue()
