"""The window's crash handler (app/ui/crash.py, issue 13): a failure in a worker, in the GUI thread or in
a Python thread is logged with its traceback (personal numbers masked) and brings up one Chinese dialog
with the log's path and a button that copies the gated report; refusals and the PC's own troubles
do not; Qt's warnings go to the log; the handlers cost the first paint nothing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication

from app import __version__, logs
from app.core.synthetic import make_people
from app.services.errors import ServiceError
from app.storage import engine
from app.ui import crash, launch
from app.ui.background import TaskRunner

PERSON = make_people(1, seed=17)[0]
MASKED_ID = PERSON.id_number[:6] + "********" + PERSON.id_number[-4:]
WAIT_MS = 5000


class Dialogs:
    """Every crash dialog shown: its texts; copies the report first when `copy` is set."""

    def __init__(self) -> None:
        self.shown: list[crash.CrashDialog] = []
        self.copy = False

    def exec(self, dialog: crash.CrashDialog) -> int:
        self.shown.append(dialog)
        if self.copy:
            dialog.copy_button.click()
        dialog.close_button.click()
        return 0


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    seen = Dialogs()
    monkeypatch.setattr(crash.CrashDialog, "exec", lambda dialog: seen.exec(dialog))
    return seen


@pytest.fixture
def installed(qapp, tmp_path: Path) -> Iterator[Path]:
    """The window's handlers, logging into tmp_path/logs; taken down again after the test."""
    handlers = crash.install(qapp, tmp_path / "logs")
    try:
        yield tmp_path / "logs" / "cunwu.log"
    finally:
        handlers.uninstall()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def fail_with_personal_data(task: object = None) -> None:
    raise RuntimeError(f"row for {PERSON.id_number} could not be shown")


def assert_logged_with_traceback(log: Path, where: str) -> str:
    text = log.read_text(encoding="utf-8")
    assert where in text
    assert "Traceback (most recent call last)" in text and "in fail_with_personal_data" in text
    assert PERSON.id_number not in text and MASKED_ID in text
    return text


def test_a_worker_crash_is_logged_and_shown_with_the_log_path(installed, dialogs, runner, qtbot):
    failures: list[BaseException] = []
    runner.start(fail_with_personal_data, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=WAIT_MS)
    assert len(failures) == 1  # the page still hears of it (it stops waiting for the result)
    assert_logged_with_traceback(installed, "error in a worker")
    (dialog,) = dialogs.shown
    assert dialog.windowTitle() == "村务公开助手：程序出错"
    assert dialog.text().startswith("程序内部出错") and "RuntimeError" in dialog.text()
    assert str(installed) in dialog.informativeText() and "复制错误信息" in dialog.informativeText()
    assert PERSON.id_number not in dialog.text() + dialog.informativeText()


def test_the_copy_button_copies_the_gated_report_and_keeps_the_dialog_open(installed, dialogs, runner, qtbot):
    dialogs.copy = True
    runner.start(fail_with_personal_data)
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=WAIT_MS)
    (dialog,) = dialogs.shown
    copied = QApplication.clipboard().text()
    assert copied == dialog.report
    assert copied.startswith("Cunwu ") and "in fail_with_personal_data" in copied
    assert PERSON.id_number not in copied and MASKED_ID in copied
    assert dialog.copy_button.text() == "已复制"
    # Copying did not close the box: only the close button did (a QMessageBox closes on any button).
    assert dialog.clickedButton() is dialog.close_button


@pytest.mark.qt_no_exception_capture  # the window's own hook is the one under test here
def test_a_gui_thread_crash_is_logged_and_shown(installed, dialogs, qtbot):
    QTimer.singleShot(0, fail_with_personal_data)
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=WAIT_MS)
    assert_logged_with_traceback(installed, "unexpected error in the window")
    (dialog,) = dialogs.shown
    assert dialog.text().startswith("程序内部出错") and str(installed) in dialog.informativeText()


def test_a_thread_crash_is_logged_and_shown(installed, dialogs, qtbot):
    thread = threading.Thread(target=fail_with_personal_data, name="printer")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=WAIT_MS)
    assert_logged_with_traceback(installed, "unexpected error in thread printer")


def test_one_dialog_at_a_time(installed, monkeypatch, runner, qtbot):
    shown: list[crash.CrashDialog] = []

    def meanwhile_two_more_fail(dialog: crash.CrashDialog) -> int:
        shown.append(dialog)
        if len(shown) == 1:
            runner.start(fail_with_personal_data, lane="b")
            runner.start(fail_with_personal_data, lane="c")
            qtbot.wait(300)
        return 0

    monkeypatch.setattr(crash.CrashDialog, "exec", meanwhile_two_more_fail)
    runner.start(fail_with_personal_data)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    qtbot.wait(300)
    assert len(shown) == 1
    assert installed.read_text(encoding="utf-8").count("error in a worker") == 3  # each one logged


@pytest.mark.parametrize("error", [
    ServiceError("这个村已经有这个月的发放记录"),
    OSError(28, "No space left on device"),
    PermissionError(13, "Permission denied"),  # an export into a file open in Excel
])
def test_refusals_and_the_pcs_own_trouble_bring_no_crash_dialog(installed, dialogs, runner, qtbot, error):
    failures: list[BaseException] = []

    def work(task: object) -> None:
        raise error

    runner.start(work, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
    qtbot.wait(100)
    assert dialogs.shown == []
    logged = installed.read_text(encoding="utf-8") if installed.exists() else ""
    assert ("error in a worker" in logged) == (not isinstance(error, ServiceError))  # a refusal is no failure


def test_a_database_error_the_services_recognise_is_not_a_crash():
    from sqlalchemy.exc import OperationalError

    assert not crash.is_unexpected(OperationalError("INSERT …", {}, Exception("database or disk is full")))
    assert crash.is_unexpected(OperationalError("SELECT …", {}, Exception("no such column: payout.amount")))
    assert crash.is_unexpected(KeyError("amount")) and not crash.is_unexpected(MemoryError())


def test_without_the_handlers_a_worker_failure_reaches_its_page_only(dialogs, runner, qtbot, tmp_path):
    failures: list[BaseException] = []
    runner.start(fail_with_personal_data, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
    qtbot.wait(100)
    assert dialogs.shown == [] and logs.current_path() is None


@pytest.mark.qt_log_ignore("planted warning")
def test_qt_warnings_go_to_the_log(installed, qtbot):
    qWarning(f"planted warning about {PERSON.id_number}.xlsx")
    logs.start()
    text = installed.read_text(encoding="utf-8")
    assert "WARNING qt" in text and "planted warning about" in text and PERSON.id_number not in text


def test_uninstall_puts_back_what_was_there(qapp, tmp_path):
    before = (sys.excepthook, threading.excepthook)
    handlers = crash.install(qapp, tmp_path)
    assert sys.excepthook != before[0] and threading.excepthook != before[1]
    handlers.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert logs.current_path() is None and crash._reporter is None


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_window_opens_its_log_beside_the_database(qapp, qtbot, boxes, monkeypatch, tmp_path):
    """run_gui: the handlers are in place while the window runs, the log (0600 in a 0700 folder) says
    which version started, and everything is taken down when the window closes."""
    seen: dict[str, object] = {}

    def run_briefly(*_args: object) -> int:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "choices_loaded")]
        qtbot.waitUntil(lambda: windows[0].choices_loaded, timeout=10_000)
        seen["hook"] = sys.excepthook
        windows[0].close()
        windows[0].deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", run_briefly)
    hook_before = sys.excepthook
    assert launch.run_gui(str(tmp_path / "村务" / "cunwu.sqlite3")) == 0
    log = tmp_path / "村务" / "logs" / "cunwu.log"
    assert f"Cunwu {__version__} (source) started" in log.read_text(encoding="utf-8")
    if os.name == "posix":  # Windows: the per-user folder's own ACL keeps the log private
        assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert seen["hook"] != hook_before and sys.excepthook == hook_before


def test_a_database_that_fails_to_open_unexpectedly_is_explained_and_the_window_quits(
        qapp, dialogs, monkeypatch, tmp_path):
    def broken(_path):  # noqa: ANN001, ANN202
        fail_with_personal_data()

    monkeypatch.setattr(engine, "open_database", broken)
    assert launch.run_gui(str(tmp_path / "x.sqlite3")) == launch.EXIT_REFUSED
    (dialog,) = dialogs.shown
    assert dialog.text().startswith("程序内部出错")
    assert_logged_with_traceback(tmp_path / "logs" / "cunwu.log", "the database could not be opened")


def test_a_database_the_pc_cannot_open_is_refused_in_its_own_words_and_logged(qapp, dialogs, boxes, monkeypatch,
                                                                              tmp_path):
    def locked_folder(_path):  # noqa: ANN001, ANN202
        raise PermissionError(13, "Permission denied", str(tmp_path / "cunwu.sqlite3.lock"))

    monkeypatch.setattr(engine, "open_database", locked_folder)
    assert launch.run_gui(str(tmp_path / "cunwu.sqlite3")) == launch.EXIT_REFUSED
    assert dialogs.shown == []
    assert boxes.shown == ["村务公开助手：无法打开数据库｜没有权限读写该文件或文件夹，操作没有完成｜"]
    text = (tmp_path / "logs" / "cunwu.log").read_text(encoding="utf-8")
    assert "the database could not be opened" in text and "PermissionError" in text


FRAME_PROBE = """
import sys
import PySide6.QtCore as QtCore
from app.ui import crash, launch
app = launch._application()
handlers = crash.install(app, lambda: (_ for _ in ()).throw(AssertionError("log folder looked up")))
from app.ui.main_window import MainWindow
window = MainWindow(None)
window.show()
window.repaint()
costly = ("logging.handlers", "platformdirs", "sqlalchemy", "reportlab", "openpyxl", "pypinyin")
print(sorted(m for m in costly if m in sys.modules), "Qt" in vars(QtCore), sys.excepthook == handlers._on_exception)
"""


def test_the_handlers_cost_the_first_paint_nothing():
    """Installed before the frame is drawn, they import neither logging.handlers nor the data folder's
    lookup (platformdirs), nor PySide's `Qt` namespace: the log opens after the first paint."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", FRAME_PROBE], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] False True"
