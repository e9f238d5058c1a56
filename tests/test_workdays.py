"""Working days across 调休 weekends, and a year the calendar package does not know
(domain.md, "Working days")."""

import datetime as dt

import pytest

from app.core.workdays import CalendarUnknown, HolidayTable, WorkCalendar, deadline

D = dt.date


def test_three_working_days_after_national_day_eve_land_on_a_swapped_saturday():
    # domain.md: 3 working days after 2026-09-30 is 2026-10-10, a swapped-in Saturday workday.
    assert WorkCalendar().add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_calendar_days_deadline_on_a_holiday_moves_to_next_workday():
    # 7 calendar days after 2026-09-26 is 2026-10-03, inside the 1–7 October holiday: it moves to 10-08.
    assert deadline(D(2026, 9, 26), 7, working=False, calendar=WorkCalendar()) == D(2026, 10, 8)


def test_unknown_year_is_said_not_guessed():
    with pytest.raises(CalendarUnknown, match="2099 年的法定节假日和调休安排还不知道"):
        WorkCalendar().add_workdays(D(2099, 3, 1), 3)


def test_a_typed_in_table_makes_an_unknown_year_countable():
    table = HolidayTable(2099, holidays=frozenset({D(2099, 3, 2), D(2099, 3, 3)}), workdays=frozenset({D(2099, 3, 7)}))
    calendar = WorkCalendar({2099: table})
    # 2099-03-01 is a Sunday; Mon 2 and Tue 3 are holidays; Sat 7 is a swapped working day.
    assert calendar.add_workdays(D(2099, 3, 1), 3) == D(2099, 3, 6)
    assert calendar.add_workdays(D(2099, 3, 1), 4) == D(2099, 3, 7)
    assert calendar.workdays_between(D(2099, 3, 1), D(2099, 3, 8)) == 4
