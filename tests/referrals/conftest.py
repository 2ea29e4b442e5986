"""Referral tests: a frozen clock (Monday 23 November 2026, 08:00 in the clinic), a directory
with a nutritionist of the clinic and one shared by the other clinic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from tests.conftest import actor_for, make_member
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.referrals import services
from ivmt.referrals.models import DirectoryEntry


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


def entry(actor_user: User, clinic: Clinic, **values: Any) -> DirectoryEntry:
    base: dict[str, Any] = {"kind": "nutritionist", "name": "Grace Okoro, RDN", "city": "Hartford"}
    base.update(values)
    return services.directory_entry_create(actor=actor_for(actor_user, clinic), values=base)


@pytest.fixture
def grace(fran: User, clinic: Clinic) -> DirectoryEntry:
    return entry(fran, clinic)


@pytest.fixture
def lakeside_manager(other_clinic: Clinic) -> User:
    return make_member(other_clinic, "lmanager", Role.MANAGER)
