"""Which automatic backups to keep: 7 daily, 4 weekly, 12 monthly (Anki's scheme).

Newest first, a backup is kept while daily places remain and it is on an earlier day than the last
kept one; then while weekly places remain and it is in an earlier ISO week; then monthly. Every kept
backup moves all three marks, so the weekly ones begin before the oldest daily one, and the monthly
ones before the oldest weekly one: a year of history from 23 files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DAILY, WEEKLY, MONTHLY = 7, 4, 12


def to_keep(taken: Iterable[dt.datetime], daily: int = DAILY, weekly: int = WEEKLY,
            monthly: int = MONTHLY) -> set[dt.datetime]:
    kept: set[dt.datetime] = set()
    last_day = last_week = last_month = None
    for moment in sorted(taken, reverse=True):
        day = moment.date()
        week = day.isocalendar()[:2]
        month = (day.year, day.month)
        if daily and day != last_day:
            daily -= 1
        elif weekly and week != last_week:
            weekly -= 1
        elif monthly and month != last_month:
            monthly -= 1
        else:
            continue
        kept.add(moment)
        last_day, last_week, last_month = day, week, month
    return kept
