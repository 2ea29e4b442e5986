"""The solver is plain Python: importing it must not pull in Django (ARCHITECTURE.md layer 2)."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

SOLVER = pathlib.Path(__file__).parents[3] / "src" / "ivmt" / "scheduling" / "solver"


def test_importing_the_solver_loads_no_django_module() -> None:
    code = (
        "import sys, ivmt.scheduling.solver, ivmt.scheduling.solver.series\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run(  # noqa: S603  # fixed interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "[]"


def test_no_solver_module_mentions_a_django_import() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+django\b", re.MULTILINE)

    offenders = [p.name for p in SOLVER.glob("*.py") if pattern.search(p.read_text())]

    assert offenders == []
