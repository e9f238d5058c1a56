"""What goes into the one-folder bundle and what is trimmed out, shared by build/cunwu.spec and the
bare-PySide6 app of bench/bench_startup.py (so the start-up comparison is between equals).

Imported by PyInstaller spec files (which put build/ on sys.path); plain Python, no PyInstaller import
at module level, so it can be read and tested anywhere.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
from pathlib import Path
from typing import Iterable

# Python packages the app never imports but that optional imports of its libraries would pull in
# when they happen to be installed where the build runs (openpyxl → numpy/pandas, …). The Linux build
# uses the developer's environment, which has far more than the app needs. (Pillow stays: ReportLab
# 5 imports it unconditionally.)
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "pydoc_data", "ensurepip", "venv",
    "distutils", "setuptools", "pkg_resources", "_distutils_hack", "pip",
    "numpy", "pandas", "matplotlib", "scipy", "IPython", "jedi", "parso", "pygments",
    "pytest", "_pytest", "hypothesis", "pytestqt", "pypdf", "xlwt", "msoffcrypto",
    "psycopg", "psycopg_binary", "psycopg2", "cryptography", "cffi", "greenlet",
    "email_validator", "dotenv", "yaml", "jinja2", "requests", "urllib3", "certifi", "boto3", "botocore",
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
# embedded archive (PYZ): with two programs, the PYZ way would carry them twice (~9 MB).
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
    "wayland-decoration-client", "wayland-graphics-integration-client", "wayland-shell-integration",
}
# Plugins of kept folders that a desktop office app never loads: embedded-device platforms (EGLFS,
# framebuffer, VNC, Vulkan display) and the GTK theme (it alone pulls cairo, pixman and GTK's stack).
DROPPED_PLUGIN_PATTERNS = (
    "*qeglfs*", "*qlinuxfb*", "*qvnc*", "*qvkkhrdisplay*", "*qminimalegl*", "*qgtk3*",
)
# PNG and BMP are built into QtGui; .ico for window icons, SVG for icons drawn as vectors.
KEPT_IMAGE_FORMATS = ("*qico*", "*qsvg*")
# Only qtbase's Chinese translation: Qt's own buttons and menus (确定, 取消, 复制…) in Chinese.
KEPT_TRANSLATIONS = ("qtbase_zh_CN.qm",)
# Qt libraries that only the dropped plugins or QML would load; opengl32sw.dll is Mesa's software
# OpenGL (20 MB) for Qt Quick / QOpenGLWidget, which a widgets app never loads.
DROPPED_LIBRARY_PATTERNS = (
    "opengl32sw.dll", "*qt6qml*", "*qt6quick*", "*qt6pdf*", "*qt6network*", "*qt6virtualkeyboard*",
    "*qt6opengl*", "*qt6sql*", "*qt6designer*", "*qt6labs*", "*qt6eglfs*",
)


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
    if any(fnmatch.fnmatch(name, pattern) for pattern in DROPPED_LIBRARY_PATTERNS):
        return False
    return True


def trim(toc: Iterable[tuple]) -> list[tuple]:
    """A PyInstaller TOC (dest, source, kind) without what keep_entry drops."""
    return [entry for entry in toc if keep_entry(entry[0])]


def prune_unreferenced_libraries(binaries: list[tuple]) -> list[tuple]:
    """Drop the shared libraries at the bundle's top level that nothing kept still links to.

    PyInstaller copies a plugin's system libraries beside it; dropping the plugin (keep_entry) leaves
    them behind: the GTK theme alone leaves cairo, pango, gdk-pixbuf and Kerberos. Everything inside a
    folder (Python extensions, Qt and its plugins) is a root; the top-level libraries stay only when
    reachable from a root. Linux only: on Windows the top level holds just Python's own DLLs.
    """
    from PyInstaller.depend.bindepend import get_imports

    def top_level(entry: tuple) -> bool:
        return "/" not in _norm(entry[0]) and entry[2] == "BINARY" and not entry[0].startswith("libpython")

    libraries = {Path(entry[0]).name: entry for entry in binaries if top_level(entry)}
    queue = [entry for entry in binaries if not top_level(entry) and entry[2] != "SYMLINK"]
    needed: set[str] = set()
    while queue:
        entry = queue.pop()
        for name, _path in get_imports(entry[1]):
            base = Path(name).name
            if base in libraries and base not in needed:
                needed.add(base)
                queue.append(libraries[base])
    return [entry for entry in binaries if not top_level(entry) or Path(entry[0]).name in needed]


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
