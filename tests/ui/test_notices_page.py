"""The notices page (issue 4, GUI): a notice walked from draft to the board through the page's
buttons, the refusals shown and nothing written, 备案, objections, and the printed sheet."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog

from app.core.notices import State
from app.services.notices import (
    NoticeDraft,
    advance,
    create_notice,
    list_notices,
    notice_detail,
)
from app.ui import notice_dialogs, notices_page
from app.ui.notices_page import NoticesPage
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.ui.conftest import WAIT_MS, settle

D = dt.date
START = D(2026, 11, 2)
SUBJECT = "2026年11月最低生活保障新增对象公示"


def open_page(qtbot, db) -> NoticesPage:
    page = NoticesPage(db, VILLAGE, ACTOR, today=START)
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, page)
    return page


def a_draft(db, **kw) -> int:
    values = {"village": VILLAGE, "subject": SUBJECT, "item_code": "S03", "kind": "最低生活保障", "start": START,
              "end": D(2026, 11, 8), "place": "村委会公开栏", "body": "拟新增以下最低生活保障对象，现予公示。"}
    values.update(kw)
    return create_notice(db, NoticeDraft(**values), ACTOR)


def signing(monkeypatch, *signers: str, reason: str = "") -> list[str]:
    """The sign dialog answers with the next signer each time it opens; returns what it was asked."""
    queue, prompts = list(signers), []

    def fill(dialog):
        prompts.append(dialog.windowTitle())
        dialog.signer.setText(queue.pop(0))
        dialog.reason.setText(reason)
        return 1

    monkeypatch.setattr(notice_dialogs.SignDialog, "exec", fill)
    return prompts


def test_draft_to_posted_through_the_buttons(db, qtbot, monkeypatch):
    def fill(form):  # the clerk types the notice and presses 起草
        form.subject.setText(SUBJECT)
        form.item.setCurrentIndex(form.item.findData("S03"))
        form.kind.setCurrentIndex(form.kind.findData("最低生活保障"))
        form.body.setPlainText("经本人申请、村民委员会入户调查，拟新增以下对象，现予公示。")
        return 1

    monkeypatch.setattr(notice_dialogs.NoticeForm, "exec", fill)
    page = open_page(qtbot, db)
    page.new_button.click()
    settle(qtbot, page)
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == SUBJECT
    assert page.table.item(0, 5).text() == "草稿" and page.status.text() == "已起草第 1 号公示（草稿）"
    assert page.table.item(0, 4).text() == "2026-11-02 至 2026-11-08"  # seven days by default

    signing(monkeypatch, "王文书", "张主任", "赵监委")
    assert page.advance_button.text() == "提交审核…"
    page.advance_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 5).text() == "村委会审核"
    assert page.advance_button.text() == "村委会审核同意…"
    page.advance_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 5).text() == "村务监督委员会审核"
    page.post_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 5).text() == "公示中"
    assert [page.step_table.item(r, 1).text() for r in range(3)] == ["王文书", "张主任", "赵监委"]
    assert page.step_table.item(2, 2).text() == "2026-11-02"  # the date defaults to the page's today
    assert notice_detail(db, 1).state is State.POSTED


def test_posting_unreviewed_is_refused_and_nothing_is_written(db, qtbot, monkeypatch, boxes):
    a_draft(db)
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    settle(qtbot, page)
    before = row_counts(db)
    signing(monkeypatch, "赵监委")
    assert page.post_button.isEnabled()  # clickable: the refusal explains what is missing
    page.post_button.click()
    settle(qtbot, page)
    assert "未经村民委员会和村务监督委员会审核，不能张贴公示" in boxes.shown[-1]
    assert row_counts(db) == before and page.table.item(0, 5).text() == "草稿"


def test_returning_to_draft_needs_a_reason(db, qtbot, monkeypatch, boxes):
    notice_id = a_draft(db)
    advance(db, notice_id, "王文书", START, ACTOR)
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    settle(qtbot, page)
    before = row_counts(db)
    signing(monkeypatch, "张主任", reason="  ")
    page.return_button.click()
    settle(qtbot, page)
    assert "退回草稿必须写明原因" in boxes.shown[-1]
    assert row_counts(db) == before and page.table.item(0, 5).text() == "村委会审核"
    signing(monkeypatch, "张主任", reason="金额与台账不符")
    page.return_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 5).text() == "草稿"
    assert page.step_table.item(1, 3).text() == "金额与台账不符"


def test_too_short_a_period_is_refused_in_the_form(db, qtbot, monkeypatch, boxes):
    def fill(form):
        form.subject.setText(SUBJECT)
        form.kind.setCurrentIndex(form.kind.findData("最低生活保障"))
        form.end.setDate(form.start.date().addDays(3))
        form.body.setPlainText("正文")
        return 1

    monkeypatch.setattr(notice_dialogs.NoticeForm, "exec", fill)
    page = open_page(qtbot, db)
    before = row_counts(db)
    page.new_button.click()
    settle(qtbot, page)
    assert "最早到 2026-11-08" in boxes.shown[-1] and row_counts(db) == before
    assert page.table.rowCount() == 0


def test_payout_rows_a_cadre_relative_and_an_objection(seeded, db, qtbot, monkeypatch):
    notice_id = a_draft(db)
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    settle(qtbot, page)

    def month(dialog):
        dialog.payouts.month.set_month(D(2026, 10, 1))
        return 1

    monkeypatch.setattr(notice_dialogs.PayoutsDialog, "exec", month)
    page.payouts_button.click()
    settle(qtbot, page)
    assert page.row_table.rowCount() == 30 and page.status.text() == "第 1 号公示附表加入 30 行"
    assert "*" in page.row_table.item(0, 2).text()  # the screen masks identity numbers
    page.row_table.selectRow(1)
    settle(qtbot, page)
    monkeypatch.setattr(notices_page, "ask_text", lambda *a, **k: "村主任张某之弟")
    page.relative_button.click()
    settle(qtbot, page)
    assert page.row_table.item(1, 6).text().startswith("村干部近亲属，已备案")

    for by in ("王文书", "张主任", "赵监委"):
        advance(db, notice_id, by, START, ACTOR)
    page.reload()
    settle(qtbot, page)

    def objection(dialog):
        dialog.content.setPlainText("某户家有小轿车")
        return 1

    def handling(dialog):
        dialog.handling.setPlainText("入户核查：车辆登记在其子名下，已分户")
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("异议不成立"))
        dialog.by.setText("张主任")
        return 1

    monkeypatch.setattr(notice_dialogs.ObjectionDialog, "exec", objection)
    monkeypatch.setattr(notice_dialogs.HandlingDialog, "exec", handling)
    page.objection_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 7).text() == "1 件" and page.objection_table.item(0, 0).text() == "匿名"
    assert page.handle_button.isEnabled()  # the only open objection is the one handled
    page.handle_button.click()
    settle(qtbot, page)
    assert page.objection_table.item(0, 4).text() == "异议不成立" and page.table.item(0, 7).text() == ""


def test_printing_writes_the_sheet_off_the_gui_thread(db, qtbot, monkeypatch, tmp_path):
    notice_id = a_draft(db)
    for by in ("王文书", "张主任", "赵监委"):
        advance(db, notice_id, by, START, ACTOR)
    out = tmp_path / "公示.pdf"
    monkeypatch.setattr(notices_page, "ask_choice", lambda *a, **k: next(iter(notices_page.PRINT_CHANNELS)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    settle(qtbot, page)
    page.print_button.click()
    qtbot.waitUntil(lambda: page.status.text().startswith("已保存公示"), timeout=WAIT_MS)
    assert "尚未审核" not in page.status.text()
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert SUBJECT in text.replace("\n", "")


def test_the_state_filter(db, qtbot):
    first = a_draft(db)
    a_draft(db, subject="宅基地申请公示", item_code="S05", kind="宅基地审批", start=D(2026, 11, 2),
            end=D(2026, 11, 9), body="张三申请宅基地。")
    advance(db, first, "王文书", START, ACTOR)
    page = open_page(qtbot, db)
    assert page.table.rowCount() == 2
    page.state_filter.setCurrentIndex(page.state_filter.findData(State.DRAFT.value))
    settle(qtbot, page)
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == "宅基地申请公示"
    assert [n.state for n in list_notices(db, VILLAGE)] == [State.COMMITTEE_REVIEW, State.DRAFT]


def test_main_window_opens_the_notices_of_the_selected_village(seeded, window):
    assert window.notices_action.isEnabled() and window.due_action.isEnabled()
    window.notices_action.trigger()
    assert window.notices_page.village == VILLAGE
    window.notices_page.reject()
