"""Starting the window: `cunwu gui`, `python -m app` and the `cunwu-gui` gui-script all come here."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from app import APP_NAME, APP_TITLE
from app.ui import messages
from app.ui.fonts import register_bundled_fonts, use_chinese_ui_font

EXIT_OK, EXIT_REFUSED = 0, 1


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # sys.argv, so that Qt's own options (-platform offscreen under wine) are honoured.
    app = QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    _install_qt_translation(app)
    use_chinese_ui_font(app, register_bundled_fonts())
    return app


def _install_qt_translation(app: QApplication) -> None:
    """Qt's own texts (file dialogs, the right-click menu of a text field) in Chinese."""
    translator = QTranslator(app)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_",
                       QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)


def _open_errors() -> tuple[type[BaseException], ...]:
    from app.storage.engine import DatabaseCorrupt, DatabaseOpenError
    from app.storage.instance_lock import DatabaseInUse
    from app.storage.migrations import DatabaseFromNewerVersion

    return (DatabaseInUse, DatabaseFromNewerVersion, DatabaseCorrupt, DatabaseOpenError)


def run_gui(db: str | None) -> int:
    """Open the database and the main window; 1 when the database cannot be opened."""
    app = _application()
    from app.services.setup import initialize
    from app.services.subsidies import list_subsidies
    from app.storage.engine import open_database

    try:
        database = open_database(db)
    except _open_errors() as error:
        messages.refuse(None, f"{APP_TITLE}：无法打开数据库", str(error))
        return EXIT_REFUSED
    window = None
    try:
        from app.services.audit import default_actor
        from app.ui.main_window import MainWindow

        actor = default_actor()
        if not list_subsidies(database):
            initialize(database, actor)  # a new, empty database: seed the subsidy types once
        window = MainWindow(database, actor)
        window.show()
        for warning in database.warnings:
            messages.warn(window, "提示", warning)
        if database.backup_path:
            messages.inform(window, "数据库已升级", f"升级前的数据库已备份到：\n{database.backup_path}")
        return app.exec()
    finally:
        if window is not None:
            window.shutdown()
        database.close()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cunwu-gui", add_help=False)
    parser.add_argument("--db", metavar="PATH", default=None)
    args, _qt_options = parser.parse_known_args(list(argv))  # Qt's options stay in sys.argv for QApplication
    return args


def entry_point() -> None:
    sys.exit(run_gui(parse_args(sys.argv[1:]).db))
