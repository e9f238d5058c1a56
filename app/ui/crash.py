"""When the program itself fails: written to the log with its traceback, told to the clerk in Chinese.

`cunwu-gui.exe` has no console: without this, an unexpected error in a slot, a worker or a thread
would vanish (or become one status-bar line) and nobody could say what happened. `install()` (the
window's launcher) routes them all here:
- an exception in the GUI thread (PySide hands it to `sys.excepthook`), in a Python thread
  (`threading.excepthook`) or in a worker (app.ui.background) is logged with its traceback and the
  clerk gets one dialog: a Chinese sentence (`clerk_message`), the log's path and a "复制错误信息"
  button that copies the gated report for whoever helps them;
- Qt's own warnings (`qInstallMessageHandler`) go to the log.
Refusals the services explain themselves are not failures: neither logged nor shown here. The PC's
own troubles (disk full, a file open in Excel, no memory) are logged from a worker with their
traceback, but the pages tell them in their own words: the dialog is for the program's own failures.

Installed before the window's first paint: nothing here imports logging or the services until an
error actually happens (app.logs buffers Qt's messages until the log is opened after the paint).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import APP_TITLE, logs
from app.core.disclosure import for_output

TITLE = f"{APP_TITLE}：程序出错"
COPY = "复制错误信息"
COPIED = "已复制"
CLOSE = "关闭"
_HELP = "请点“复制错误信息”，把它发给帮您维护电脑或软件的人员。"

# Qt's message types by name (comparing names keeps PySide's `Qt` enum namespace out of start-up).
_QT_LEVELS = {"QtDebugMsg": "DEBUG", "QtInfoMsg": "INFO", "QtWarningMsg": "WARNING",
              "QtCriticalMsg": "ERROR", "QtFatalMsg": "CRITICAL"}


def is_refusal(error: BaseException) -> bool:
    """A refusal with its own Chinese sentence (a service said no, the clerk cancelled): nothing failed."""
    from app.services.errors import Cancelled, known_errors

    return isinstance(error, (*known_errors(), Cancelled))


def is_unexpected(error: BaseException) -> bool:
    """A failure of the program itself: neither a refusal nor the PC's own trouble."""
    from app.services.errors import describe_failure

    if is_refusal(error) or isinstance(error, (OSError, MemoryError)):
        return False
    # A database error that describe_failure recognises (disk full, read-only, locked) is the PC's
    # trouble too: its sentence then differs from the one any error of that type's name gets.
    stand_in = type(type(error).__name__, (Exception,), {})()
    return describe_failure(error) == describe_failure(stand_in)


class CrashDialog(QMessageBox):
    """The one dialog about a program failure: the sentence, the log's path, copy, close.

    A QMessageBox, so the tests' guard against unanswered boxes covers it as well."""

    def __init__(self, error: BaseException, log_path: Path | None, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt

        from app.services.errors import clerk_message

        super().__init__(parent)
        self.report = logs.gated_report(error)
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle(TITLE)
        self.setText(for_output(clerk_message(error)))
        where = (f"出错的详细情况已记录在日志文件中：\n{log_path}" if log_path is not None
                 else "出错的详细情况没能写入日志文件（数据文件夹不能写入）。")
        self.setInformativeText(for_output(f"{where}\n{_HELP}"))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = self.addButton(COPY, QMessageBox.ButtonRole.ActionRole)
        # Every QMessageBox button closes the box; copying must not (the clerk may copy, then read on).
        self.copy_button.clicked.disconnect()
        self.copy_button.clicked.connect(self.copy_report)
        self.close_button = self.addButton(CLOSE, QMessageBox.ButtonRole.AcceptRole)
        self.setDefaultButton(self.close_button)
        self.setEscapeButton(self.close_button)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report)
        self.copy_button.setText(COPIED)


class _Reporter(QObject):
    """Lives in the GUI thread: a failure reported from any thread is shown from there."""

    failed = Signal(object, object)  # (exception, log path or None)

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.showing = False
        self.failed.connect(self._later)

    def _later(self, error: BaseException, log_path: object) -> None:
        # After the current slot or event has returned: a modal loop inside a paint event or an
        # excepthook would run on top of half-finished work.
        QTimer.singleShot(0, lambda: self._show(error, log_path if isinstance(log_path, Path) else None))

    def _show(self, error: BaseException, log_path: Path | None) -> None:
        if self.showing:  # one dialog at a time: a failure repeating in a loop is logged, not stacked
            return
        self.showing = True
        try:
            CrashDialog(error, log_path, QApplication.activeWindow()).exec()
        finally:
            self.showing = False


_reporter: _Reporter | None = None


def report(error: BaseException, what: str) -> None:
    """Log an unexpected error with its traceback and, in a window with the handlers installed, show
    the dialog (from any thread). Without them (tests of single pages, the command line) only logged."""
    path = logs.record_exception(error, what)
    if _reporter is not None:
        _reporter.failed.emit(error, path)


def report_now(error: BaseException, what: str, parent: QWidget | None = None) -> None:
    """Log, then show the dialog at once: for the launcher, when no event loop runs to show it later."""
    CrashDialog(error, logs.record_exception(error, what), parent).exec()


def log_only(error: BaseException, what: str) -> None:
    """Log with its traceback, nothing shown (a worker: the GUI thread decides what the clerk sees)."""
    logs.record_exception(error, what)


def show(error: BaseException) -> None:
    """Show the dialog for an error already logged (GUI thread; nothing without the handlers)."""
    if _reporter is not None:
        _reporter.failed.emit(error, logs.current_path())


class Installed:
    """The handlers of one run of the window; `uninstall()` puts back what was there before."""

    def __init__(self, parent: QObject | None, log_folder: logs.FolderSource) -> None:
        global _reporter
        logs.use(log_folder)
        self._reporter = _reporter = _Reporter(parent)
        self._excepthook = sys.excepthook
        self._thread_hook = threading.excepthook
        sys.excepthook = self._on_exception
        threading.excepthook = self._on_thread_exception
        self._qt_handler: Callable[..., Any] | None = qInstallMessageHandler(self._on_qt_message)

    def _on_exception(self, kind: type[BaseException], error: BaseException, traceback: Any) -> None:
        if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: not a program failure
            self._excepthook(kind, error, traceback)
            return
        if error.__traceback__ is None:
            error = error.with_traceback(traceback)
        report(error, "unexpected error in the window")
        if self._excepthook is not sys.__excepthook__:
            # Someone else listens too (pytest-qt turns it into a failed test); Python's own hook
            # would only print the traceback, ungated, on a console the window does not have.
            self._excepthook(kind, error, traceback)

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or not isinstance(args.exc_value, Exception):
            self._thread_hook(args)
            return
        name = args.thread.name if args.thread is not None else "?"
        report(args.exc_value, f"unexpected error in thread {name}")

    def _on_qt_message(self, mode: Any, context: Any, message: str) -> None:
        level = _QT_LEVELS.get(getattr(mode, "name", ""), "WARNING")
        logs.note(level, "qt", message)
        if self._qt_handler is not None:
            self._qt_handler(mode, context, message)  # pytest-qt's, which fails a test on a warning
        elif sys.stderr is not None and level not in ("DEBUG", "INFO"):
            print(for_output(message), file=sys.stderr)  # what Qt's own handler would have printed

    def uninstall(self) -> None:
        global _reporter
        qInstallMessageHandler(self._qt_handler)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook
        if _reporter is self._reporter:
            _reporter = None
        self._reporter.deleteLater()
        logs.stop()


def install(parent: QObject | None, log_folder: logs.FolderSource) -> Installed:
    """Route the window's failures and Qt's messages to the log (in `log_folder`) and the dialog."""
    return Installed(parent, log_folder)
