"""What a patient is told before a visit, from the seed clinic's own page [S44]
(shared/clinical/REFERENCE.md §1.1; seed 000, "Procedure"):

* "you will need to set aside some time for the infusion to be completed" — the visit's
  length is stated: IV placement + the infusion + observation;
* "It is advised that you drink plenty of fluids before the appointment and dress warm so that
  your IV will be more easily inserted";
* "Most infusions are completed within an hour" and "You will have no restrictions following
  the infusion".

Used by the confirmation and reminder e-mails and by every calendar event, worded once here.
"""

from __future__ import annotations

from ivmt.scheduling.models import Appointment

FLUIDS_AND_WARMTH = (
    "Drink plenty of fluids before your appointment and dress warm: your IV will be easier "
    "to place."
)
NO_RESTRICTIONS = "You will have no restrictions after the infusion."


def visit_parts(appointment: Appointment) -> str:
    """The visit's length in words: placement, infusion and observation."""
    parts = [f"about {appointment.placement_minutes} minutes to place the IV"]
    parts.append(f"the infusion itself (about {appointment.infusion_minutes} minutes)")
    if appointment.observation_minutes:
        parts.append(f"{appointment.observation_minutes} minutes of rest afterwards")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def advice_lines(appointment: Appointment) -> list[str]:
    """The advice, one sentence a line (calendar descriptions and e-mails)."""
    if appointment.kind != Appointment.Kind.INFUSION:
        return ["Please arrive a few minutes early."]
    return [
        f"Please set aside the time: {visit_parts(appointment)}.",
        FLUIDS_AND_WARMTH,
        NO_RESTRICTIONS,
    ]
