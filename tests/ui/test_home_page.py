"""本月工作 (issue 14): the month's stage, the next step as a button, what is due, the township table."""

from __future__ import annotations

import datetime as dt

from app.services.bulletin import publish
from app.services.month_status import NextStep
from app.services.villages import add_village
from app.ui.home_page import HomePage
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import OCT, WAIT_MS, settle

TODAY = dt.date(2026, 11, 20)


def _page(qtbot, db, runner, village_id):  # noqa: ANN001, ANN202
    page = HomePage(db, runner, today=TODAY)
    qtbot.addWidget(page)
    page.show_month(village_id, OCT)
    settle(qtbot, page)
    return page


def test_the_page_says_where_the_month_stands_and_offers_the_next_step(qtbot, db, seeded, runner, village_id):
    page = _page(qtbot, db, runner, village_id)
    assert page.heading.text() == f"{VILLAGE} · 2026年10月：待预览"
    assert "【待预览】" in page.stages.text()
    assert "发放记录 30 条" in page.summary.text()
    assert page.next_button.text() == NextStep.PREVIEW.value and page.next_button.isEnabled()
    assert page.due_table.rowCount() >= 1
    with qtbot.waitSignal(page.step_requested, timeout=WAIT_MS) as asked:
        page.next_button.click()
    assert asked.args == [NextStep.PREVIEW]

    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    page.reload()
    settle(qtbot, page)
    assert page.heading.text().endswith("已张贴")
    assert "公开表已于 2026-11-01 张贴" in page.summary.text()
    assert page.next_button.text() == NextStep.FILE.value


def test_township_staff_see_all_villages(qtbot, db, seeded, runner, village_id):
    add_village(db, "杏花村", ACTOR)
    page = _page(qtbot, db, runner, village_id)
    page.whole_township.setChecked(True)
    settle(qtbot, page)
    rows = [[page.township_table.item(r, c).text() for c in (0, 1, 6)] for r in range(page.township_table.rowCount())]
    assert rows == [[VILLAGE, "待预览", NextStep.PREVIEW.value], ["杏花村", "未导入", NextStep.IMPORT.value]]
    with qtbot.waitSignal(page.village_picked, timeout=WAIT_MS) as picked:
        page.township_table.doubleClicked.emit(page.township_table.model().index(1, 0))
    assert picked.args[0] != village_id
