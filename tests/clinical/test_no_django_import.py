"""The clinical core is plain Python: no module of ivmt.clinical may import Django."""

import ast
from pathlib import Path

import ivmt.clinical

PACKAGE_DIR = Path(ivmt.clinical.__file__).parent
_DYNAMIC = {"import_module", "__import__"}


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


def test_clinical_core_has_python_modules_to_check():
    assert len(list(PACKAGE_DIR.rglob("*.py"))) > 5


def test_no_clinical_module_imports_django():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imported_modules(tree):
            if name == "django" or name.startswith("django."):
                offenders.append(f"{path.relative_to(PACKAGE_DIR)} imports {name}")
    assert offenders == []


def test_the_checker_would_catch_a_django_import():
    tree = ast.parse("import django.db\nfrom django import forms\n")
    assert _imported_modules(tree) == ["django.db", "django"]
