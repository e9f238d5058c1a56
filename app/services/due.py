"""What is due (应公开事项完成情况): per village and month or quarter, each catalog item, what it
requires in the period, what was posted, and whether that was on time — the township's evaluation.

domain.md "What the rules ask for" item 5 (rhythm) and item 1 (the monthly bulletin sheet): a posted
Publication fulfils the bulletin item, a notice on the board (公示中 or later) fulfils its item.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from app.core.catalog import CatalogEntry, DueStatus, load_standard, obligation_due_in
from app.core.notices import PUBLIC_STATES, State
from app.core.periods import add_months, format_month
from app.core.subsidy_types import Rhythm
from app.resources import resource_path
from app.services.catalog import latest_version, version_entries
from app.services.villages import find_village
from app.storage.engine import Database
from app.storage.models import Notice, NoticeStep, Publication, Village


@dataclass(frozen=True)
class DueLine:
    village: str
    code: str
    item: str
    requirement: str  # what the period asks for
    deadline: dt.date | None
    posted: tuple[str, ...]  # what was posted, e.g. "公开表 2026-10（11-02 张贴）"
    status: DueStatus

    def as_dict(self) -> dict[str, str]:
        return {"village": self.village, "code": self.code, "item": self.item, "requirement": self.requirement,
                "deadline": self.deadline.isoformat() if self.deadline else "", "posted": "；".join(self.posted),
                "status": self.status.label}


@dataclass(frozen=True)
class VillageScore:
    village: str
    due: int
    on_time: int
    late: int
    missing: int
    pending: int

    @property
    def rate(self) -> float | None:
        """Completion rate over the items whose deadline has passed or that were done already;
        None while nothing has come due (a village with nothing due yet has not done 100%)."""
        counted = self.due - self.pending
        return (self.on_time + self.late) / counted if counted else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.0%}"


@dataclass(frozen=True)
class DueReport:
    first_month: dt.date
    months: int
    today: dt.date
    lines: list[DueLine]

    @property
    def title(self) -> str:
        if self.months == 1:
            return f"{self.first_month.year}年{self.first_month.month}月"
        return f"{self.first_month.year}年第{(self.first_month.month - 1) // 3 + 1}季度"

    def scores(self) -> list[VillageScore]:
        by_village: dict[str, list[DueLine]] = defaultdict(list)
        for line in self.lines:
            by_village[line.village].append(line)
        scores = []
        for village, lines in by_village.items():
            periodic = [line.status for line in lines if line.status is not DueStatus.AS_NEEDED]
            scores.append(VillageScore(
                village, len(periodic), periodic.count(DueStatus.DONE), periodic.count(DueStatus.LATE),
                periodic.count(DueStatus.OVERDUE), periodic.count(DueStatus.PENDING) + periodic.count(DueStatus.DUE_SOON),
            ))
        return scores


def _entries(session: Session, village: Village) -> list[CatalogEntry]:
    """The village's catalog; one never set up is judged against the standard set (read-only)."""
    version = latest_version(session, village.id) or latest_version(session, None)
    if version is not None:
        return version_entries(session, version)
    return load_standard(resource_path("seed", "disclosure_catalog.json"))[1]


def _postings(session: Session, village: Village) -> tuple[list[tuple[dt.date, str]], dict[str, list[tuple[dt.date, str]]]]:
    """(bulletin sheets posted, notices on the board by item code), each as (posting day, description)."""
    sheets = [(p.posted_on, f"公开表 {format_month(p.period)}（{p.posted_on.isoformat()} 张贴）")
              for p in session.exec(select(Publication).where(Publication.village_id == village.id))]
    notices: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    public = [s.value for s in PUBLIC_STATES]
    for notice in session.exec(select(Notice).where(Notice.village_id == village.id, Notice.state.in_(public))):
        posted = session.exec(select(NoticeStep.signed_on).where(
            NoticeStep.notice_id == notice.id, NoticeStep.to_state == State.POSTED.value,
        ).order_by(NoticeStep.id.desc())).first() or notice.start_date
        notices[notice.item_code].append((posted, f"公示第 {notice.id} 号“{notice.subject}”（{posted.isoformat()} 张贴）"))
    return sheets, notices


def _village_lines(session: Session, village: Village, first: dt.date, months: int, today: dt.date) -> list[DueLine]:
    sheets, notices = _postings(session, village)
    last = add_months(first, months)
    lines = []
    for entry in _entries(session, village):
        found = sheets + notices.get(entry.code, []) if entry.bulletin else notices.get(entry.code, [])
        if entry.rhythm is Rhythm.AS_NEEDED:
            inside = [text for day, text in found if first <= day < last]
            lines.append(DueLine(village.name, entry.code, entry.name, f"随时公开：{entry.time_limit}", None,
                                 tuple(inside), DueStatus.AS_NEEDED))
            continue
        for offset in range(months):
            obligation = obligation_due_in(entry.rhythm, entry.due_day, add_months(first, offset))
            if obligation is None:
                continue
            status = obligation.status([day for day, _ in found], today)
            used = tuple(text for day, text in found if obligation.opens_after < day <= obligation.late_until)
            period = (format_month(obligation.period_start) if obligation.months == 1
                      else f"{format_month(obligation.period_start)}至{format_month(obligation.period_end)}")
            lines.append(DueLine(village.name, entry.code, entry.name, f"{entry.rhythm.label}公开 {period}",
                                 obligation.deadline, used, status))
    return lines


def due_report(db: Database, month: dt.date, today: dt.date, quarter: bool = False,
               village: str | None = None) -> DueReport:
    """One village or all of them; a quarter is the calendar quarter holding `month`."""
    first = add_months(month, -((month.month - 1) % 3)) if quarter else month
    months = 3 if quarter else 1
    with db.reading() as session:
        villages = [find_village(session, village)] if village else list(session.exec(select(Village).order_by(Village.id)))
        lines = [line for v in villages for line in _village_lines(session, v, first, months, today)]
    return DueReport(first, months, today, lines)
