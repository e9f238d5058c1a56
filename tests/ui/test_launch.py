"""Starting the window (run_gui, the gui-script's arguments), the workers, fonts and the PySide guard."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication, QMenu

from app.services.subsidies import list_subsidies
from app.storage import engine
from app.storage.migrations import DatabaseFromNewerVersion
from app.ui import fonts, launch
from app.ui.background import TaskRunner
from app.ui.main_window import MainWindow

NEWER = "这个数据库由更新版本的村务公开助手创建，当前程序无法识别。"


def test_a_database_that_cannot_be_opened_is_explained_in_chinese(qapp, boxes, monkeypatch, tmp_path):
    def refuse(_path):  # noqa: ANN001, ANN202
        raise DatabaseFromNewerVersion(NEWER)

    monkeypatch.setattr(engine, "open_database", refuse)
    assert launch.run_gui(str(tmp_path / "x.sqlite3")) == 1
    (shown,) = boxes.shown
    assert "无法打开数据库" in shown and NEWER in shown


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the offscreen platform's note on show()
def test_run_gui_opens_the_window_warns_once_and_closes_the_database(qapp, qtbot, boxes, monkeypatch, tmp_path):
    path = tmp_path / "new.sqlite3"
    real_open = engine.open_database

    def on_network_drive(db):  # noqa: ANN001, ANN202
        database = real_open(db)
        database.warnings.append("数据库放在网络驱动器（共享文件夹）上")
        return database

    seen: dict[str, object] = {}

    def run_briefly(*_args: object) -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.choices_loaded, timeout=10_000)
        seen["title"] = window.windowTitle()
        seen["subsidies"] = len(list_subsidies(window.db))
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(engine, "open_database", on_network_drive)
    monkeypatch.setattr(QApplication, "exec", run_briefly)
    assert launch.run_gui(str(path)) == 0
    assert seen["title"] == "村务公开助手"
    assert seen["subsidies"] == 13  # a brand-new database gets the subsidy types
    assert [text for text in boxes.shown if "网络驱动器" in text] == ["提示｜数据库放在网络驱动器（共享文件夹）上｜"]
    engine.open_database(path).close()  # the lock was released


def test_qt_options_are_left_for_qt():
    args = launch.parse_args(["-platform", "offscreen", "--db", "村务.sqlite3"])
    assert args.db == "村务.sqlite3"
    assert launch.parse_args([]).db is None


def test_bundled_fonts_are_registered(qapp, tmp_path, monkeypatch):
    folder = fonts.resource_path("fonts")
    files = [p for p in folder.iterdir() if p.suffix.lower() in fonts.FONT_SUFFIXES] if folder.is_dir() else []
    families = fonts.register_bundled_fonts()
    assert bool(families) == bool(files)
    monkeypatch.setattr(fonts, "resource_path", lambda *parts: tmp_path / "none")
    assert fonts.register_bundled_fonts() == []


def test_workers_report_on_the_gui_thread_and_stop_on_shutdown(qtbot):
    runner = TaskRunner()
    gui_thread = threading.get_ident()
    seen: list[tuple[str, object, bool]] = []

    def failing(task):  # noqa: ANN001, ANN202
        raise ValueError("坏了")

    runner.start(lambda task: 42, on_success=lambda v: seen.append(("ok", v, threading.get_ident() == gui_thread)))
    runner.start(failing, on_failure=lambda e: seen.append(("failed", str(e), threading.get_ident() == gui_thread)),
                 lane="other")
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert sorted(seen) == [("failed", "坏了", True), ("ok", 42, True)]
    release = threading.Event()
    runner.start(lambda task: release.wait(5), on_success=lambda v: seen.append(("late", v, True)))
    runner.start(lambda task: seen.append(("never ran", None, False)))  # queued behind it, then dropped
    release.set()
    runner.shutdown()
    qtbot.wait(50)
    assert not runner.busy()
    assert len(seen) == 2  # a dropped task never calls back



FRAME_PROBE = """
import sys
import PySide6.QtCore as QtCore
from app.ui import launch
app = launch._application()
from app.ui.main_window import MainWindow
window = MainWindow(None)
window.show()
window.repaint()
heavy = ("sqlalchemy", "sqlmodel", "alembic", "reportlab", "openpyxl", "pypinyin", "app.ui.ledger_model")
print(sorted(m for m in heavy if m in sys.modules), "Qt" in vars(QtCore), window.table is None)
window.build_body()
print("app.ui.ledger_model" in sys.modules, "Qt" in vars(QtCore), window.table is not None)
"""


def test_the_frame_is_drawn_before_anything_heavy_is_built():
    """Issue 6: nothing heavy before the first paint. The frame is drawn without the database layer
    (SQLAlchemy, SQLModel, Alembic), the printers (ReportLab, openpyxl), the domain modules behind the
    table, and without PySide's `Qt` namespace (building its ~90 enums costs more than the frame)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", FRAME_PROBE], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.strip().splitlines()
    assert before == "[] False True"
    assert after == "True True True"  # build_body brings them


def test_a_window_without_a_database_says_so_and_offers_nothing(qtbot):
    window = MainWindow(None)
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == "正在打开数据库…"
    assert window.table is None and window.filter_bar is None
    assert not any(action.isEnabled() for action in window.ledger_actions)
    assert window.quit_action.isEnabled()
    assert all(menu.menuAction().isEnabled() for menu in window.menuBar().findChildren(QMenu))
    window.build_body()
    assert window.table is not None and window.centralWidget() is not None
    assert window.add_action.shortcut().toString() == "Ctrl+N"
    assert window.mask_label.text().startswith("屏幕显示按")
    assert not any(a.isEnabled() for a in (window.add_village_action, window.import_action, window.refresh_action))


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_a_database_from_another_account_asks_for_its_recovery_code(qapp, qtbot, boxes, monkeypatch, tmp_path):
    """Issue 17: the window asks for the recovery code (a wrong one is said, and asked again), keeps the
    key for this account, and opens the database."""
    from app.core import crypto
    from app.storage import keys
    from app.ui import table_helpers

    path = tmp_path / "村务.sqlite3"
    with engine.open_database(path) as database:
        code = database.recovery_code
    assert code
    monkeypatch.setenv(keys.KEY_DIR_ENV, str(tmp_path / "另一个账户"))
    answers, asked = [crypto.new_recovery_code(), code], []

    def typed(parent, title, label, accept, text=""):  # noqa: ANN001, ANN202
        asked.append(label)
        return answers.pop(0)

    seen: dict[str, object] = {}

    def run_briefly(*_args: object) -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.choices_loaded, timeout=10_000)
        seen["opened"] = window.db is not None
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(table_helpers, "ask_text", typed)
    monkeypatch.setattr(QApplication, "exec", run_briefly)
    assert launch.run_gui(str(path)) == 0
    assert seen["opened"] and len(asked) == 2
    assert "另一台电脑或另一个账户" in asked[0] and asked[1].startswith("恢复码不正确")
    assert any(keys.key_dir().iterdir())  # the key is now kept for this account
