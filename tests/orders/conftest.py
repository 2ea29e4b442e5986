"""Orders tests run on a frozen clock: Monday 23 November 2026, 08:00 in the clinic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from tests.orders.factories import FROZEN_NOW


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Personas are made for every test; argon2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW
