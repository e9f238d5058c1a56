"""The 节假日 page (issue 14): a year's rest days and swapped working days (调休) typed or pasted.

domain.md, "Working days": the official calendar is published each November for the next year; the
calendar package (1.11.0) knows 2004–2026 and raises for later years; the township must be able to
enter next year's table by hand, and the software says so instead of guessing. Counting "N 个工作日"
then uses the typed table.
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.notices import rule_for
from app.core.workdays import WorkCalendar
from app.services.holidays import holiday_year, package_knows, stored_years
from app.services.notices import save_holiday_table
from app.ui.holidays_page import HolidaysPage
from tests.conftest import ACTOR
from tests.db_state import row_counts
from tests.ui.conftest import settle
from tests.ui.test_chinese_only import assert_chinese
from tests.ui.test_screen_fit import fits, needed

D = dt.date
# As pasted: an Excel column (2027/1/1 and CRLF), the notice's wording (2027年2月8日), commas and tabs.
HOLIDAYS = "2027/1/1\r\n2027年2月8日, 2027年2月9日\t2027-02-10\n２０２７－０２－１１\n\n"
WORKDAYS = "2027-02-06 2027-02-20"
FUTURE = 2031  # no calendar package release will know it while this test lives


def open_page(qtbot, db, year: int) -> HolidaysPage:
    page = HolidaysPage(db, ACTOR, year=year)
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, page)
    return page


def test_an_unknown_year_is_said_typed_in_and_saved(db, qtbot):
    assert not package_knows(FUTURE)
    page = open_page(qtbot, db, FUTURE)
    assert f"日历数据不含 {FUTURE} 年" in page.calendar_note.text()
    assert page.stored_note.text() == f"还没有保存 {FUTURE} 年的节假日。"
    page.holidays.setPlainText(HOLIDAYS.replace("2027", str(FUTURE)).replace("２０２７", "２０３１"))
    page.workdays.setPlainText(f"{FUTURE}年2月15日")  # a Saturday in 2031
    page.save_button.click()
    settle(qtbot, page)
    assert page.status.text() == f"已保存 {FUTURE} 年节假日：放假 5 天，调休上班 1 天"
    assert page.stored_note.text().startswith(f"已保存 {FUTURE} 年：放假 5 天，调休上班 1 天")
    # Read back: what was stored, and the page lists it as it lists any stored year.
    stored = holiday_year(db, FUTURE)
    assert stored.stored and stored.holidays == (D(FUTURE, 1, 1), D(FUTURE, 2, 8), D(FUTURE, 2, 9),
                                                 D(FUTURE, 2, 10), D(FUTURE, 2, 11))
    assert stored.workdays == (D(FUTURE, 2, 15),)
    assert page.holidays.toPlainText().splitlines()[0] == f"{FUTURE}-01-01（星期三）"
    assert page.stored.rowCount() == 1 and page.stored.item(0, 0).text() == f"{FUTURE} 年"


def test_the_stored_year_reads_back_and_counts_working_days(db, qtbot):
    page = open_page(qtbot, db, 2027)
    assert "日历数据不含 2027 年（只到 2026 年）" in page.calendar_note.text()
    page.holidays.setPlainText(HOLIDAYS)
    page.workdays.setPlainText(WORKDAYS)
    page.save_button.click()
    settle(qtbot, page)
    assert page.status.text() == "已保存 2027 年节假日：放假 5 天，调休上班 2 天"
    year = holiday_year(db, 2027)
    assert year.holidays == (D(2027, 1, 1), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10), D(2027, 2, 11))
    assert year.workdays == (D(2027, 2, 6), D(2027, 2, 20))
    # What it is for: 宅基地审批 is posted 5 working days; 2027-02-08…11 are rest days, 02-06 a workday.
    calendar = WorkCalendar({2027: _table(year)})
    assert rule_for("宅基地审批").working and calendar.add_workdays(D(2027, 2, 5), 2) == D(2027, 2, 12)
    assert calendar.is_workday(D(2027, 2, 6)) and not calendar.is_workday(D(2027, 2, 9))
    # Saving what the page shows again (with its 星期 notes) keeps the table as it was.
    page.save_button.click()
    settle(qtbot, page)
    assert holiday_year(db, 2027) == year


def _table(year):
    from app.core.workdays import HolidayTable

    return HolidayTable(year.year, frozenset(year.holidays), frozenset(year.workdays))


def test_bad_lines_are_named_and_nothing_is_saved(db, qtbot, boxes):
    save_holiday_table(db, 2027, [D(2027, 1, 1)], [], ACTOR)
    page = open_page(qtbot, db, 2027)
    before = row_counts(db)
    page.holidays.setPlainText("2027-01-01\n2027-02-30\n2026-12-31\n春节\n2027-10-01\x0b")
    page.workdays.setPlainText("2027-02-08")  # a Monday: not a swapped weekend
    page.save_button.click()
    settle(qtbot, page)
    said = boxes.shown[-1]
    assert said.startswith("没有保存｜2027 年节假日没有保存：有 5 处要改")
    for expected in ("放假日期第 2 行“2027-02-30”不是真实日期", "放假日期第 3 行“2026-12-31”不在 2027 年",
                     "放假日期第 4 行“春节”看不懂，应为 2027-01-01、2027/1/1 或 2027年1月1日 这样的日期",
                     "放假日期第 5 行“2027-10-01”含有看不见的控制字符（U+000B）",
                     "调休上班日期 2027-02-08 是星期一，本来就上班"):
        assert expected in said
    assert row_counts(db) == before and holiday_year(db, 2027).holidays == (D(2027, 1, 1),)
    assert page.status.text() == "没有保存：请按提示修改。"


def test_a_year_the_package_knows_is_said_so(db, qtbot):
    page = open_page(qtbot, db, 2026)
    assert "日历数据已含 2026 年的官方放假和调休安排" in page.calendar_note.text()
    assert stored_years(db) == []


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_page_fits_the_screen_speaks_chinese_and_opens_from_the_settings_menu(db, qtbot, window):
    page = open_page(qtbot, db, 2027)
    assert fits(needed(qtbot, page))
    assert_chinese(page)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().startswith("设置"))
    assert "节假日…" in [a.text() for a in menu.actions()]
    window.holidays_action.trigger()
    settle(qtbot, window.holidays_page)
    assert window.holidays_page.windowTitle() == "节假日和调休设置"
    window.holidays_page.reject()
