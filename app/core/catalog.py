"""The disclosure catalog (村务公开事项目录): its entries, their elements and when each falls due.

domain.md, "What the rules ask for" item 4: an entry has at least a name, content, basis, time
limit, responsible body, channel and carrier, audience, manner (主动/依申请) and a contact phone.
Item 5 gives the rhythm (monthly / quarterly / yearly / as it happens); `due_day` is the day of the
month after the period by which the period's disclosure must be up (村级财务收支: 次月10日前).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.periods import add_months
from app.core.subsidy_types import Rhythm

STANDARD, VILLAGE = "standard", "village"
MANNERS = ("主动公开", "依申请公开")
# The monthly bulletin sheet (惠民惠农补贴资金发放公开表) fulfils this standard item: a posted
# Publication counts for it, like a notice does for the other items.
BULLETIN_ITEM = "惠民惠农补贴资金发放"
_PERIOD_MONTHS = {Rhythm.MONTHLY: 1, Rhythm.QUARTERLY: 3, Rhythm.YEARLY: 12}


@dataclass(frozen=True)
class CatalogEntry:
    code: str  # stable across versions: notices point at it (S01… standard, V01… the village's own)
    name: str
    content: str
    basis: str
    time_limit: str
    responsible: str
    channels: tuple[str, ...]
    audience: str
    manner: str
    rhythm: Rhythm
    due_day: int
    phone: str = ""
    origin: str = STANDARD

    @property
    def bulletin(self) -> bool:
        return self.origin == STANDARD and self.name == BULLETIN_ITEM

    @property
    def channel_text(self) -> str:
        return "、".join(self.channels)


def problems(entry: CatalogEntry) -> list[str]:
    """What a clerk must fix before an entry can be saved (elements of domain.md item 4)."""
    found = []
    for label, value in (("事项名称", entry.name), ("公开内容", entry.content), ("公开时限", entry.time_limit),
                         ("公开主体", entry.responsible), ("公开对象", entry.audience)):
        if not value.strip():
            found.append(f"“{label}”不能为空")
    if not entry.channels:
        found.append("至少要有一个公开渠道（如公开栏）")
    if entry.manner not in MANNERS:
        found.append(f"公开方式应为{'或'.join(MANNERS)}")
    if not 1 <= entry.due_day <= 31:
        found.append("截止日应为 1 至 31 日")
    return found


def load_standard(path: Path) -> tuple[int, list[CatalogEntry]]:
    """The standard village catalog kept as data (resources/seed/disclosure_catalog.json)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = [
        CatalogEntry(
            code=f"S{number:02d}",
            name=item["name"],
            content=item["content"],
            basis=item.get("basis", ""),
            time_limit=item["time_limit"],
            responsible=item["responsible"],
            channels=tuple(item["channels"]),
            audience=item["audience"],
            manner=item["manner"],
            rhythm=Rhythm(item["rhythm"]),
            due_day=int(item["due_day"]),
            phone=item.get("phone", ""),
        )
        for number, item in enumerate(data["items"], start=1)
    ]
    return int(data.get("version", 1)), entries


def next_code(entries: list[CatalogEntry], origin: str) -> str:
    prefix = "S" if origin == STANDARD else "V"
    used = [int(e.code[1:]) for e in entries if e.code.startswith(prefix) and e.code[1:].isdigit()]
    return f"{prefix}{max(used, default=0) + 1:02d}"


def merge_for_village(standard: list[CatalogEntry], own: list[CatalogEntry]) -> list[CatalogEntry]:
    """A village's catalog: the township's standard set first, then the village's own items."""
    return [replace(e, origin=STANDARD) for e in standard] + [replace(e, origin=VILLAGE) for e in own]


# --- when an item falls due --------------------------------------------------------------------


class DueStatus(str, enum.Enum):
    DONE = "done"
    LATE = "late"
    DUE_SOON = "due_soon"
    PENDING = "pending"
    OVERDUE = "overdue"
    AS_NEEDED = "as_needed"

    @property
    def label(self) -> str:
        return {"done": "按时完成", "late": "逾期完成", "due_soon": "即将到期", "pending": "未到期",
                "overdue": "已逾期", "as_needed": "随时公开"}[self.value]


@dataclass(frozen=True)
class Obligation:
    """What one periodic item requires: the period it reports on and the day it must be up by."""

    period_start: dt.date
    period_end: dt.date  # last day
    deadline: dt.date

    @property
    def months(self) -> int:
        return (self.period_end.year - self.period_start.year) * 12 + self.period_end.month - self.period_start.month + 1

    @property
    def late_until(self) -> dt.date:
        """The next period's deadline: posted after it, a disclosure counts for that period instead."""
        return _day_in(add_months(self.deadline.replace(day=1), self.months), self.deadline.day)

    @property
    def opens_after(self) -> dt.date:
        """The previous period's deadline: what was posted up to then counted for that period."""
        return _day_in(add_months(self.deadline.replace(day=1), -self.months), self.deadline.day)

    def status(self, posted_on: list[dt.date], today: dt.date, soon_days: int = 7) -> "DueStatus":
        """Done on time, done late, or — with nothing posted — overdue, due soon or not yet due."""
        counted = sorted(d for d in posted_on if self.opens_after < d <= min(self.late_until, today))
        if counted:
            return DueStatus.DONE if counted[0] <= self.deadline else DueStatus.LATE
        if today > self.deadline:
            return DueStatus.OVERDUE
        if (self.deadline - today).days <= soon_days:
            return DueStatus.DUE_SOON
        return DueStatus.PENDING


def _day_in(month: dt.date, day: int) -> dt.date:
    last = (add_months(month, 1) - dt.timedelta(days=1)).day
    return month.replace(day=min(day, last))


def obligation_ending_in(rhythm: Rhythm, due_day: int, month: dt.date) -> Obligation | None:
    """The period of a monthly/quarterly/yearly item that ends with `month`, if one does.

    Quarters are calendar quarters and the year a calendar year; as-it-happens items have no
    fixed period (None).
    """
    months = _PERIOD_MONTHS.get(rhythm)
    if months is None or month.month % months != 0:
        return None
    start = add_months(month, 1 - months)
    end = add_months(month, 1) - dt.timedelta(days=1)
    return Obligation(start, end, _day_in(add_months(month, 1), due_day))


def obligation_due_in(rhythm: Rhythm, due_day: int, month: dt.date) -> Obligation | None:
    """The period whose deadline falls in `month` (the month before it ended), if any."""
    return obligation_ending_in(rhythm, due_day, add_months(month, -1))
