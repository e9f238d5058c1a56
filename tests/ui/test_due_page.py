"""The “应公开事项” dashboard (issue 4, GUI): rows and colours for a constructed month, the township
view, the quarter, a row opening the item's notices, and the Excel export off the GUI thread."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog

from app.core.catalog import DueStatus
from app.core.periods import parse_month
from app.ui.due_page import STATUS_COLOURS, DuePage
from tests.conftest import ACTOR, VILLAGE
from tests.test_due import (
    constructed,  # the same constructed month as the service tests
)
from tests.ui.conftest import WAIT_MS, settle

OCT = parse_month("2026-10")
D = dt.date


CHECKED = D(2026, 10, 20)


def open_page(qtbot, db, village=VILLAGE, today=CHECKED) -> DuePage:
    page = DuePage(db, village, ACTOR, month=OCT, today=today)
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, page)
    return page


def rows(page: DuePage) -> dict[str, tuple[str, str]]:
    """code → (status text, background colour) for the village's rows."""
    found = {}
    for r in range(page.table.rowCount()):
        status, code = page.table.item(r, 0), page.table.item(r, 2)
        found[code.text()] = (status.text(), status.background().color().name().upper())
    return found


def test_rows_and_colours_of_a_constructed_month(db, people, qtbot, tmp_path):
    constructed(db, people, tmp_path)
    page = open_page(qtbot, db)
    lines = rows(page)
    assert lines["S02"] == ("按时完成", STATUS_COLOURS[DueStatus.DONE])
    assert lines["S01"] == ("逾期完成", STATUS_COLOURS[DueStatus.LATE])
    assert lines["S03"] == ("已逾期", STATUS_COLOURS[DueStatus.OVERDUE])
    assert lines["S04"] == ("随时公开", STATUS_COLOURS[DueStatus.AS_NEEDED])
    assert "S10" not in lines
    assert page.title.text() == "2026年10月应公开事项（统计日 2026-10-20）"
    posted = next(r for r in range(page.table.rowCount()) if page.table.item(r, 2).text() == "S02")
    assert "公开表 2026-09（2026-10-08 张贴）" in page.table.item(posted, 6).text()
    assert page.scores.rowCount() == 1
    assert [page.scores.item(0, c).text() for c in range(7)] == [VILLAGE, "4", "1", "1", "2", "0", "50%"]

    # The day of the check decides "due soon"; the township view lists every village.
    page.today.setDate(page.today.date().addDays(-15))
    settle(qtbot, page)
    assert rows(page)["S03"] == ("即将到期", STATUS_COLOURS[DueStatus.DUE_SOON])
    page.scope.setCurrentIndex(page.scope.findData(None))
    settle(qtbot, page)
    assert {page.scores.item(r, 0).text() for r in range(page.scores.rowCount())} == {VILLAGE, "杏花村"}


def test_quarter_and_township_without_a_selected_village(db, qtbot):
    page = open_page(qtbot, db, village=None, today=D(2026, 9, 1))
    assert page.scope.count() == 1 and page.scope.currentData() is None
    page.quarter.setChecked(True)
    settle(qtbot, page)
    assert page.title.text().startswith("2026年第4季度")
    codes = [page.table.item(r, 2).text() for r in range(page.table.rowCount())]
    assert codes.count("S01") == 3  # finances: once a month
    assert {page.table.item(r, 0).text() for r in range(page.table.rowCount())} == {"未到期", "随时公开"}


def test_a_row_opens_the_items_notices(db, people, qtbot, tmp_path):
    constructed(db, people, tmp_path)
    page = open_page(qtbot, db)
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 2).text() == "S01")
    page.table.selectRow(row)
    page.open_item()
    settle(qtbot, page)
    notices = page.notices_page
    settle(qtbot, notices)
    assert notices.village == VILLAGE and notices.item_filter.currentData() == "S01"
    assert notices.table.rowCount() == 1 and notices.table.item(0, 1).text() == "2026年9月村级财务收支公开"
    assert notices.status.text().startswith("S01 村级财务收支") and "逾期完成" in notices.status.text()
    notices.reject()


def test_excel_export_off_the_gui_thread(db, people, qtbot, monkeypatch, tmp_path):
    constructed(db, people, tmp_path)
    out = tmp_path / "测评"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    page = open_page(qtbot, db, village=None)
    page.export_button.click()
    qtbot.waitUntil(lambda: page.status.text().startswith("已导出测评表"), timeout=WAIT_MS)
    book = load_workbook(tmp_path / "测评.xlsx")
    summary = [[c.value for c in row] for row in book["测评汇总"].iter_rows(min_row=3)]
    assert summary[0] == [VILLAGE, 4, 1, 1, 2, 0, 0.5] and summary[1][0] == "杏花村"


def test_main_window_opens_the_dashboard_for_the_selected_village(seeded, window):
    assert window.due_action.isEnabled()
    window.due_action.trigger()
    assert window.due_page.scope.currentData() == VILLAGE
    window.due_page.reject()
