"""The 操作日志 page (issue 16): the log with its filters, and 校验 run off the GUI thread, saying in
Chinese that the log is intact — or which entry was changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from app.services.audit import verify
from app.services.bulletin import publish, sheet_for
from app.services.villages import add_village
from app.ui import pages
from app.ui.audit_page import ALL_VILLAGES, AuditPage
from tests.conftest import ACTOR, VILLAGE
from tests.tamper import unguard
from tests.ui.conftest import OCT, settle

OTHER = "杏花村"


def open_page(qtbot, db) -> AuditPage:
    page = AuditPage(db, [VILLAGE, OTHER])
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, page)
    return page


def column(page: AuditPage, c: int) -> list[str]:
    return [page.table.item(r, c).text() for r in range(page.table.rowCount())]


def test_the_page_is_registered_under_settings():
    entry = pages.entry("audit")
    assert (entry.title, entry.menu, entry.needs) == ("操作日志…", "设置", "database")


def test_lists_newest_first_and_filters(db, seeded, qtbot):
    add_village(db, OTHER, "李会计")
    page = open_page(qtbot, db)
    ids = [int(i) for i in column(page, 0)]
    assert ids == sorted(ids, reverse=True) and len(ids) == verify(db).count
    assert page.village.currentText() == ALL_VILLAGES
    assert "导入" in column(page, 4) and f"共 {len(ids)} 条" == page.status.text()
    assert page.person.findText("李会计") >= 0  # the people in the log, loaded in the background

    page.village.setCurrentIndex(page.village.findText(OTHER))
    settle(qtbot, page)
    assert column(page, 3) == [OTHER] and column(page, 2) == ["李会计"]

    page.village.setCurrentIndex(0)
    page.person.setEditText(ACTOR)
    page.search.click()
    settle(qtbot, page)
    assert set(column(page, 2)) == {ACTOR}

    page.by_date.setChecked(True)
    page.start.setDate(page.start.date().addYears(-1))
    page.end.setDate(page.end.date().addYears(-1))
    page.search.click()
    settle(qtbot, page)
    assert page.table.rowCount() == 0 and page.status.text() == "共 0 条"
    page.close()


def test_the_table_masks_personal_numbers(db, seeded, qtbot):
    from app.services.payouts import reveal_id_number

    reveal_id_number(db, 1, ACTOR)
    page = open_page(qtbot, db)
    shown = " ".join(column(page, 6))
    assert seeded[0].id_number not in shown
    page.close()


def test_check_says_intact_then_names_the_changed_entry(db, seeded, qtbot, boxes):
    page = open_page(qtbot, db)
    page.check.click()
    settle(qtbot, page)
    assert page.result.text().startswith("操作日志完好：")
    assert boxes.shown[-1].startswith("校验｜操作日志完好：")

    with db.engine.begin() as connection:
        unguard(connection)  # as someone holding the file would (migration 0011's triggers)
        connection.execute(text("UPDATE audit_log SET actor = '别人' WHERE id = 2"))
    page.check.click()
    settle(qtbot, page)
    assert "第 2 条记录（" in page.result.text() and "内容被改动过" in page.result.text()
    assert "第 2 条记录" in boxes.shown[-1]
    page.close()


def test_check_with_the_code_from_a_posted_sheet(db, seeded, qtbot, boxes):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    code = sheet_for(db, VILLAGE, OCT).meta.audit_anchor.split("（")[0]
    page = open_page(qtbot, db)
    page.code.setText(code)
    page.check.click()
    settle(qtbot, page)
    assert "均在链上" in page.result.text()
    page.code.setText("不是校验码")
    page.check.click()
    settle(qtbot, page)
    assert any("格式不对" in shown for shown in boxes.shown)
    assert page.check.isEnabled()
    page.close()
