"""Issue 13: a backup restored from the window, with the clerk's choice and confirmation, off the GUI
thread; the database as it was is kept as a backup of its own."""

from __future__ import annotations

from app.services import backups
from app.services.villages import add_village, list_villages
from app.ui import main_window, table_helpers
from tests.conftest import ACTOR
from tests.ui.conftest import WAIT_MS


def test_restore_a_backup_from_the_window(qtbot, db, window, monkeypatch):
    backups.back_up_now(db)
    add_village(db, "杏花村", ACTOR)  # entered after the backup: the restore takes it away
    assert {v.name for v in list_villages(db)} == {"桃源村", "杏花村"}
    asked: list[str] = []
    monkeypatch.setattr(table_helpers, "ask_choice",
                        lambda parent, title, label, accept, choices, current=None: asked.append(title) or choices[0])
    told: list[str] = []
    monkeypatch.setattr(main_window.messages, "confirm", lambda *a, **k: told.append("confirm") or True)
    monkeypatch.setattr(main_window.messages, "inform", lambda parent, title, text, detail="": told.append(text))
    window.open_page("restore")
    qtbot.waitUntil(lambda: any(t.startswith("已恢复备份") for t in told), timeout=WAIT_MS)
    assert asked == ["恢复备份"] and told[0] == "confirm"
    assert {v.name for v in list_villages(db)} == {"桃源村"}
    kinds = [entry.kind for entry in backups.list_backups(db)]
    assert "恢复备份前的数据库" in kinds


def test_nothing_happens_when_the_clerk_says_no(qtbot, db, window, monkeypatch):
    backups.back_up_now(db)
    add_village(db, "杏花村", ACTOR)
    monkeypatch.setattr(table_helpers, "ask_choice", lambda *a, **k: a[4][0])
    answered: list[bool] = []
    monkeypatch.setattr(main_window.messages, "confirm", lambda *a, **k: answered.append(False) or False)
    window.open_page("restore")
    qtbot.waitUntil(lambda: bool(answered), timeout=WAIT_MS)
    assert {v.name for v in list_villages(db)} == {"桃源村", "杏花村"}
