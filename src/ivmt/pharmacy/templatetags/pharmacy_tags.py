"""Template helpers for pharmacy pages."""

from __future__ import annotations

from django import template

from ivmt.accounts.models import User
from ivmt.pharmacy.labels import signer as label_signer

register = template.Library()


@register.filter
def signer(user: User) -> str:
    """A pharmacist as the label names them ("P. Patel")."""
    return label_signer(user)
