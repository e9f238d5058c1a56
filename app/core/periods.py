"""Months as the ledger's period. Stored as the month's first day (a real date)."""

from __future__ import annotations

import datetime as dt
import re

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


class PeriodError(ValueError):
    """A month that cannot be understood; the message is for the clerk (Chinese)."""


def parse_month(text: str) -> dt.date:
    """'2026-10', '2026/10', '2026年10月' → date(2026, 10, 1)."""
    match = _MONTH.match(str(text))
    if not match:
        raise PeriodError(f"月份“{text}”格式不对，应为 YYYY-MM，例如 2026-10")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 2999:
        raise PeriodError(f"月份“{text}”不存在")
    return dt.date(year, month, 1)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def format_month(period: dt.date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def format_month_zh(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def add_months(period: dt.date, count: int) -> dt.date:
    index = period.year * 12 + period.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)
