"""Entering, correcting, deleting and revealing from the window: live checks, services, audit."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from app.core.idnumber import check_character
from app.services.audit import entries
from app.services.errors import NotFound
from app.services.payouts import load_record
from app.ui.payout_dialog import PayoutDialog
from tests.db_state import row_counts
from tests.ui.conftest import OCT, settle


def wrong_check(number: str) -> str:
    right = check_character(number[:17])
    return number[:17] + ("1" if right != "1" else "2")


@pytest.fixture
def dialog(seeded, window, qtbot) -> PayoutDialog:
    entry = PayoutDialog(window.entry_context(), parent=window)
    qtbot.addWidget(entry)
    return entry


def test_a_wrong_check_character_is_named_while_typing(dialog, people, qtbot):
    qtbot.keyClicks(dialog.id_edit, wrong_check(people[35].id_number))
    assert dialog.id_message.isVisibleTo(dialog)
    assert "校验位不对" in dialog.id_message.text()
    dialog.id_edit.clear()
    qtbot.keyClicks(dialog.id_edit, people[35].id_number[:10])
    assert dialog.id_message.text() == "身份证号应为 18 位，这里是 10 位"
    qtbot.keyClicks(dialog.id_edit, people[35].id_number[10:])
    text = dialog.id_message.text()  # valid; an unknown region code only earns a warning
    assert text == "身份证号有效" or text.startswith(f"地区码 {people[35].id_number[:6]} 不在地区码表中")


def test_amount_is_checked_while_typing(dialog, qtbot):
    qtbot.keyClicks(dialog.amount_edit, "12.345")
    assert "超过两位小数" in dialog.amount_message.text()
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "1200.5")
    assert dialog.amount_message.text() == "1,200.50 元（壹仟贰佰元伍角整）"


def test_a_valid_entry_is_saved_and_audited(dialog, db, people, qtbot, window):
    person = people[35]
    dialog.name_edit.setText(person.name)  # typed through an input method: QTest only types ASCII
    qtbot.keyClicks(dialog.id_edit, person.id_number)
    qtbot.keyClicks(dialog.amount_edit, "560")
    dialog.group_edit.setCurrentText("2组")
    dialog.save()
    settle(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    record = load_record(db, dialog.saved_id)
    assert (record.name, record.id_number, record.amount_fen, record.period, record.group) == (
        person.name, person.id_number, 56000, OCT, "2组")
    with db.reading() as session:
        created = [e for e in entries(session, entity="payout") if e.action == "create"]
    assert [e.entity_id for e in created] == [dialog.saved_id]
    assert json.loads(created[0].after)["amount_fen"] == 56000


def test_service_refusal_is_shown_in_the_dialog(dialog, db, seeded, qtbot):
    before = row_counts(db)
    dialog.name_edit.setText(seeded[0].name)
    qtbot.keyClicks(dialog.id_edit, seeded[0].id_number)
    qtbot.keyClicks(dialog.amount_edit, "560")
    dialog.subsidy_edit.setCurrentText("最低生活保障金")
    dialog.save()  # already paid this month for this subsidy
    settle(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problems.isVisibleTo(dialog)
    assert "同一人同月同项目不能重复发放" in dialog.problems.text()
    assert row_counts(db) == before


def test_correcting_keeps_the_id_masked_and_unchanged(seeded, window, db, qtbot):
    window.table.selectRow(0)
    payout_id = window.selected_payout()
    record = load_record(db, payout_id)
    edit = PayoutDialog(window.entry_context(), record, parent=window)
    qtbot.addWidget(edit)
    assert "********" in edit.id_edit.text() and record.id_number not in edit.id_edit.text()
    edit.amount_edit.setText("999.99")
    edit.save()
    settle(qtbot, edit)
    assert edit.result() == QDialog.DialogCode.Accepted
    changed = load_record(db, payout_id)
    assert (changed.amount_fen, changed.id_number, changed.person_id) == (99999, record.id_number, record.person_id)


def test_delete_asks_first_and_removes_the_row(seeded, window, db, boxes, qtbot):
    window.table.selectRow(0)
    payout_id = window.selected_payout()
    name = window.model.display_row(0).name
    before = window.model.rowCount()
    boxes.answer = QMessageBox.ButtonRole.RejectRole
    window.delete_selected()
    assert load_record(db, payout_id).payout_id == payout_id  # declined: still there
    boxes.answer = QMessageBox.ButtonRole.AcceptRole
    with qtbot.waitSignal(window.model.page_loaded, timeout=5000):
        window.delete_selected()
    assert len(boxes.shown) == 2 and all(f"确定删除 {name}" in text for text in boxes.shown)
    with pytest.raises(NotFound):
        load_record(db, payout_id)
    assert window.model.rowCount() == before - 1
    assert payout_id not in [window.model.payout_id(row) for row in range(window.model.rowCount())]
    with db.reading() as session:
        assert [e.entity_id for e in entries(session, entity="payout", action="delete")] == [payout_id]


def test_reveal_shows_one_full_id_and_writes_the_audit_log(seeded, window, db, boxes, qtbot):
    window.table.selectRow(0)
    payout_id = window.selected_payout()
    record = load_record(db, payout_id)
    window.reveal_selected()
    settle(qtbot, window)
    question, shown = boxes.shown
    assert "记入操作日志" in question
    assert record.id_number in shown
    with db.reading() as session:
        logged = entries(session, action="reveal_id")
    assert [(e.entity, e.entity_id, json.loads(e.after)["payout_id"]) for e in logged] == [
        ("person", record.person_id, payout_id)]
    assert "********" in window.model.display_row(0).id_number  # the table stays masked


def test_reveal_declined_writes_nothing(seeded, window, db, boxes):
    window.table.selectRow(0)
    boxes.answer = QMessageBox.ButtonRole.RejectRole
    window.reveal_selected()
    with db.reading() as session:
        assert entries(session, action="reveal_id") == []
    assert len(boxes.shown) == 1
