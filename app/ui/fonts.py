"""Fonts: the bundled ones (resources/fonts), and a Simplified-Chinese UI font chosen by name.

Naming the SC family matters: left to fontconfig's fallback, Han characters may be drawn with the
Japanese or Traditional glyph forms of the same CJK font family.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
# Windows' own UI fonts first; then what a Linux desk or a bundled font may offer.
PREFERRED_UI_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "SimSun",
)


def register_bundled_fonts() -> list[str]:
    """Add every font file in resources/fonts to Qt; returns the families they bring."""
    try:
        folder = resource_path("fonts")
    except FileNotFoundError:
        return []
    if not folder.is_dir():
        return []
    families: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id != -1:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def use_chinese_ui_font(app: QApplication, bundled: list[str]) -> None:
    available = set(QFontDatabase.families())
    chosen = [family for family in PREFERRED_UI_FAMILIES if family in available]
    chosen += [family for family in bundled if family not in chosen]
    if not chosen:
        return  # keep Qt's default and its fallback
    font = QFont(app.font())
    font.setFamilies(chosen)
    app.setFont(font)
