"""What this PC remembers between sessions (QSettings): the window's geometry, the last village and
month, the acting person. One place, so that every page reads and writes the same store."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app import APP_NAME

ORGANIZATION = "Cunwu"


def settings() -> QSettings:
    return QSettings(ORGANIZATION, APP_NAME)
