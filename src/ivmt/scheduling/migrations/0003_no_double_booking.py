"""No double booking, refused by the database itself (the services check first).

Three rules over the live appointments (status booked, arrived, infusing or done, and not
being moved by an accepted day plan): no two overlap on one chair; no two overlap for one
patient; no two IV placements of one nurse overlap. Intervals are half-open, so a visit ending
at 10:00 and one starting at 10:00 do not clash.

PostgreSQL: exclusion constraints over ``tstzrange`` (GiST, with ``btree_gist`` for the
equality on ids; a trusted extension since PostgreSQL 13, so the database owner may create
it). SQLite: BEFORE INSERT and BEFORE UPDATE triggers that abort with the constraint's name.
Both raise ``IntegrityError`` in Django. Datetimes are stored by Django on SQLite as
``YYYY-MM-DD HH:MM:SS[.ffffff]`` text in UTC, which compares in time order.
"""

from django.db import migrations

LIVE = "('booked', 'arrived', 'infusing', 'done')"
TABLE = "scheduling_appointment"

# name, resource column, end column
RULES = (
    ("appointment_chair_not_double_booked", "chair_id", "ends_at"),
    ("appointment_patient_not_double_booked", "patient_id", "ends_at"),
    ("appointment_nurse_one_placement_at_a_time", "nurse_id", "placement_ends_at"),
)


def _postgres_forward() -> list[str]:
    sql = ["CREATE EXTENSION IF NOT EXISTS btree_gist"]
    for name, column, end in RULES:
        sql.append(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, {end}, '[)') WITH &&) "
            f"WHERE (status IN {LIVE} AND NOT moving AND {column} IS NOT NULL)"
        )
    return sql


def _postgres_backward() -> list[str]:
    return [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {name}" for name, _, _ in RULES]


def _sqlite_forward() -> list[str]:
    sql = []
    for name, column, end in RULES:
        for event, other in (("INSERT", ""), ("UPDATE", "AND other.id <> NEW.id")):
            sql.append(
                f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {TABLE} "
                f"WHEN NEW.status IN {LIVE} AND NEW.moving = 0 AND NEW.{column} IS NOT NULL "
                f"AND NEW.starts_at < NEW.{end} "
                f"BEGIN SELECT RAISE(ABORT, '{name}') WHERE EXISTS ("
                f"SELECT 1 FROM {TABLE} other WHERE other.{column} = NEW.{column} "
                f"AND other.status IN {LIVE} AND other.moving = 0 {other} "
                f"AND other.starts_at < other.{end} "
                f"AND other.starts_at < NEW.{end} AND NEW.starts_at < other.{end}); END"
            )
    return sql


def _sqlite_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name}_{event}"
        for name, _, _ in RULES
        for event in ("insert", "update")
    ]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_appointments_shifts_settings"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgres_forward(), "sqlite": _sqlite_forward()}),
            _run({"postgresql": _postgres_backward(), "sqlite": _sqlite_backward()}),
        ),
    ]
