"""The roles a person can hold in a clinic (ARCHITECTURE.md, "Roles")."""

from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE = "nurse", "Nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    FRONT_DESK = "front_desk", "Front desk"
    MANAGER = "manager", "Manager"
    PATIENT = "patient", "Patient"


STAFF_ROLES = frozenset(
    {Role.PHYSICIAN, Role.NURSE, Role.PHARMACIST, Role.FRONT_DESK, Role.MANAGER}
)
CLINICAL_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE, Role.PHARMACIST})
