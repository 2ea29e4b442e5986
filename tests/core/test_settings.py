from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from ivmt.settings import database_from_url, env_bool


def test_sqlite_urls_run_in_wal_mode_with_durable_immediate_transactions() -> None:
    config = database_from_url("sqlite:////srv/ivmt/db.sqlite3")
    assert config["NAME"] == "/srv/ivmt/db.sqlite3"
    options = config["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "synchronous=FULL" in options["init_command"]


def test_postgres_urls_are_split_into_their_parts() -> None:
    config = database_from_url("postgres://clinic:s%40cret@db.internal:5433/ivmt")
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "clinic",
        "s@cret",
        "db.internal",
        "5433",
        "ivmt",
    )


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "nonsense"])
def test_unsupported_database_urls_fail_loudly(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url)


def test_booleans_refuse_ambiguous_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True


@pytest.mark.django_db
def test_the_live_sqlite_connection_really_is_in_wal_mode() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
