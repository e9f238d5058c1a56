"""Fixtures for the window tests: seeded ledgers, a main window whose workers are stopped, and
message boxes that answer by themselves (recording what they said)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.core.synthetic import SyntheticPerson
from app.services.importing import ImportRequest, import_payouts
from app.services.subsidies import list_subsidies
from app.storage.engine import Database
from app.storage.models import Village
from app.ui.background import TaskRunner
from app.ui.main_window import MainWindow
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import Line, grid, write_xlsx

OCT = dt.date(2026, 10, 1)
WAIT_MS = 10_000


@pytest.fixture
def village_id(db: Database) -> int:
    with db.reading() as session:
        return session.execute(select(Village.id).where(Village.name == VILLAGE)).scalar_one()


@pytest.fixture
def dibao(db: Database) -> int:
    return next(s.id for s in list_subsidies(db) if s.name == "最低生活保障金")


def payout_lines(people: list[SyntheticPerson]) -> list[Line]:
    """Distinct amounts and groups, so that sorting and group filters have something to show."""
    return [
        Line(p.name, p.id_number, f"{300 + 7 * i}.00", group=f"{i % 3 + 1}组", account=p.account, phone=p.phone)
        for i, p in enumerate(people)
    ]


@pytest.fixture
def seeded(db: Database, people: list[SyntheticPerson], tmp_path: Path) -> list[SyntheticPerson]:
    """30 October payouts of 最低生活保障金 in 桃源村, imported the way a clerk would."""
    chosen = people[:30]
    path = write_xlsx(tmp_path / "seed.xlsx", grid(payout_lines(chosen)))
    import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR)
    return chosen


@pytest.fixture
def window(qtbot, db: Database) -> Iterator[MainWindow]:
    win = MainWindow(db, ACTOR)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.choices_loaded and not win.model.is_loading(), timeout=WAIT_MS)
    yield win
    win.shutdown()


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


class Boxes:
    """Every QMessageBox shown: its texts, answered with the given role's button."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.answer = QMessageBox.ButtonRole.AcceptRole

    def exec(self, box: QMessageBox) -> int:
        self.shown.append(f"{box.windowTitle()}｜{box.text()}｜{box.informativeText()}")
        for button in box.buttons():
            if box.buttonRole(button) == self.answer:
                button.click()
                break
        return 0


@pytest.fixture(autouse=True)
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test its own QSettings folder: the window remembers its geometry and last village and month."""
    folder = str(tmp_path_factory.mktemp("settings"))
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, folder)
    from app.ui import actor

    actor.remember(ACTOR)  # the acting person chosen on this PC: start-up does not ask again
    yield


def settle(qtbot, page, timeout: int = WAIT_MS) -> None:
    """Wait until a page's (or the window's) workers have nothing left to do."""
    qtbot.waitUntil(lambda: not page.runner.busy(), timeout=timeout)


@pytest.fixture(autouse=True)
def no_unexpected_message_box(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal box nobody answers would hang the run offscreen: fail the test with its text instead."""

    def unexpected(box: QMessageBox) -> int:
        raise AssertionError(f"unexpected message box: {box.windowTitle()}｜{box.text()}｜{box.informativeText()}")

    monkeypatch.setattr(QMessageBox, "exec", unexpected)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    answering = Boxes()
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answering.exec(box))
    return answering


def wait_for_page(qtbot, win: MainWindow, action) -> None:
    """Run `action` (a filter or sort change) and wait until the model holds the new first page."""
    with qtbot.waitSignal(win.model.page_loaded, timeout=WAIT_MS):
        action()


def grab_at_1366x768(qtbot, window, dialog, path: str) -> None:
    """The window at 1366×768 with the dialog over it, as the clerk sees it (looked at by hand)."""
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    dialog.show()
    qtbot.waitExposed(dialog)
    needed = dialog.minimumSize().expandedTo(dialog.minimumSizeHint())
    assert needed.width() <= 1050 and needed.height() <= 580
    picture = window.grab()
    painter = QPainter(picture)
    shot = dialog.grab()
    painter.drawPixmap(QPoint((picture.width() - shot.width()) // 2, (picture.height() - shot.height()) // 3), shot)
    painter.end()
    assert picture.save(path)
