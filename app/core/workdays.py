"""Working days (工作日) under China's official holiday calendar, with its swapped weekends (调休).

domain.md, "Working days": the `chinese-calendar` package carries the official calendar up to the
year it was published for, and raises for later years. For such a year the township types the
year's holidays and swapped working days in by hand (a HolidayTable); without one we say so
instead of guessing. A deadline that falls on a rest day moves to the next working day
(民法典 art. 203).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar

_ONE_DAY = dt.timedelta(days=1)


class CalendarUnknown(LookupError):
    """No official calendar for the year and no table typed in: the count would be a guess."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year} 年的法定节假日和调休安排还不知道（日历数据只到 {_last_known_year()} 年）。"
            f"请在“节假日设置”中录入 {year} 年的放假和调休上班日期后再计算工作日。"
        )
        self.year = year


def _last_known_year() -> int:
    year = dt.date.today().year + 1
    while year > 2004:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
            return year
        except NotImplementedError:
            year -= 1
    return 2004


@dataclass(frozen=True)
class HolidayTable:
    """One year typed in by the township: rest days on weekdays, and swapped working weekend days."""

    year: int
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    tables: dict[int, HolidayTable] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        table = self.tables.get(day.year)
        if table is not None:
            return table.is_workday(day)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            raise CalendarUnknown(day.year) from exc

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The day that is `count` working days after `start` (start itself not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def next_workday(self, day: dt.date) -> dt.date:
        """A deadline on a rest day moves to the next working day (民法典 art. 203)."""
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count


def deadline(start: dt.date, days: int, working: bool, calendar: WorkCalendar) -> dt.date:
    """`days` calendar or working days after start; a calendar deadline on a rest day moves on."""
    if working:
        return calendar.add_workdays(start, days)
    return calendar.next_workday(start + dt.timedelta(days=days))
