"""Start-up probe for the benchmark: quit right after the main window's first paint.

Shared by the Cunwu GUI launcher and the benchmark's bare PySide6 app, so both are measured the same
way. It wraps QApplication.exec: when the event loop starts, every visible QMainWindow gets an event
filter; the first Paint prints `shown <seconds since the epoch>` on stdout and quits the loop.
"""

from __future__ import annotations

import sys
import time


def quit_after_first_paint() -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    original_exec = QApplication.exec

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
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
