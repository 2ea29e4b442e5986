"""Consistent backups and restores of the clinic database.

SQLite: the online backup API copies a consistent snapshot while the app keeps running,
and restores by copying the snapshot's pages back into the live database (WAL-safe).
PostgreSQL: ``pg_dump`` in custom format, restored with ``pg_restore --clean``.
Both go through Django's own connection settings, so they act on the database the app uses.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # runs pg_dump/pg_restore with an argument list, no shell
import tempfile
from pathlib import Path

from django.db import connection, connections


class BackupError(Exception):
    pass


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = ["--dbname", str(settings["NAME"])]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def backup_database(target: Path) -> None:
    """Write a consistent copy of the whole database to ``target`` (replaced atomically)."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".ivmt-backup-")
    os.close(handle)
    temp = Path(temp_name)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            destination = sqlite3.connect(temp)
            try:
                connection.connection.backup(destination)
            finally:
                destination.close()
        elif connection.vendor == "postgresql":
            args, env = _pg_env()
            done = subprocess.run(  # noqa: S603
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(temp), *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(done.stderr.strip() or "pg_dump failed")
        else:
            raise BackupError(f"backups of {connection.vendor} are not supported")
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def restore_database(source: Path) -> None:
    """Replace the database's contents with the backup at ``source``."""
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    if connection.vendor == "sqlite":
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            ok = backup.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not an SQLite backup: {error}") from error
        if ok != ("ok",) or "django_migrations" not in tables:
            backup.close()
            raise BackupError(f"{source} is not an IVMT Clinic backup")
        try:
            connection.ensure_connection()
            backup.backup(connection.connection)
        finally:
            backup.close()
    elif connection.vendor == "postgresql":
        connections.close_all()
        args, env = _pg_env()
        done = subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(source),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(done.stderr.strip() or "pg_restore failed")
    else:
        raise BackupError(f"restores of {connection.vendor} are not supported")
