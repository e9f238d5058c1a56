"""更正 in the window (issue 14): new amounts and a reason for posted rows, before/after shown, saved
off the GUI thread, all or nothing; the acting person is a name remembered on this PC."""

from __future__ import annotations

import datetime as dt

from app.core.periods import format_month
from app.services.bulletin import publish
from app.services.corrections import pending
from app.services.ledger import LedgerFilter, fetch_all
from app.ui import actor
from app.ui.correction_dialog import CorrectionDialog, RowToCorrect
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import OCT, WAIT_MS


def _rows(db, count):  # noqa: ANN001, ANN202
    with db.reading() as session:
        records = fetch_all(session, LedgerFilter(period=OCT))[:count]
    return [RowToCorrect(r.payout_id, r.name[0] + "*", r.subsidy, format_month(r.period), r.amount_fen) for r in records]


def test_two_rows_corrected_with_one_reason(qtbot, db, seeded, runner, village_id):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    rows = _rows(db, 2)
    dialog = CorrectionDialog(db, runner, "王文书", rows)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()  # nothing typed yet
    assert dialog.table.item(0, 0).text() == str(rows[0].payout_id)  # the record number the CLI takes

    dialog.set_new_amount(0, "400")
    dialog.set_new_amount(1, "410.5")
    dialog.reason.setPlainText("低保标准上调补差")
    assert dialog.save_button.isEnabled()
    preview = dialog.preview.text()
    assert "→ 400.00 元" in preview and "→ 410.50 元" in preview and "原因：低保标准上调补差" in preview

    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.save_button.click()
    listed = pending(db, village_id)
    assert [(p.payout_id, p.new_fen, p.created_by) for p in listed] == [
        (rows[0].payout_id, 40000, "王文书"), (rows[1].payout_id, 41050, "王文书")]


def test_a_refused_correction_says_why_and_keeps_the_dialog(qtbot, db, seeded, runner, village_id, boxes):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    rows = _rows(db, 2)
    dialog = CorrectionDialog(db, runner, "王文书", rows)
    qtbot.addWidget(dialog)
    dialog.set_new_amount(0, "400")
    dialog.set_new_amount(1, f"{rows[1].amount_fen / 100:.2f}")  # unchanged: refused
    dialog.reason.setPlainText("补差")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
    assert "第 2 行：新金额与现在的金额相同" in boxes.shown[0]
    assert not dialog.result() and pending(db, village_id) == []


def test_a_bad_amount_is_named_before_saving(qtbot, db, seeded, runner):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    dialog = CorrectionDialog(db, runner, "王文书", _rows(db, 1))
    qtbot.addWidget(dialog)
    dialog.set_new_amount(0, "四百")
    dialog.reason.setPlainText("补差")
    assert "“四百”不是金额" in dialog.preview.text()
    assert not dialog.save_button.isEnabled()


def test_the_acting_person_is_asked_once_and_remembered(qtbot, monkeypatch):
    from app.ui.pc_settings import settings

    settings().clear()  # a PC where nobody has chosen a name yet
    assert actor.remembered() == ""
    dialog = actor.ActorDialog()
    qtbot.addWidget(dialog)
    dialog.names.setEditText("   ")
    dialog._accept()
    assert "请填写您的姓名" in dialog.problem.text() and not dialog.result()
    dialog.names.setEditText(" 王 文书 ")
    dialog._accept()
    assert dialog.result() and dialog.chosen == "王文书"
    assert actor.remembered() == "王文书"
    actor.remember("李会计")
    again = actor.ActorDialog()
    qtbot.addWidget(again)
    assert [again.names.itemText(i) for i in range(again.names.count())] == ["李会计", "王文书"]
    monkeypatch.setattr(actor.ActorDialog, "exec", lambda self: (_ for _ in ()).throw(AssertionError("asked again")))
    assert actor.current_or_ask() == "李会计"
