"""The log file: what went wrong, for whoever helps the clerk, never a personal number.

`<data folder>/logs/cunwu.log` (beside the database; a server database: the user data folder), rotated
at 2 MB with 4 older files kept, so it never fills an office PC's disk. Every formatted record —
message, traceback and all — passes the disclosure gate (`for_output`) in the handler itself, so no
formatter set later and no library's message can write an ID, phone or account number to disk.
On POSIX the folder is 0700 and the files 0600: the log names paths and errors of one clerk's work.

Started on first use (`record_exception`) or by the window after its first paint (`start`): importing
`logging.handlers` costs more than the window's frame is allowed to wait for. This module imports
nothing heavy itself; the window's launcher imports it before the first paint.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import logging

LOG_FOLDER = "logs"
LOG_FILE_NAME = "cunwu.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 4
# No thread ids: a 15-digit thread id reads as a bank account to the gate, and masking it helps nobody.
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d %(threadName)s] %(message)s"

_handler: "logging.Handler | None" = None
# Where the log goes once something is written (use()): a folder, or how to find it (the window
# passes a function: finding the data folder imports platformdirs, which can wait for the first paint).
FolderSource = Path | Callable[[], Path]
_folder: FolderSource | None = None
# Lines from outside Python's logging (Qt's messages) that came before the log was opened.
_pending: list[tuple[str, str, str]] = []
PENDING_LIMIT = 200
_lock = threading.RLock()  # a worker's failure and the window's first paint may both open the log


def folder_for(db: str | os.PathLike[str] | None) -> Path:
    """The log folder for the database the program was started with (--db, $CUNWU_DB or the default):
    beside it, or the user data folder's when the database's folder cannot be written (a CD, a locked
    USB stick: the database then opens read-only, and the log is what explains what went wrong)."""
    from app.storage.paths import resolve_db_path, user_data_dir

    if str(db or "").startswith(("postgresql:", "postgresql+")):
        return user_data_dir() / LOG_FOLDER
    beside = resolve_db_path(db).parent
    if beside.is_dir() and not os.access(beside, os.W_OK):
        return user_data_dir() / LOG_FOLDER
    return beside / LOG_FOLDER


def use(folder: FolderSource) -> None:
    """Where the log goes; nothing is opened or imported until something is written (or start())."""
    global _folder
    _folder = folder if callable(folder) else Path(folder)


def current_path() -> Path | None:
    """The file being written, or None when no log is open."""
    return Path(_handler.baseFilename) if _handler is not None else None  # type: ignore[attr-defined]


def start(folder: Path | None = None) -> Path | None:
    """Write the log into `folder` (default: the one given to use()) from now on; the file's path, or
    None when it cannot be written there (a read-only data folder, a full disk): the program goes on
    without a log rather than fail."""
    with _lock:
        return _start(folder)


def _start(folder: Path | None) -> Path | None:
    global _handler
    import logging

    if folder is None:
        if _handler is not None:
            return current_path()
        try:
            folder = _folder() if callable(_folder) else _folder
        except OSError:
            return None
    if folder is None:
        return None
    folder = Path(folder)
    path = Path(os.path.abspath(folder / LOG_FILE_NAME))
    if _handler is not None:
        if current_path() == path:
            return path
        _close()
    try:
        _private_folder(folder)
        handler = _handler_class()(path)
    except OSError:
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    logging.getLogger().addHandler(handler)
    # The app's own INFO lines (the start line with the version) get through; libraries stay at
    # WARNING: SQLAlchemy at INFO would log every statement.
    app_logger = logging.getLogger("app")
    if app_logger.level == logging.NOTSET or app_logger.level > logging.INFO:
        app_logger.setLevel(logging.INFO)
    _handler = handler
    while _pending:
        level, name, text = _pending.pop(0)
        logging.getLogger(name).log(logging.getLevelName(level), "%s", text)
    return path


def note(level: str, name: str, text: str) -> None:
    """A line from outside Python's logging (Qt's messages; level "WARNING", "CRITICAL"…): written if
    the log is open, else kept until it is (Qt warns during start-up, before the window's first paint
    opens the log). A fatal one opens the log at once: Qt ends the process right after it."""
    import logging

    with _lock:  # Qt warns from any thread; the buffer is emptied when the log opens
        if _handler is None and level == "CRITICAL":
            start()
        if _handler is None:
            if len(_pending) < PENDING_LIMIT:
                _pending.append((level, name, text))
            return
    logging.getLogger(name).log(logging.getLevelName(level), "%s", text)


def stop() -> None:
    """Close the log and forget its folder (tests; a window closed inside a longer-running process)."""
    global _folder
    _folder = None
    _pending.clear()
    _close()


def _close() -> None:
    global _handler
    import logging

    with _lock:
        if _handler is None:
            return
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def record_exception(error: BaseException, what: str, folder: Path | None = None) -> Path | None:
    """Log an unexpected error with its traceback; the log file's path, None when no log can be written.

    The window's log is opened if it is not yet (see use()). `folder` (the command line) writes this one
    record there and closes the file again: the process is about to end, and a test process calling the
    command line must not keep files open. Without a log nothing is logged: logging's fallback would
    print the traceback, ungated, on the console.
    """
    import logging

    if folder is not None:
        previous = _handler
        path = start(folder) if previous is None else None
        if path is None:  # a log is open already (the window's): write to it
            path = current_path()
    else:
        previous, path = _handler, start()  # the window's log, opened now if not yet
    if path is not None:
        logging.getLogger("app.crash").error(what, exc_info=(type(error), error, error.__traceback__))
        if folder is not None and previous is None:
            stop()
    return path


def gated_report(error: BaseException) -> str:
    """The error as a developer needs it (version, system, traceback), through the gate: what the
    window's "复制错误信息" button puts on the clipboard."""
    import platform
    import traceback

    from app import __version__
    from app.core.disclosure import for_output

    frozen = "frozen" if getattr(sys, "frozen", False) else "source"
    header = f"Cunwu {__version__} ({frozen}), Python {platform.python_version()}, {platform.platform()}\n"
    return for_output(header + "".join(traceback.format_exception(type(error), error, error.__traceback__)))


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, 0o700)  # made earlier with the umask's 0755, or by hand


def _handler_class() -> type:
    """Defined on first use: `logging.handlers` is not imported before the window's first paint."""
    import logging.handlers

    from app.core.disclosure import for_output

    class GatedRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def __init__(self, path: Path) -> None:
            super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")

        def format(self, record: logging.LogRecord) -> str:
            # Here, not in a Formatter: whatever formatter is set, nothing reaches the file ungated.
            return for_output(super().format(record))

        def _open(self):  # noqa: ANN202 - the stream logging expects
            # 0600 from the first byte (no window in which another account could open it), and never
            # through a symbolic link planted where the log goes.
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
            descriptor = os.open(self.baseFilename, flags, 0o600)
            if os.name == "posix":
                os.fchmod(descriptor, 0o600)  # a log left by an older version with the umask's mode
            return open(descriptor, "a", encoding=self.encoding, errors="backslashreplace")

        def doRollover(self) -> None:
            try:
                super().doRollover()
            except OSError:
                # Windows: the command line and the window share the file, and a file open in another
                # process cannot be renamed. Keep writing to it; the next record tries again.
                if self.stream is None:
                    self.stream = self._open()

        def handleError(self, record: logging.LogRecord) -> None:
            # A full disk or a vanished folder must not print logging's own traceback on the clerk's
            # console (the window has none): the record is lost, the program goes on.
            pass

    return GatedRotatingFileHandler
