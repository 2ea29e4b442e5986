"""What a patient may feel or show during an infusion (``data/side_effects.toml``).

The seeds' list of side effects and the signs of a leaking IV, each with its kind:

* ``minor`` — charted; may suggest a longer infusion or more dilution next time
  (:mod:`ivmt.clinical.next_dose`);
* ``serious`` — always an adverse-event record and a notification to the physicians;
* ``extravasation`` — the IV may be leaking: the nurse is prompted to stop the infusion and
  must document the action taken.

:func:`needs_adverse_event` is the one rule that turns a charted side effect into an adverse
event: a serious kind, or any side effect the nurse grades ``severe``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal, cast

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import Provenance, entries

FILE = "side_effects.toml"
Kind = Literal["minor", "serious", "extravasation"]
Advice = Literal["none", "slower", "dilute", "slower_and_dilute"]
SEVERITIES = ("mild", "moderate", "severe")


class UnknownSideEffect(ClinicalError):
    """No side effect with this id, or a severity that is not mild, moderate or severe."""


@dataclass(frozen=True)
class SideEffect:
    id: str
    name: str
    kind: Kind
    advice: Advice
    notify: bool
    prompt: str
    provenance: Provenance

    @property
    def slower(self) -> bool:
        return self.advice in ("slower", "slower_and_dilute")

    @property
    def dilute(self) -> bool:
        return self.advice in ("dilute", "slower_and_dilute")

    @property
    def prompts_stop(self) -> bool:
        """Serious events and signs of leaking: the nurse is told to stop the infusion."""
        return self.kind in ("serious", "extravasation")


@cache
def side_effects() -> tuple[SideEffect, ...]:
    """Every side effect, in the order of the data file (the order the form lists them)."""
    loaded = []
    for entry in entries(FILE, "side_effect"):
        loaded.append(
            SideEffect(
                id=entry.slug("id"),
                name=entry.text("name"),
                kind=cast(Kind, entry.choice("kind", ("minor", "serious", "extravasation"))),
                advice=cast(
                    Advice,
                    entry.choice("advice", ("none", "slower", "dilute", "slower_and_dilute")),
                ),
                notify=entry.boolean("notify"),
                prompt=entry.text("prompt"),
                provenance=entry.provenance(),
            )
        )
        entry.finish()
    return tuple(loaded)


def side_effect(side_effect_id: str) -> SideEffect:
    """The side effect with this id; UnknownSideEffect otherwise."""
    for candidate in side_effects():
        if candidate.id == side_effect_id:
            return candidate
    raise UnknownSideEffect("Choose a side effect from the list.")


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise UnknownSideEffect("Choose a severity: mild, moderate or severe.")
    return severity


def needs_adverse_event(side_effect_id: str, severity: str) -> bool:
    """True for a serious side effect, or any side effect graded severe."""
    return side_effect(side_effect_id).kind == "serious" or check_severity(severity) == "severe"
