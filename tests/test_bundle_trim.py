"""What build/bundle_rules.py leaves out of the bundle (issue 6: ≤ 150 MB) must be what the app never
uses: no excluded module imported by the app or, unguarded, by a library it bundles; no data table the
app reads; no system library that the bundle's Python links to. A rule that breaks one of these fails
here, before a bundle is built."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build"))

import bundle_rules  # noqa: E402

LINUX = sys.platform.startswith("linux")
HAS_BINUTILS = LINUX and all(shutil.which(tool) for tool in ("as", "ld", "readelf"))


def _excluded(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in bundle_rules.EXCLUDED_MODULES)


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if package else parts), package


def _targets(node: ast.Import | ast.ImportFrom, module: str, package: bool) -> list[str]:
    """The modules an import statement may load (`from a import b`: a, and a.b if b is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parent = module.split(".") if package else module.split(".")[:-1]
        parent = parent[: len(parent) - node.level + 1]
        base = ".".join(parent + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _imports_in(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        module, package = _module_name(path, folder.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(_targets(node, module, package))
    return found


def test_the_app_imports_no_excluded_module():
    imported = set()
    for folder in (ROOT / "app", ROOT / "db", ROOT / "build" / "launchers"):
        imported |= _imports_in(folder)
    assert sorted(name for name in imported if _excluded(name)) == []


# --- bundled libraries import excluded modules only where a missing one is expected ---------------

_CAUGHT = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(getattr(kind, "id", getattr(kind, "attr", None)) in _CAUGHT for kind in kinds)


def _eager_imports(body: list[ast.stmt], guarded: bool = False):
    """Imports that run when the module is imported, outside a try that catches ImportError:
    not those in functions, nor under `if TYPE_CHECKING`."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if not guarded:
                yield node
        elif isinstance(node, ast.If):
            if getattr(node.test, "id", getattr(node.test, "attr", None)) != "TYPE_CHECKING":
                yield from _eager_imports(node.body, guarded)
            yield from _eager_imports(node.orelse, guarded)
        elif isinstance(node, ast.Try):
            yield from _eager_imports(node.body, guarded or any(map(_catches_import_error, node.handlers)))
            for part in [handler.body for handler in node.handlers] + [node.orelse, node.finalbody]:
                yield from _eager_imports(part, guarded)
        else:
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(node, field, None), list):
                    yield from _eager_imports(getattr(node, field), guarded)


# Modules of bundled packages that import an excluded module unguarded, and why that is fine.
# PyInstaller bundles what the app's imports reach; these are never reached, or (pypinyin) the
# import is skipped at run time.
UNGUARDED_BUT_UNREACHED = {
    "pypinyin.constants": "imports pypinyin.phrases_dict unless PYPINYIN_NO_PHRASES, which app/core/names.py sets first",
    "PIL._tkinter_finder": "imported by PIL.ImageTk only, which is excluded",
    "PySide6.scripts": "PySide6's command-line tools (pyside6-deploy, pyside6-qml)",
    "mako.ext.pygmentplugin": "syntax highlighting of Mako's error pages, a Pygments plugin",
    "mako.testing": "Mako's own tests",
    "sqlalchemy.testing": "SQLAlchemy's own tests",
    "platformdirs.pytest_plugin": "a pytest plugin",
    "pydantic.v1._hypothesis_plugin": "a Hypothesis plugin",
    "openpyxl.utils.dataframe": "pandas support, for apps that use pandas",
}


def test_bundled_libraries_import_excluded_modules_only_guarded():
    """An excluded module that a bundled library imports unconditionally would be an ImportError in the
    frozen app (the Pillow codecs, for one, are imported in a try by their plugins)."""
    packages = [name for name in bundle_rules.SHARED_PACKAGES if name != "app"] + ["PIL", "pypdfium2"]
    found = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        for path in root.rglob("*.py"):
            module, is_package = _module_name(path, root.parent)
            if _excluded(module) or any(module == name or module.startswith(name + ".") for name in UNGUARDED_BUT_UNREACHED):
                continue
            tree = ast.parse(path.read_bytes())
            found += [
                f"{module} imports {target}"
                for node in _eager_imports(tree.body)
                for target in _targets(node, module, is_package)
                if _excluded(target)
            ]
    assert found == []


# --- data files --------------------------------------------------------------------------------------


def test_the_stdnum_tables_the_app_reads_stay():
    modules = {name for name in _imports_in(ROOT / "app") if name.startswith("stdnum.")}
    tables = set()
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            continue  # `from stdnum.exceptions import ValidationError`: a name, not a module
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        tables |= set(re.findall(r"numdb\.get\(\s*['\"]([^'\"]+)['\"]", Path(spec.origin).read_text(encoding="utf-8")))
    # The region codes of ID numbers are Cunwu's own data since issue 12 (resources/regions, bundled
    # with resources/), no longer stdnum's cn/loc; any stdnum table a module still reads must stay.
    assert (ROOT / "resources" / "regions" / "county_codes.tsv").is_file()
    assert all(bundle_rules.keep_entry(f"stdnum/{table}.dat") for table in tables)
    assert not bundle_rules.keep_entry("stdnum/oui.dat")


def test_only_the_name_rules_use_pypinyin():
    """The phrase dictionary is left out because names are converted one character at a time: a new
    use of pypinyin must be checked against that (bundle_rules.DROPPED_DATA_FILES)."""
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if any(name.startswith("pypinyin") for name in _imports_in_file(path))
    )
    assert users == ["app/core/names.py"]


def _imports_in_file(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


PINYIN_OF_EVERY_CHARACTER = """
import hashlib, sys
from app.core.names import _initial
if sys.argv[1:] == ["with-phrases"]:
    import pypinyin  # before the name rules' first use, which would have it leave its phrases out
_initial("村")  # the name rules load pypinyin as they do in the app
from pypinyin.constants import PINYIN_DICT
text = "".join(chr(code) + _initial(chr(code)) for code in sorted(PINYIN_DICT))
print(len(PINYIN_DICT), "pypinyin.phrases_dict" in sys.modules, hashlib.sha256(text.encode()).hexdigest())
"""


def test_pinyin_initials_are_the_same_without_the_phrase_dictionary():
    """Every character pypinyin knows (41,923): the same initial with its phrase dictionary and, as the
    name rules load pypinyin (and as the bundle must, which leaves the dictionary out), without it."""
    env = {key: value for key, value in os.environ.items() if key != "PYPINYIN_NO_PHRASES"}
    answers = []
    for mode in ("with-phrases", "as-the-app-does"):
        done = subprocess.run([sys.executable, "-c", PINYIN_OF_EVERY_CHARACTER, mode], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
        count, loaded, digest = done.stdout.split()
        assert int(count) > 40_000 and loaded == str(mode == "with-phrases")
        answers.append(digest)
    assert answers[0] == answers[1]


# --- the Linux program ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv0", "program"), [
    ("/opt/cunwu/cunwu-gui", "cunwu_gui"), ("./cunwu", "cunwu_cli"), ("/usr/bin/cunwu", "cunwu_cli"),
])
def test_the_linux_program_opens_the_window_when_started_as_cunwu_gui(monkeypatch, tmp_path, argv0, program):
    (tmp_path / "launch_record.py").write_text("started = []\n", encoding="utf-8")
    for name in ("cunwu_gui", "cunwu_cli"):  # stand-ins for the two launchers: they say they ran
        (tmp_path / f"{name}.py").write_text(f"import launch_record\nlaunch_record.started.append({name!r})\n")
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delitem(sys.modules, "launch_record", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "argv", [argv0])
    # Loaded as a module (runpy would set sys.argv[0] to the launcher's own path).
    spec = importlib.util.spec_from_file_location("cunwu_linux", ROOT / "build" / "launchers" / "cunwu_linux.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert sys.modules["launch_record"].started == [program]


# --- Linux system libraries -----------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_BINUTILS, reason="Linux with binutils only")
def test_python_keeps_the_libraries_it_links_to():
    """Python's own extension modules (zlib, sqlite3, ssl, ctypes, …) are built against the build
    machine's libraries: those stay in the bundle, whatever the desktop has."""
    folder = Path(sysconfig.get_config_var("DESTSHARED"))
    needed = {name for path in folder.glob("*.so") for name in bundle_rules.needed_libraries(path)}
    assert sorted(name for name in needed if bundle_rules._system_library(name)) == []


def _library(folder: Path, soname: str, needs: tuple[str, ...] = ()) -> Path:
    """A tiny shared library named soname that links to the libraries `needs` (in folder)."""
    source = folder / "empty.s"
    source.write_text("\t.section .note.GNU-stack,\"\",@progbits\n", encoding="ascii")
    subprocess.run(["as", "-o", str(folder / "empty.o"), str(source)], check=True)
    out = folder / soname
    subprocess.run(["ld", "-shared", "--no-as-needed", "-soname", soname, "-o", str(out), str(folder / "empty.o"),
                    *(str(folder / need) for need in needs)], check=True)
    return out


@pytest.mark.skipif(not HAS_BINUTILS, reason="Linux with binutils only")
def test_what_only_the_desktops_libraries_need_goes_with_them(tmp_path):
    """The CUPS plugin's libcups is the system's, and so are GnuTLS and the rest that only libcups
    needs; libz, which Qt needs too, stays; a library nothing needs goes."""
    lib = tmp_path
    for soname, needs in [("libgnutls.so.30", ()), ("libz.so.1", ()), ("libcups.so.2", ("libgnutls.so.30", "libz.so.1")),
                          ("libunused.so.1", ()), ("libcupsprintersupport.so", ("libcups.so.2", "libz.so.1"))]:
        _library(lib, soname, needs)
    toc = [(name, str(lib / name), "BINARY") for name in ("libgnutls.so.30", "libz.so.1", "libcups.so.2", "libunused.so.1")]
    toc.append(("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", str(lib / "libcupsprintersupport.so"), "BINARY"))
    kept = [entry[0] for entry in bundle_rules.prune_unreferenced_libraries(toc)]
    assert kept == ["libz.so.1", "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so"]


@pytest.mark.skipif(not HAS_BINUTILS, reason="Linux with binutils only")
def test_a_library_neither_bundled_nor_the_systems_is_reported(tmp_path):
    lib = tmp_path / "build"
    lib.mkdir()
    _library(lib, "libmissing.so.1")
    _library(lib, "libcups.so.2")
    bundle = tmp_path / "cunwu" / "_internal"
    bundle.mkdir(parents=True)
    shutil.copy(_library(lib, "libplugin.so", ("libmissing.so.1", "libcups.so.2")), bundle / "libplugin.so")
    assert bundle_rules.check_system_needs(bundle.parent) == ["libmissing.so.1 (needed by _internal/libplugin.so)"]
    shutil.copy(lib / "libmissing.so.1", bundle / "libmissing.so.1")
    assert bundle_rules.check_system_needs(bundle.parent) == []



def test_the_township_servers_driver_and_the_tls_it_imports_stay():
    """psycopg's libpq wrapper imports ssl unguarded (issue 16: the window signs in to the township's
    PostgreSQL server); leaving ssl or OpenSSL out gives a bundle that can never connect. The frozen
    self-test proves the driver loads (app/selftest.py, 乡镇服务器驱动)."""
    assert not any(_excluded(name) for name in ("psycopg", "psycopg.pq", "psycopg_binary", "ssl", "_ssl"))
    assert all(bundle_rules.keep_entry(name) for name in (
        "libssl.so.3", "libcrypto-3-x64.dll", "psycopg_binary.libs/libpq-e9b5c9ac.so.5.18"))
