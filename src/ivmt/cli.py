"""The ``ivmt`` command: run, set up, back up and inspect an IVMT Clinic installation.

Django is set up only for the commands that need the database, so that the clinical
calculators (``ivmt formula ...``, ``ivmt protocol ...``) run without any configuration.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivmt.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        # The embedded database lives under var/ by default; create the folder on first run.
        Path(str(connection.settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)


def _serve(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # --insecure serves the vendored static files without DEBUG; a production deployment
    # puts a web server in front (docs/operations.md).
    call_command("runserver", f"{args.host}:{args.port}", "--insecure", "--noreload")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def _demo(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    from ivmt.demo import DEMO_PASSWORD, demo_load, demo_logins

    call_command("migrate", interactive=False, verbosity=0)
    if args.reset:
        call_command("flush", interactive=False, verbosity=0)
    created = demo_load()
    print("Demo clinic loaded." if created else "Demo clinic already present (use --reset).")
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in demo_logins():
        print(f"  {username:<10} {description}")
    return 0


def _createadmin(args: argparse.Namespace) -> int:
    _django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from ivmt.accounts.models import Clinic, Membership, User
    from ivmt.core.roles import Role

    password = os.environ.get("IVMT_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        validate_password(password)
    except ValidationError as error:
        print("Password refused: " + " ".join(error.messages), file=sys.stderr)
        return 2
    with transaction.atomic():
        clinic, _ = Clinic.objects.get_or_create(name=args.clinic)
        if User.objects.filter(username=args.username).exists():
            print(f"User {args.username} already exists.", file=sys.stderr)
            return 2
        user = User(username=args.username)
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, clinic=clinic, role=Role.MANAGER)
    print(f"Manager {args.username} created for {clinic.name}.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    _django()
    from ivmt.core.backup import BackupError, backup_database

    try:
        backup_database(Path(args.path))
    except BackupError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 2
    print(f"Backup written to {args.path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    _django()
    from ivmt.core.backup import BackupError, restore_database

    if not args.yes:
        print(
            "Restoring replaces every row in the database. Re-run with --yes to proceed.",
            file=sys.stderr,
        )
        return 2
    try:
        restore_database(Path(args.path))
    except BackupError as error:
        print(f"Restore failed: {error}", file=sys.stderr)
        return 2
    print(f"Database restored from {args.path}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    _django()
    from ivmt.core.audit import audit_chain_verify

    report = audit_chain_verify()
    if report.intact:
        print(f"Audit trail intact: {report.checked} events checked.")
        return 0
    print(f"Audit trail BROKEN at event {report.broken_at}: {report.reason}.", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ivmt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the clinic app (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_serve)

    commands.add_parser("migrate", help="create or update the database tables").set_defaults(
        func=_migrate
    )

    demo = commands.add_parser("demo", help="load the demo clinic")
    demo.add_argument("--reset", action="store_true", help="erase the database first")
    demo.set_defaults(func=_demo)

    admin = commands.add_parser("createadmin", help="create a clinic manager account")
    admin.add_argument("--username", required=True)
    admin.add_argument("--clinic", required=True, help="clinic name (created if new)")
    admin.set_defaults(func=_createadmin)

    backup = commands.add_parser("backup", help="write a consistent backup to PATH")
    backup.add_argument("path")
    backup.set_defaults(func=_backup)

    restore = commands.add_parser("restore", help="replace the database with the backup at PATH")
    restore.add_argument("path")
    restore.add_argument("--yes", action="store_true", help="confirm the replacement")
    restore.set_defaults(func=_restore)

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="check the hash chain").set_defaults(
        func=_audit_verify
    )

    from ivmt.clinical.cli import register

    register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
