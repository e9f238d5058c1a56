"""build/bundle_rules.py: what the one-folder bundle keeps (issue 6: PySide6-Essentials only, unused Qt
modules and translations out, qtbase_zh_CN in; the platform plugins never dropped)."""

from __future__ import annotations

import ast
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


# Issue 16: the township server's driver (psycopg, libpq) imports ssl, so OpenSSL stays.
@pytest.mark.parametrize("dest", ["libssl-3.dll", "libcrypto-3.dll", "libssl.so.3", "libcrypto.so.3"])
def test_openssl_stays_for_the_township_servers_driver(dest):
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
    # Issue 13: not Windows' Direct2D platform.
    "PySide6\\plugins\\platforms\\qdirect2d.dll",
])
def test_what_a_widgets_app_never_loads_goes(dest):
    assert not bundle_rules.keep_entry(dest)


def test_one_copy_of_each_msvc_runtime_the_newest_at_the_top():
    versions = {"py/vcruntime140.dll": (14, 38), "pyside/VCRUNTIME140.dll": (14, 44), "shiboken/VCRUNTIME140.dll": (14, 44),
                "py/MSVCP140.dll": (14, 40), "pyside/MSVCP140.dll": (14, 44), "pyside/MSVCP140_1.dll": (14, 44)}
    toc = [
        ("VCRUNTIME140.dll", "py/vcruntime140.dll", "BINARY"),
        ("MSVCP140.dll", "py/MSVCP140.dll", "BINARY"),
        ("PySide6\\VCRUNTIME140.dll", "pyside/VCRUNTIME140.dll", "BINARY"),
        ("PySide6\\MSVCP140.dll", "pyside/MSVCP140.dll", "BINARY"),
        ("PySide6\\MSVCP140_1.dll", "pyside/MSVCP140_1.dll", "BINARY"),
        ("shiboken6\\VCRUNTIME140.dll", "shiboken/VCRUNTIME140.dll", "BINARY"),
        ("PySide6\\Qt6Core.dll", "pyside/Qt6Core.dll", "BINARY"),
        ("python311.dll", "py/python311.dll", "BINARY"),
    ]
    kept = bundle_rules.one_msvc_runtime(toc, versions.__getitem__)
    assert sorted(kept) == sorted([
        ("PySide6\\Qt6Core.dll", "pyside/Qt6Core.dll", "BINARY"),
        ("python311.dll", "py/python311.dll", "BINARY"),
        ("VCRUNTIME140.dll", "pyside/VCRUNTIME140.dll", "BINARY"),
        ("MSVCP140.dll", "pyside/MSVCP140.dll", "BINARY"),
        ("MSVCP140_1.dll", "pyside/MSVCP140_1.dll", "BINARY"),
    ])


def test_a_dlls_version_is_read_from_its_version_resource(tmp_path):
    import struct

    fixed = struct.pack("<IIII", 0xFEEF04BD, 0x10000, (14 << 16) | 44, (35211 << 16) | 0)
    dll = tmp_path / "MSVCP140.dll"
    dll.write_bytes(b"MZ" + b"\0" * 300 + fixed + b"\0" * 40)
    assert bundle_rules.pe_file_version(str(dll)) == (14, 44, 35211, 0)
    dll.write_bytes(b"MZ" + b"\0" * 300)
    assert bundle_rules.pe_file_version(str(dll)) == (0,)


def test_the_standard_library_imports_openssl_only_where_it_may_be_missing():
    """_hashlib is left out: any standard module the app might reach that imported it outside a try would
    fail in the frozen program. (ssl and _ssl stay since issue 16: the township server's driver needs them.)"""
    import sysconfig

    from tests.test_bundle_trim import _eager_imports, _module_name, _targets

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in stdlib.rglob("*.py"):
        parts = path.relative_to(stdlib).parts
        if parts[0] in ("test", "site-packages", "idlelib", "tkinter", "lib2to3", "ensurepip", "turtledemo"):
            continue
        module, is_package = _module_name(path, stdlib)
        if module == "ssl":
            continue  # excluded itself
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:  # the few deliberately broken files of the test data
            continue
        found += [f"{module} imports {target}" for node in _eager_imports(tree.body)
                  for target in _targets(node, module, is_package) if target == "_hashlib"]
    assert found == []


def test_the_apps_hashes_work_without_openssl():
    """What the app hashes with (SHA-256 of imported files and evidence, secrets' random names) comes from
    CPython's own modules when _hashlib is missing, as in the bundle."""
    import subprocess

    probe = ("import sys; sys.modules['_hashlib'] = None\n"
             "import hashlib, hmac, secrets\n"
             "assert hashlib.sha256(b'abc').hexdigest().startswith('ba7816bf')\n"
             "assert len(secrets.token_hex(8)) == 16 and hmac.compare_digest(b'a', b'a')\n"
             "from app.inputs import tabular\n"
             "print('ok')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


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
