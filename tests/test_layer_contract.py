"""The contract between the layers (README, "For developers"), read from the source with `ast`:

- `app/ui` and `app/cli` are thin: they call services that take the `Database` and return plain data.
  Neither imports the tables (`app.storage.models`) or the database libraries (SQLAlchemy, SQLModel),
  and neither opens a session (`db.reading()`, `db.transaction()`).
- `app/core` holds pure rules: it imports neither Qt nor the database nor the layers above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIN = ("app/ui", "app/cli")
FORBIDDEN_IN_THIN = ("app.storage.models", "sqlmodel", "sqlalchemy")
FORBIDDEN_IN_CORE = ("PySide6", "shiboken6", "sqlmodel", "sqlalchemy", "alembic", "app.storage", "app.services",
                     "app.ui", "app.cli", "app.outputs")
SESSION_OPENERS = ("reading", "transaction")


def _modules(folder: str) -> list[Path]:
    found = sorted((ROOT / folder).rglob("*.py"))
    assert found, folder
    return found


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted name) of every import, also inside functions; `from a import b` gives a and a.b."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return names


def _under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def _violations(path: Path, forbidden: tuple[str, ...], sessions: bool) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(ROOT).as_posix()
    found = [f"{where}:{line} imports {name}" for line, name in _imported(tree) if _under(name, forbidden)]
    if sessions:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SESSION_OPENERS):
                found.append(f"{where}:{node.lineno} opens a session (.{node.func.attr}())")
    return sorted(set(found))


@pytest.mark.parametrize("folder", THIN)
def test_the_window_and_the_command_line_neither_touch_tables_nor_open_sessions(folder):
    problems = [line for path in _modules(folder) for line in _violations(path, FORBIDDEN_IN_THIN, sessions=True)]
    assert problems == []


def test_the_core_imports_neither_qt_nor_the_database():
    problems = [line for path in _modules("app/core") for line in _violations(path, FORBIDDEN_IN_CORE, sessions=False)]
    assert problems == []


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The walker itself: a planted import and a planted session are both found."""
    planted = tmp_path / "app" / "ui" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        "def f(db):\n"
        "    from app.storage import models\n"
        "    from sqlmodel import select\n"
        "    with db.reading() as session:\n"
        "        return session.exec(select(models.Village))\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        problems = _violations(planted, FORBIDDEN_IN_THIN, sessions=True)
    finally:
        ROOT = saved
    assert problems == [
        "app/ui/planted.py:2 imports app.storage.models",
        "app/ui/planted.py:3 imports sqlmodel",
        "app/ui/planted.py:3 imports sqlmodel.select",
        "app/ui/planted.py:4 opens a session (.reading())",
    ]
