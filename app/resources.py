"""Where the bundled files are: resources/ and the Alembic scripts in db/.

Resolved from the installed package or a frozen (PyInstaller) bundle, never the working directory.
A wheel carries them as the packages app._resources and app._db (see pyproject.toml); a source
checkout or an editable install finds them beside the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("找不到程序自带的文件夹：" + ", ".join(str(c) for c in candidates))


def _frozen_root() -> Path | None:
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if getattr(sys, "frozen", False) and root else None


def resources_dir() -> Path:
    frozen = _frozen_root()
    if frozen:
        return _first_existing(frozen / "resources")
    return _first_existing(_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources")


def migrations_dir() -> Path:
    frozen = _frozen_root()
    if frozen:
        return _first_existing(frozen / "db")
    return _first_existing(_PACKAGE_DIR / "_db", _PACKAGE_DIR.parent / "db")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
