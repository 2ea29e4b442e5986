"""Role × page: every named page answers each role as the policy table says.

Pages are found from the URL resolver, so a new page joins this test by itself; a view that
declares no capability fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from tests.access_ids import URL_IDS
from tests.conftest import make_member

from ivmt.accounts.models import Clinic, Membership, User
from ivmt.core.policy import role_may
from ivmt.core.roles import Role
from ivmt.patients.models import Patient


def _named_patterns() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((namespace + entry.name, entry))

    walk(get_resolver().url_patterns, "")
    return found


PAGES = _named_patterns()


def _url(name: str, pattern: URLPattern, patient: Patient, membership: Membership) -> str:
    """The page's URL for objects of the user's own clinic (ids a new page needs go here)."""
    kwargs = {key: URL_IDS[key](patient, membership) for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def test_every_page_declares_who_may_open_it() -> None:
    missing = [name for name, p in PAGES if not hasattr(p.callback, "capability")]
    assert missing == []


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_the_pages_the_policy_allows(
    role: Role,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    client: Client,
    morgan: User,
) -> None:
    patient = make_patient()
    user = make_member(
        clinic, f"user_{role.value}", role, **({"patient": patient} if role == Role.PATIENT else {})
    )
    membership = Membership.objects.get(user=morgan)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    wrong: list[str] = []
    for name, pattern in PAGES:
        capability = pattern.callback.capability  # type: ignore[attr-defined]
        if capability in (None, "signed_in"):
            continue
        url = _url(name, pattern, patient, membership)
        status = client.get(url).status_code
        allowed = role_may(role, capability)
        # A POST-only page answers GET with 405 once past the guard: that still means allowed.
        if (allowed and status == 403) or (not allowed and status != 403):
            wrong.append(f"{name}: {status} (policy {'allows' if allowed else 'refuses'})")
    assert wrong == []


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, patient: Patient, morgan: User
) -> None:
    membership = Membership.objects.get(user=morgan)
    for name, pattern in PAGES:
        if pattern.callback.capability is None:  # type: ignore[attr-defined]
            continue
        response = client.get(_url(name, pattern, patient, membership))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name
