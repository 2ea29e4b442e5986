"""Writes of the pharmacy: stock (``stock``), bags (``compounding``) and settings.

Lock order, continuing the orders app's (patient → course order → planned dose): planned dose,
then compounding record, then stock lots by ascending id. Every service locks in that order
and no service locks a dose after a lot, so two services never wait on each other.
"""

from ivmt.pharmacy.services.compounding import (
    compounding_administer,
    compounding_dispense,
    compounding_prepare,
    compounding_verify,
    compounding_waste,
)
from ivmt.pharmacy.services.stock import lot_quarantine, lot_receive, pharmacy_settings_update

__all__ = [
    "compounding_administer",
    "compounding_dispense",
    "compounding_prepare",
    "compounding_verify",
    "compounding_waste",
    "lot_quarantine",
    "lot_receive",
    "pharmacy_settings_update",
]
