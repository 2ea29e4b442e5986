from __future__ import annotations

import os

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


def test_production_settings_pass_djangos_deploy_checks(tmp_path: object) -> None:
    import secrets
    import subprocess
    import sys

    # The browser tests' async-unsafe switch is a test-process setting, not production's.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "IVMT_SECURE": "1",
        "IVMT_SECRET_KEY": secrets.token_urlsafe(50),
        "IVMT_ALLOW_DEV_SECRET": "0",
        "IVMT_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ivmt.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: object) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "IVMT_SECRET_KEY"}
    env.update(
        {
            "IVMT_ALLOW_DEV_SECRET": "0",
            "DJANGO_SETTINGS_MODULE": "ivmt.settings",
            "IVMT_VAR_DIR": str(tmp_path),
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "IVMT_SECRET_KEY must be set" in done.stderr
