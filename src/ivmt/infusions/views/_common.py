"""What the pages share: times typed in the clinic's zone, status codes, names."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from ivmt.clinical.side_effects import side_effects
from ivmt.core.access import Actor
from ivmt.patients.errors import EditConflict


def now_text(actor: Actor) -> str:
    return timezone.now().astimezone(actor.clinic.zone).strftime("%Y-%m-%dT%H:%M")


def aware(actor: Actor, value: datetime) -> datetime:
    return timezone.make_aware(value, actor.clinic.zone) if timezone.is_naive(value) else value


def status_for(error: ValidationError) -> int:
    return 409 if isinstance(error, EditConflict) else 400


def side_effect_names() -> dict[str, str]:
    return {e.id: e.name for e in side_effects()}
