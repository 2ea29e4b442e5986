"""Chart-change notifications: the explicit hook that lets later apps react to chart edits
without the patients app importing them (ARCHITECTURE.md: patients → screening → ...).

The patients services call :func:`chart_changed` inside their transaction after a medication,
condition, allergy, lab result or the demographics change. Apps subscribe once, in their
``AppConfig.ready()``, with :func:`chart_listen` (the screening app re-screens the patient).

Each listener runs inside its own savepoint. A listener that raises is rolled back alone and
logged: the chart change itself still commits. That is deliberate — a fault in a downstream app
must not stop a nurse recording a medication — and safe for screening, whose gate compares the
latest run with the chart and refuses when they differ, so a missed re-screen blocks, it never
passes.

Trade-off against Django signals: a plain registry is explicit (the call sites and the
subscription are greppable, typed, and tested), carries the acting person, and cannot fire from
``QuerySet.update()`` by surprise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.db import transaction

if TYPE_CHECKING:
    from ivmt.core.access import Actor

logger = logging.getLogger(__name__)

ChangeKind = Literal["medication", "condition", "allergy", "lab", "demographics"]


@dataclass(frozen=True)
class ChartChange:
    """What changed on whose chart, and who changed it (listeners act on the actor's behalf)."""

    actor: Actor
    patient_id: int
    clinic_id: int
    kind: ChangeKind


Listener = Callable[[ChartChange], object]  # a return value is ignored
_listeners: list[Listener] = []


def chart_listen(listener: Listener) -> None:
    """Subscribe ``listener`` (idempotent: ``ready()`` may run more than once in tests)."""
    if listener not in _listeners:
        _listeners.append(listener)


def chart_unlisten(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def chart_listeners() -> tuple[Listener, ...]:
    return tuple(_listeners)


def chart_changed(*, actor: Actor, patient_id: int, clinic_id: int, kind: ChangeKind) -> None:
    """Tell every listener; each runs in a savepoint and a failure is logged, not raised."""
    change = ChartChange(actor=actor, patient_id=patient_id, clinic_id=clinic_id, kind=kind)
    for listener in tuple(_listeners):
        try:
            with transaction.atomic():
                listener(change)
        except Exception:
            logger.exception(
                "Chart listener %s failed for patient %s (%s change); the change was kept.",
                getattr(listener, "__qualname__", listener),
                patient_id,
                kind,
            )
