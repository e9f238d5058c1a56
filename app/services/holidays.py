"""The township's holiday tables (节假日 and 调休上班), read back and typed or pasted in per year.

domain.md, "Working days": holidays and swapped working weekends are published each November for the
next year; the calendar package knows the years up to the one it was published for. For a later year
the township types (or pastes from an Excel column or the State Council notice) that year's dates;
app.services.notices.save_holiday_table stores them. This module reads a year back and turns pasted
text into dates, refusing — with the line and the text — anything it cannot read, so that nothing
is saved from a half-understood paste.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

import chinese_calendar
from sqlmodel import select

from app.core.text_rules import describe, fold_digits, is_control, is_format
from app.services.errors import ServiceError
from app.services.notices import save_holiday_table
from app.storage.engine import Database
from app.storage.models import AppSetting

_KEY = "holidays.{year}"
FIRST_YEAR, LAST_YEAR = 2004, 2100
WEEKDAYS = "一二三四五六日"
# One date: 2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日 (the 日 may be left out).
_DATE = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$")
# Between dates: commas (ASCII and full-width), 顿号, semicolons, spaces (ASCII, full-width, no-break), tabs.
_BETWEEN = re.compile(r"[,，、;；\s\u3000\u00a0]+")
_SHOWN = 30
_WEEKDAY_NOTE = re.compile(r"\(\s*(?:星期|周)[一二三四五六日天]\s*\)")


@dataclass(frozen=True)
class HolidayYear:
    """What is known of one year: the township's stored table (if any) and whether the calendar
    package carries the official arrangement."""

    year: int
    stored: bool
    holidays: tuple[dt.date, ...]
    workdays: tuple[dt.date, ...]
    package_knows: bool
    package_last_year: int  # the last year the calendar package knows


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def package_last_year() -> int:
    year = dt.date.today().year + 2
    while year > FIRST_YEAR and not package_knows(year):
        year -= 1
    return year


def _dates(values: list[str]) -> tuple[dt.date, ...]:
    return tuple(sorted(dt.date.fromisoformat(v) for v in values))


def stored_years(db: Database) -> list[HolidayYear]:
    """Every year with a stored table, oldest first."""
    with db.reading() as session:
        settings = list(session.exec(select(AppSetting).where(AppSetting.key.like("holidays.%"))))  # type: ignore[attr-defined]
    last = package_last_year()
    found = []
    for setting in settings:
        year = int(setting.key.split(".", 1)[1])
        data = json.loads(setting.value)
        found.append(HolidayYear(year, True, _dates(data["holidays"]), _dates(data["workdays"]), year <= last and
                                 package_knows(year), last))
    return sorted(found, key=lambda y: y.year)


def holiday_year(db: Database, year: int) -> HolidayYear:
    _check_year(year)
    with db.reading() as session:
        setting = session.get(AppSetting, _KEY.format(year=year))
        value = setting.value if setting else None
    last = package_last_year()
    if value is None:
        return HolidayYear(year, False, (), (), package_knows(year), last)
    data = json.loads(value)
    return HolidayYear(year, True, _dates(data["holidays"]), _dates(data["workdays"]), package_knows(year), last)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ServiceError(f"年份 {year} 不对，应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间")


def _shown(text: str) -> str:
    text = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text[: _SHOWN * 2])
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def parse_dates(text: str, year: int, label: str) -> tuple[list[dt.date], list[str]]:
    """The dates in pasted or typed text (one a line, or separated by commas, spaces or tabs), and the
    problems found, each naming `label`, the line (1-based) and the text it could not use."""
    dates: list[dt.date] = []
    problems: list[str] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        where = f"{label}第 {number} 行"
        hidden = [ch for ch in line if (is_control(ch) and ch != "\t") or (is_format(ch) and ch != "\ufeff")]
        if hidden:
            problems.append(f"{where}“{_shown(line.strip())}”含有看不见的{describe(hidden[0])}，请删除后重新粘贴")
            continue
        plain = fold_digits(unicodedata.normalize("NFKC", line.replace("\ufeff", "")))
        plain = _WEEKDAY_NOTE.sub(" ", plain)  # 2027-01-01（星期五）, as this program lists a stored year
        # 2027年1月1日 and "2027 年 1 月 1 日": join the parts a space may have split before splitting.
        plain = re.sub(r"\s+日", "日", re.sub(r"\s*([年月/.-])\s*", r"\1", plain))
        for part in _BETWEEN.split(plain.strip()):
            if not part:
                continue
            match = _DATE.match(part)
            if match is None:
                problems.append(f"{where}“{_shown(part)}”看不懂，应为 {year}-01-01、{year}/1/1 或 {year}年1月1日 这样的日期")
                continue
            try:
                day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                problems.append(f"{where}“{_shown(part)}”不是真实日期")
                continue
            if day.year != year:
                problems.append(f"{where}“{_shown(part)}”不在 {year} 年")
                continue
            dates.append(day)
    return sorted(set(dates)), problems


def save_pasted(db: Database, year: int, holidays_text: str, workdays_text: str, actor: str) -> HolidayYear:
    """Read both lists; any problem refuses the whole table (nothing saved), else store it (audited)."""
    _check_year(year)
    holidays, problems = parse_dates(holidays_text, year, "放假日期")
    workdays, more = parse_dates(workdays_text, year, "调休上班日期")
    problems += more
    for day in sorted(set(holidays) & set(workdays)):
        problems.append(f"{day.isoformat()} 既填在放假日期里，又填在调休上班日期里，请删去一处")
    for day in workdays:
        if day.weekday() < 5 and day not in holidays:
            problems.append(f"调休上班日期 {day.isoformat()} 是星期{WEEKDAYS[day.weekday()]}，本来就上班："
                            "调休上班日应为周六或周日，是否填到了放假日期里？")
    if not holidays and not workdays and not problems:
        problems.append(f"没有录入 {year} 年的任何日期")
    if problems:
        raise ServiceError(f"{year} 年节假日没有保存：有 {len(problems)} 处要改", problems)
    save_holiday_table(db, year, holidays, workdays, actor)
    return holiday_year(db, year)
