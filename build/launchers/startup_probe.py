"""Start-up probe for the benchmark: quit at the main window's first paint, or when its rows are in.

Shared by the Cunwu GUI launcher and the benchmark's bare PySide6 app, so both are measured the same
way. It wraps QApplication.exec:
- CUNWU_EXIT_AFTER_SHOW=1 (`quit_after_first_paint`): every visible QMainWindow gets an event filter;
  the first Paint prints `shown <seconds since the epoch>` on stdout and quits the loop;
- CUNWU_EXIT_AFTER_ROWS=1 (`quit_after_first_rows`): from the start of the event loop, every few ms,
  the first top-level window whose `.model` holds a row (Cunwu's ledger model once its first page is
  in; the bare app's table) prints `rows <seconds since the epoch>` and quits the loop.
"""

from __future__ import annotations

import sys
import time

POLL_MS = 2


def quit_after_first_paint() -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    original_exec = QApplication.exec

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                print(f"shown {time.time():.6f}", flush=True)
                QTimer.singleShot(0, QApplication.quit)
            return False

    def exec_then_quit(*_args: object) -> int:
        app = QApplication.instance()
        probe = _FirstPaint(app)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
        if not windows:
            print("no main window shown", file=sys.stderr, flush=True)
            return 3
        for window in windows:
            window.installEventFilter(probe)
        return original_exec()

    QApplication.exec = exec_then_quit  # type: ignore[method-assign]


def quit_after_first_rows(timeout_s: float = 60.0) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec

    def rows_shown() -> bool:
        for window in QApplication.topLevelWidgets():
            model = getattr(window, "model", None)
            if model is not None and callable(getattr(model, "rowCount", None)) and model.rowCount() > 0:
                return True
        return False

    def exec_then_quit(*_args: object) -> int:
        started = time.monotonic()
        timer = QTimer()
        failed: list[int] = []

        def check() -> None:
            if rows_shown():
                timer.stop()
                print(f"rows {time.time():.6f}", flush=True)
                QApplication.quit()
            elif time.monotonic() - started > timeout_s:
                timer.stop()
                print("no rows shown in time", file=sys.stderr, flush=True)
                failed.append(4)
                QApplication.quit()

        timer.timeout.connect(check)
        timer.start(POLL_MS)
        QTimer.singleShot(0, check)
        code = original_exec()
        return failed[0] if failed else code

    QApplication.exec = exec_then_quit  # type: ignore[method-assign]


def install_from_environment() -> None:
    """What the launchers call: the probe the environment asks for, if any."""
    import os

    if os.environ.get("CUNWU_EXIT_AFTER_ROWS") == "1":
        quit_after_first_rows()
    elif os.environ.get("CUNWU_EXIT_AFTER_SHOW") == "1":
        quit_after_first_paint()
