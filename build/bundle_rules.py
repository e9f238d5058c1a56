"""What goes into the one-folder bundle and what is trimmed out, shared by build/cunwu.spec and the
bare-PySide6 app of bench/bench_startup.py (so the start-up comparison is between equals).

Imported by PyInstaller spec files (which put build/ on sys.path); plain Python, no PyInstaller import
at module level, so it can be read and tested anywhere.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import re
from pathlib import Path
from typing import Callable, Iterable

# Python packages the app never imports but that optional imports of its libraries would pull in
# when they happen to be installed where the build runs (openpyxl → numpy/pandas, …). The Linux build
# uses the developer's environment, which has far more than the app needs. (Pillow stays: ReportLab
# 5 imports it unconditionally.)
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "pydoc_data", "ensurepip", "venv",
    "distutils", "setuptools", "pkg_resources", "_distutils_hack", "pip",
    "numpy", "pandas", "matplotlib", "scipy", "IPython", "jedi", "parso", "pygments",
    "pytest", "_pytest", "hypothesis", "pytestqt", "pypdf", "xlwt", "msoffcrypto",
    # (cryptography stays: the data key and the encrypted columns use it, issue 17; its wheels carry
    # their own OpenSSL inside the Rust extension.)
    # (psycopg and psycopg_binary stay: the window signs in to the township's PostgreSQL server, issue 16.)
    "psycopg2", "greenlet",
    "email_validator", "dotenv", "yaml", "jinja2", "requests", "urllib3", "certifi", "boto3", "botocore",
    # Pillow is here only because ReportLab imports it; the app never decodes an image with it (photos are
    # kept as files and told apart by their first bytes). Each of these codecs is imported in a
    # try/except ImportError by its plugin, so the format just reads as unsupported: AVIF alone is 5 MB.
    "PIL._avif", "PIL._webp", "PIL._imagingcms", "PIL.ImageCms", "PIL._imagingtk", "PIL.ImageTk",
    # Line editing for pdb/code/cmd, which import it in a try: it only drags in libreadline and libtinfo.
    "readline",
    # No OpenSSL hashes (_hashlib): hashlib then uses CPython's own SHA-256 and the rest, which the app's
    # hashes need; the standard library imports it only in a try. (ssl and _ssl, with OpenSSL's libssl and
    # libcrypto, stay since issue 16: psycopg's libpq wrapper imports ssl unguarded, so that Python and
    # libpq share one initialised OpenSSL, and the window signs in to the township's PostgreSQL server.)
    "_hashlib",
    # python-stdnum: the app checks ID numbers itself since issue 12 (app/core/idnumber.py); its
    # stdnum.util would import ssl unguarded (for its online lookups).
    "stdnum",
    # Databases the app never opens. SQLite is the app's; PostgreSQL's dialect stays because
    # alembic.ddl.postgresql imports it at import time (alembic imports the others' only for type checking).
    "sqlalchemy.dialects.mssql", "sqlalchemy.dialects.mysql", "sqlalchemy.dialects.oracle",
    # pypinyin's phrase dictionary (2.5 MB, 0.1 s to load): see DROPPED_DATA_FILES.
    "pypinyin.phrases_dict",
    # Qt: the app uses QtCore, QtGui and QtWidgets only.
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickControls2", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSql", "PySide6.QtTest",
    "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtHelp", "PySide6.QtXml", "PySide6.QtDBus",
    "PySide6.QtConcurrent", "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtSvgWidgets",
    "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.QtCharts", "PySide6.QtDataVisualization", "PySide6.Qt3DCore", "PySide6.QtBluetooth",
    "PySide6.QtPositioning", "PySide6.QtSerialPort", "PySide6.QtStateMachine", "PySide6.QtRemoteObjects",
    "PySide6.QtSpatialAudio", "PySide6.QtTextToSpeech", "PySide6.QtWebSockets", "PySide6.QtHttpServer",
    "PySide6.QtGraphs", "PySide6.QtNfc", "PySide6.QtScxml", "PySide6.QtSensors", "PySide6.QtLocation",
]

# Pure-Python packages stored as .pyc files in the shared _internal/ folder instead of each program's
# embedded archive (PYZ): with two programs, the PYZ way would carry them twice (~9 MB). Windows only:
# the Linux bundle has one program (cunwu.spec), whose archive holds them compressed.
SHARED_PACKAGES = (
    "app", "sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "alembic", "mako", "reportlab", "openpyxl",
    "et_xmlfile", "pypinyin", "stdnum", "chinese_calendar", "platformdirs", "python_calamine", "annotated_types",
    "typing_inspection", "charset_normalizer", "markupsafe", "PySide6", "shiboken6",
)

# Qt plugin folders the app needs. Everything else under PySide6/Qt/plugins (TLS, network
# information, SQL drivers, QML tooling, EGL device integrations, …) is dropped.
KEPT_PLUGIN_DIRS = {
    "platforms",  # qwindows / qxcb + offscreen (the self-test and benchmarks run offscreen)
    "platforminputcontexts",  # Linux input methods (fcitx/ibus): clerks type Chinese
    "platformthemes",  # Linux desktop integration (file dialogs); GTK's is dropped below
    "printsupport",  # printing the bulletin sheets (Windows spooler, CUPS)
    "styles",  # Windows 11 / modern Windows style
    "imageformats",  # trimmed further below
    "iconengines",  # SVG icons
    "xcbglintegrations",
    # Not wayland-graphics-integration-client: every plugin in it links Qt6OpenGL, which the bundle
    # leaves out (DROPPED_LIBRARY_PATTERNS), so Qt could never load one; widgets draw through shared
    # memory, which QtWaylandClient does itself.
    "wayland-decoration-client", "wayland-shell-integration",
}
# Plugins of kept folders that a desktop office app never loads: embedded-device platforms (EGLFS,
# framebuffer, VNC, Vulkan display) and the GTK theme (it alone pulls cairo, pixman and GTK's stack).
# qdirect2d: Windows' experimental Direct2D platform, never chosen unless asked for (qwindows is).
DROPPED_PLUGIN_PATTERNS = (
    "*qeglfs*", "*qlinuxfb*", "*qvnc*", "*qvkkhrdisplay*", "*qminimalegl*", "*qgtk3*", "*qdirect2d*",
)
# PNG and BMP are built into QtGui; .ico for window icons, SVG for icons drawn as vectors.
KEPT_IMAGE_FORMATS = ("*qico*", "*qsvg*")
# Only qtbase's Chinese translation: Qt's own buttons and menus (确定, 取消, 复制…) in Chinese.
KEPT_TRANSLATIONS = ("qtbase_zh_CN.qm",)
# Data files of libraries, by their path in the bundle, that no code the app runs reads.
# python-stdnum carries lookup tables for many countries' numbers (MAC vendors alone 1.2 MB); the app
# validates Chinese resident ID numbers only, whose check reads cn/loc.dat (the region codes).
KEPT_STDNUM_DATA = ("stdnum/cn/loc.dat",)
# pypinyin's phrase dictionary goes with its module (EXCLUDED_MODULES): app/core/names.py, the only
# user of pypinyin, sets PYPINYIN_NO_PHRASES before importing it, since it converts names one character
# at a time and the dictionary holds phrases only: every character's initial is the same without it.
DROPPED_DATA_FILES = ("pypinyin/phrases_dict.json",)

# Qt libraries that only the dropped plugins or QML would load; opengl32sw.dll is Mesa's software
# OpenGL (20 MB) for Qt Quick / QOpenGLWidget, which a widgets app never loads.
DROPPED_LIBRARY_PATTERNS = (
    "opengl32sw.dll", "*qt6qml*", "*qt6quick*", "*qt6pdf*", "*qt6network*", "*qt6virtualkeyboard*",
    "*qt6opengl*", "*qt6sql*", "*qt6designer*", "*qt6labs*", "*qt6eglfs*",
)

# The Visual C++ runtime: CPython, PySide6 and shiboken6 each bring their own copy (three of
# VCRUNTIME140.dll, three of MSVCP140.dll, of 14.38 to 14.44). A process loads one DLL of a name, the
# first one found, so the others are dead weight and the one that wins is luck: keep the newest of each
# name, at the top of _internal/ (where Python's own, loaded first, was). The runtime is backward
# compatible; code built with a newer compiler needs a runtime at least as new (MSVCP140 < 14.40 breaks
# code built with 14.40+ in std::mutex).
MSVC_RUNTIME_PATTERNS = ("msvcp140*.dll", "vcruntime140*.dll", "concrt140.dll", "vccorlib140.dll")


def _norm(dest: str) -> str:
    return dest.replace("\\", "/")


def keep_entry(dest: str) -> bool:
    """Whether one bundle entry (its path inside the bundle) stays."""
    path = _norm(dest)
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    if "/qt/plugins/" in lower or lower.startswith("pyside6/plugins/"):
        folder = path.split("/plugins/", 1)[1].split("/", 1)[0]
        if folder not in KEPT_PLUGIN_DIRS:
            return False
        if any(fnmatch.fnmatch(name, pattern) for pattern in DROPPED_PLUGIN_PATTERNS):
            return False
        if folder == "imageformats":
            return any(fnmatch.fnmatch(name, pattern) for pattern in KEPT_IMAGE_FORMATS)
        return True
    if "/translations/" in lower and name.endswith(".qm"):
        return name in {t.lower() for t in KEPT_TRANSLATIONS}
    if path.startswith("stdnum/") and name.endswith(".dat"):
        return path in KEPT_STDNUM_DATA
    if path in DROPPED_DATA_FILES:
        return False
    if any(fnmatch.fnmatch(name, pattern) for pattern in DROPPED_LIBRARY_PATTERNS):
        return False
    return True


def trim(toc: Iterable[tuple]) -> list[tuple]:
    """A PyInstaller TOC (dest, source, kind) without what keep_entry drops."""
    return [entry for entry in toc if keep_entry(entry[0])]


def _msvc_runtime(dest: str) -> bool:
    name = _norm(dest).rsplit("/", 1)[-1].lower()
    return any(fnmatch.fnmatch(name, pattern) for pattern in MSVC_RUNTIME_PATTERNS)


def one_msvc_runtime(toc: Iterable[tuple], version_of: Callable[[str], tuple[int, ...]]) -> list[tuple]:
    """A PyInstaller TOC with one copy of each Visual C++ runtime DLL: the newest (version_of(source)),
    at the top of the bundle; every other file as it was."""
    entries = list(toc)
    newest: dict[str, tuple] = {}
    for entry in entries:
        if _msvc_runtime(entry[0]):
            name = _norm(entry[0]).rsplit("/", 1)[-1]
            kept = newest.get(name.lower())
            if kept is None or version_of(entry[1]) > version_of(kept[1]):
                newest[name.lower()] = (name, entry[1], entry[2])
    kept_runtimes = list(newest.values())
    return [entry for entry in entries if not _msvc_runtime(entry[0])] + kept_runtimes


def pe_file_version(path: str) -> tuple[int, ...]:
    """A Windows DLL's file version (14.44.35211.0 → (14, 44, 35211, 0)) from its VS_FIXEDFILEINFO,
    found by its signature; (0,) when it has none. Plain bytes: runs on Linux as well as under wine."""
    import struct

    data = Path(path).read_bytes()
    at = data.find(struct.pack("<I", 0xFEEF04BD))
    if at < 0 or at + 16 > len(data):
        return (0,)
    most, least = struct.unpack_from("<II", data, at + 8)
    return (most >> 16, most & 0xFFFF, least >> 16, least & 0xFFFF)


# Linux: libraries of the desktop itself, which the bundle takes from the system as it already takes
# the OpenGL and Wayland libraries and libxcb. All but libcups are on the AppImage project's list of
# libraries present on every desktop and known to break the system's own when bundled (fontconfig with
# the system's configuration and font caches, a libstdc++ older than the system's GL driver needs,
# libX11 and libX11-xcb built for another libxcb than the system's); the system's libGLX, which Qt's
# libGL needs, links libX11 in any case. libcups: printing goes through the system's CUPS, whose
# client library matches its server and configuration; without CUPS there is no printer (Qt's print
# dialog then prints to a PDF file). What only these pulled in goes with them
# (prune_unreferenced_libraries): GnuTLS, Kerberos and Avahi (libcups), PNG and Brotli (FreeType),
# Expat (fontconfig). The bundle needs glibc 2.35 (its libpython) and GLIBCXX_3.4.29 (Qt): every
# system that runs it has these libraries at least as new as Qt needs.
SYSTEM_LIBRARIES = (
    "libstdc++.so.*", "libgcc_s.so.*", "libfontconfig.so.*", "libfreetype.so.*",
    "libX11.so.*", "libX11-xcb.so.*", "libxcb.so.*", "libcups.so.*",
)
# What the bundle may expect from the system (check_system_needs): glibc, the graphics stack, and
# SYSTEM_LIBRARIES. Anything else it links to must be in the bundle.
EXPECTED_FROM_SYSTEM = SYSTEM_LIBRARIES + (
    "ld-linux-x86-64.so.*", "libc.so.*", "libm.so.*", "libdl.so.*", "libpthread.so.*", "librt.so.*",
    "libresolv.so.*", "libutil.so.*",
    "libGL.so.*", "libEGL.so.*", "libOpenGL.so.*", "libGLX.so.*", "libwayland-client.so.*",
    "libwayland-cursor.so.*", "libwayland-egl.so.*",
)


def _system_library(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SYSTEM_LIBRARIES)


def prune_unreferenced_libraries(binaries: list[tuple]) -> list[tuple]:
    """Drop the shared libraries at the bundle's top level that are the desktop's (SYSTEM_LIBRARIES)
    or that nothing kept still links to.

    PyInstaller copies a plugin's system libraries beside it; dropping the plugin (keep_entry) leaves
    them behind: the GTK theme alone leaves cairo, pango, gdk-pixbuf and Kerberos. Everything inside a
    folder (Python extensions, Qt and its plugins) is a root; the top-level libraries stay only when
    reachable from a root through bundled libraries. Linux only: on Windows the top level holds just
    Python's own DLLs.
    """
    def top_level(entry: tuple) -> bool:
        return "/" not in _norm(entry[0]) and entry[2] == "BINARY" and not entry[0].startswith("libpython")

    binaries = [entry for entry in binaries if not (top_level(entry) and _system_library(entry[0]))]
    libraries = {Path(entry[0]).name: entry for entry in binaries if top_level(entry)}
    queue = [entry for entry in binaries if not top_level(entry) and entry[2] != "SYMLINK"]
    needed: set[str] = set()
    while queue:
        entry = queue.pop()
        # The libraries it names itself: ldd (PyInstaller's get_imports) would also list those of the
        # system libraries it links to, and keep what only they need.
        for base in needed_libraries(Path(entry[1])):
            if base in libraries and base not in needed:
                needed.add(base)
                queue.append(libraries[base])
    return [entry for entry in binaries if not top_level(entry) or Path(entry[0]).name in needed]


def needed_libraries(path: Path) -> list[str]:
    """The libraries an ELF file names as needed (DT_NEEDED); none for anything else."""
    import subprocess

    with path.open("rb") as handle:
        if handle.read(4) != b"\x7fELF":
            return []
    dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)


def check_system_needs(bundle: Path) -> list[str]:
    """Linux: the libraries the bundle's programs and libraries link to that are neither in the bundle
    nor expected from the system (EXPECTED_FROM_SYSTEM), each with one library that needs it. A
    non-empty answer means a bundle that works here and fails on a clerk's PC."""
    files = [path for path in bundle.rglob("*") if path.is_file() and not path.is_symlink()]
    present = {path.name for path in bundle.rglob("*")}
    missing: dict[str, str] = {}
    for path in files:
        for name in needed_libraries(path):
            expected = any(fnmatch.fnmatchcase(name, pattern) for pattern in EXPECTED_FROM_SYSTEM)
            if name not in present and not expected:
                missing.setdefault(name, str(path.relative_to(bundle)))
    return [f"{name} (needed by {user})" for name, user in sorted(missing.items())]


def imports_of(folder: Path) -> list[str]:
    """Modules imported by the .py files under folder (the Alembic scripts in db/ are bundled as data
    and loaded by Alembic at run time, so PyInstaller's analysis never sees their imports)."""
    found: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if node.module == "__future__":
                    continue
                found.add(node.module)
                # `from alembic import op`: op is a module of its own, SQLModel (say) is not.
                found.update(
                    f"{node.module}.{alias.name}" for alias in node.names if _is_module(f"{node.module}.{alias.name}")
                )
    return sorted(found)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def data_tree(source: Path, dest: str) -> list[tuple[str, str]]:
    """(file, folder in bundle) pairs for a source folder, without caches and compiled files."""
    pairs = []
    for path in sorted(source.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        relative_parent = path.parent.relative_to(source).as_posix()
        pairs.append((str(path), dest if relative_parent == "." else f"{dest}/{relative_parent}"))
    return pairs


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["check-system-needs"] or len(sys.argv) != 3:
        sys.exit("usage: bundle_rules.py check-system-needs BUNDLE")
    problems = check_system_needs(Path(sys.argv[2]))
    for problem in problems:
        print(f"not in the bundle nor the system's: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)
