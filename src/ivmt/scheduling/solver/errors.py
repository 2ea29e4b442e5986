"""Errors raised by the scheduling solver."""


class InvalidInstanceError(ValueError):
    """The day instance (or a series request) cannot be scheduled as given.

    The message names the offending request, chair, nurse or field so the front desk or the
    importing service can show it unchanged.
    """
