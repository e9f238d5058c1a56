"""build/bundle_rules.py: what the one-folder bundle keeps (issue 6: PySide6-Essentials only, unused Qt
modules and translations out, qtbase_zh_CN in; the platform plugins never dropped)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build"))

import bundle_rules  # noqa: E402
import version_info  # noqa: E402


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6\\plugins\\platforms\\qwindows.dll",
    "PySide6\\plugins\\styles\\qmodernwindowsstyle.dll",
    "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
    "PySide6/Qt/plugins/imageformats/libqico.so",
    "PySide6/Qt/translations/qtbase_zh_CN.qm",
    "PySide6/Qt6Core.dll",
    "resources/fonts/HanaMinA.ttf",
    "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
    "stdnum/cn/loc.dat",
    "pypinyin/pinyin_dict.json",
])
def test_what_the_app_needs_stays(dest):
    assert bundle_rules.keep_entry(dest)


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
    "PySide6/Qt/plugins/tls/libqopensslbackend.so",
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/translations/qtbase_ja.qm",
    "PySide6/opengl32sw.dll",
    "PySide6/Qt6Qml.dll",
    "PySide6/Qt/lib/libQt6Network.so.6",
    "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "stdnum/oui.dat",
    "stdnum/at/postleitzahl.dat",
    "pypinyin/phrases_dict.json",
])
def test_what_a_widgets_app_never_loads_goes(dest):
    assert not bundle_rules.keep_entry(dest)


def test_migration_imports_are_found_for_the_frozen_bundle():
    """db/ is bundled as data: its imports must be named to PyInstaller or the frozen app cannot migrate."""
    imports = bundle_rules.imports_of(ROOT / "db")
    assert "alembic.op" in imports and "sqlalchemy" in imports


def test_data_tree_keeps_folders_and_skips_caches(tmp_path):
    (tmp_path / "versions" / "__pycache__").mkdir(parents=True)
    (tmp_path / "env.py").write_text("")
    (tmp_path / "versions" / "0001.py").write_text("")
    (tmp_path / "versions" / "__pycache__" / "0001.cpython-311.pyc").write_bytes(b"")
    pairs = {(Path(source).name, dest) for source, dest in bundle_rules.data_tree(tmp_path, "db")}
    assert pairs == {("env.py", "db"), ("0001.py", "db/versions")}


def test_windows_version_numbers_come_from_the_app_version():
    assert version_info.numeric("0.1.0") == (0, 1, 0, 0)
    assert version_info.numeric("2.10") == (2, 10, 0, 0)
    from app import __version__

    assert version_info.read_version(ROOT) == __version__
