from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ivmt.core.policy import role_may


def clinic_context(request: HttpRequest) -> dict[str, Any]:
    """The current clinic and role, and a ``can`` lookup for navigation by role."""
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None

    class Can:
        """``{{ can.patients_view }}``: the first underscore stands for the capability's dot."""

        def __getitem__(self, name: str) -> bool:
            return role is not None and role_may(role, name.replace("_", ".", 1))

    return {
        "membership": membership,
        "current_clinic": membership.clinic if membership else None,
        "can": Can(),
    }
