"""Writes of the billing app: documents (``documents``), charges (``charges``), payments,
packages and settings (``payments``). Each is one audited change inside one transaction.

Lock order: patient → patient package → charges. ``charges_create_for_infusion`` is the hook
the infusion-charting app calls when an infusion is signed (see README.md).
"""

from ivmt.billing.services.charges import charge_add, charge_void, charges_create_for_infusion
from ivmt.billing.services.documents import (
    document_sign,
    document_template_publish,
    document_withdraw,
)
from ivmt.billing.services.payments import (
    billing_settings_update,
    npi_valid,
    package_create,
    package_sell,
    payment_record,
    payment_void,
    provider_npi_set,
)

__all__ = [
    "billing_settings_update",
    "charge_add",
    "charge_void",
    "charges_create_for_infusion",
    "document_sign",
    "document_template_publish",
    "document_withdraw",
    "npi_valid",
    "package_create",
    "package_sell",
    "payment_record",
    "payment_void",
    "provider_npi_set",
]
