"""Starting the window: `cunwu gui`, `python -m app` and the `cunwu-gui` gui-script all come here."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from app import APP_NAME, APP_TITLE, logs
from app.ui import crash, messages
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
    install_qt_translation(app)
    use_chinese_ui_font(app, register_bundled_fonts())
    return app


def install_qt_translation(app: QApplication) -> list[QTranslator]:
    """Qt's own texts (file and print dialogs, the right-click menu of a text field) in Chinese, from
    qtbase_zh_CN.qm in PySide's translations folder (the frozen bundle keeps that one file:
    build/bundle_rules.py). Returns the translators installed (none when the file is missing)."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        return []
    fallback = _MnemonicFallback(translator, app)
    app.installTranslator(fallback)  # asked last: only for what qtbase_zh_CN itself does not have
    app.installTranslator(translator)
    return [translator, fallback]


class _MnemonicFallback(QTranslator):
    """Qt 6 gave some labels a mnemonic after they were translated: the file dialog asks for "&Look in:"
    and "Files of &type:", qtbase_zh_CN.qm has "Look in:" (查找范围：) and "Files of type:" (文件类型：).
    Such a text is looked up again without its "&"."""

    def __init__(self, base: QTranslator, parent: QObject) -> None:
        super().__init__(parent)
        self._base = base

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        if source and "&" in source:
            found = self._base.translate(context, source.replace("&", ""), disambiguation, n)
            if found:
                return found
        return None  # not found: Qt goes on to the source text

    def isEmpty(self) -> bool:
        return False


def _open_errors() -> tuple[type[BaseException], ...]:
    from app.storage.engine import DatabaseCorrupt, DatabaseOpenError
    from app.storage.instance_lock import DatabaseInUse
    from app.storage.migrations import DatabaseFromNewerVersion

    return (DatabaseInUse, DatabaseFromNewerVersion, DatabaseCorrupt, DatabaseOpenError)


class _AfterFirstPaint(QObject):
    """Runs a callback once, right after the window's first paint has been handled."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._callback = callback
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def run_gui(db: str | None) -> int:
    """Show the window, then open the database into it; 1 when the database cannot be opened.

    The window's frame is drawn before its body and before the database layer (SQLAlchemy, SQLModel,
    the migrations) is even imported: on an old office PC that is most of a second the clerk would
    otherwise stare at nothing. The crash handlers are in place before anything else runs; the log
    file itself is opened right after the first paint (app.logs).
    """
    app = _application()
    handlers = crash.install(app, lambda: logs.folder_for(db))
    try:
        return _run_window(app, db)
    except Exception as error:  # noqa: BLE001 - failed before or after the event loop: the dialog says so
        crash.report_now(error, "the window failed outside its event loop")
        return EXIT_REFUSED
    finally:
        handlers.uninstall()


def _run_window(app: QApplication, db: str | None) -> int:
    """One window; again when the clerk chose 切换数据库 (then the sign-in dialog asks where to work)."""
    ask = False
    while True:
        code, again = _one_window(app, db, ask)
        if not again:
            return code
        db, ask = None, True


def _one_window(app: QApplication, db: str | None, ask: bool) -> tuple[int, bool]:
    """The window's exit code, and whether the clerk asked to switch databases."""
    from app.ui.main_window import MainWindow

    window = MainWindow(None)
    opened: list = []

    def open_into_window() -> None:
        window.build_body()
        if (db is not None or not (ask or _server_remembered())) and window.show_first_rows(db):
            # A local database (no one to sign in) with its first rows read: they are painted, and the
            # event loop turns once, before the opening takes its most of a second.
            QTimer.singleShot(0, finish_opening)
            return
        window.repaint()  # the filter bar and the empty table show while the database layer loads
        finish_opening()

    def finish_opening() -> None:
        _log_start()
        from app.services.audit import default_actor
        from app.services.setup import initialize
        from app.services.subsidies import list_subsidies
        from app.storage import server_errors, server_url
        from app.ui import sign_in

        signed_in, where, source = None, "", db
        if db is None and (ask or sign_in.remembered_mode() == sign_in.SERVER):
            # 本机数据库 or 乡镇服务器: asked at start on a PC that last worked on the server
            chosen = sign_in.ask(window, window.runner)
            if chosen is None:
                window.hide()
                app.exit(EXIT_OK)
                return
            signed_in, where = chosen.signed_in, chosen.where
            if chosen.needs_key and chosen.url is not None:  # this PC's account has no key yet
                source = chosen.url.render_as_string(hide_password=False)
            elif chosen.database is not None:
                opened.append(chosen.database)
        try:
            with server_errors.as_refusal():
                database = opened[0] if opened else _open_or_recover(window, source)
                if database.engine.dialect.name != "sqlite" and signed_in is None:  # --db, or a key recovered
                    signed_in = sign_in.find_signed_in(database)
                    where = where or server_url.opened_at(database)[0]
        except _open_errors() as error:
            window.hide()  # not close(): closing the last window would queue a second quit
            messages.refuse(None, f"{APP_TITLE}：无法打开数据库", str(error))
            app.exit(EXIT_REFUSED)
            return
        except Exception as error:  # noqa: BLE001 - a window without its database is no use: say why, quit
            window.hide()
            if crash.is_unexpected(error):
                crash.report_now(error, "the database could not be opened")
            else:  # the PC's trouble (a folder that cannot be written, a full disk): its own sentence
                logs.record_exception(error, "the database could not be opened")
                messages.refuse(None, f"{APP_TITLE}：无法打开数据库", messages.error_text(error))
            app.exit(EXIT_REFUSED)
            return
        if not opened or opened[0] is not database:
            opened.append(database)
        from app.core.roles import Permission
        from app.ui import actor as acting

        if signed_in is not None:  # the server knows who signed in: the log says that person
            actor = signed_in.name
        else:
            # The name chosen on this PC, asked for the first time: the log must say 王文书, not the login.
            actor = acting.current_or_ask(window) or default_actor()
            if not list_subsidies(database):
                initialize(database, actor)  # a new, empty database: seed the subsidy types once
        window.attach(database, actor, signed_in, where)
        from app.ui.first_start import first_start_if_needed

        # No township or no village yet: 首次设置 asks for them (and each village's phones, board…).
        if window.may(Permission.VILLAGES):
            first_start_if_needed(window, database, window.runner, actor, on_done=window.refresh)
        if database.recovery_code:  # a new database's key, or an upgraded one's (issue 17): shown once
            from app.ui.backup_recovery import show_recovery_code

            show_recovery_code(window, database.recovery_code)
        for warning in database.warnings:
            messages.warn(window, "提示", warning)
        if database.backup_path:
            messages.inform(window, "数据库已升级", f"升级前的数据库已备份到：\n{database.backup_path}")

    _AfterFirstPaint(window, open_into_window)
    window.show()
    try:
        return app.exec(), window.switch_requested
    finally:
        window.shutdown()
        window.deleteLater()
        for database in opened:
            database.close()


def _server_remembered() -> bool:
    from app.ui import sign_in

    return sign_in.remembered_mode() == sign_in.SERVER


def _open_or_recover(window: QWidget, db: str | None):  # noqa: ANN202 - app.storage.engine.Database
    """Open the database; one made on another PC or account asks for its recovery code (the key is
    then kept for this account), and is opened with it. Cancelled: the refusal as before."""
    from app.services.audit import default_actor
    from app.services.data_key import recover_key
    from app.services.errors import ServiceError
    from app.storage import engine
    from app.storage.keys import KeyUnavailable
    from app.ui import actor as acting
    from app.ui.table_helpers import ask_text

    try:
        return engine.open_database(db)
    except KeyUnavailable as unavailable:
        refusal = unavailable
    said = "这个数据库是在另一台电脑或另一个账户上建立的，个人信息已加密。请输入建库时打印的恢复码（8 组，每组 5 个字母或数字）："
    while True:
        code = ask_text(window, "输入恢复码", said, "打开")
        if not code or not code.strip():
            raise refusal
        locked = engine.open_database(db, unlock=False)
        try:
            recover_key(locked, code, acting.remembered() or default_actor())
        except ServiceError as wrong:
            said = f"{wrong.message}。请再输入一次恢复码："
            continue
        finally:
            locked.close()
        return engine.open_database(db)


def _log_start() -> None:
    """Open the log and say which program this is: a later traceback is read against that version."""
    import logging
    import platform

    from app import __version__

    if logs.start() is not None:
        frozen = "frozen" if getattr(sys, "frozen", False) else "source"
        logging.getLogger("app").info("Cunwu %s (%s) started, Python %s, %s", __version__, frozen,
                                      platform.python_version(), platform.platform())


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cunwu-gui", add_help=False)
    parser.add_argument("--db", metavar="PATH", default=None)
    args, _qt_options = parser.parse_known_args(list(argv))  # Qt's options stay in sys.argv for QApplication
    return args


def entry_point() -> None:
    sys.exit(run_gui(parse_args(sys.argv[1:]).db))
