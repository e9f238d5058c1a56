"""Where a village's month stands, and what the clerk does next (the window's home page).

A month goes 未导入 → 待核对 (rows above the township's plausibility threshold wait for a look) →
待预览 (the sheet can be previewed and printed) → 待张贴 (it was printed or saved: the posting waits to
be registered) → 已张贴 (locked; filed as a piece) → 已归档 (its piece is in a box whose labels are
printed). Township staff see every village's month in
the same terms. What the catalog asks for this month comes from the due computation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import col, select

from app.core.catalog import DueStatus
from app.core.month_stages import MonthState as MonthState  # where callers look for them
from app.core.month_stages import NextStep as NextStep
from app.core.month_stages import Stage
from app.services.bulletin import month_key
from app.services.due import due_report
from app.services.errors import NotFound
from app.services.thresholds import plausible_max_fen
from app.storage.engine import Database
from app.storage.models import ArchiveBox, AuditLog, Correction, FiledPiece, Payout, Publication, Village


def month_states(db: Database, period: dt.date, today: dt.date, village_id: int | None = None) -> list[MonthState]:
    """One village's month, or every village's (township staff), in village order."""
    with db.reading() as session:
        query = select(Village).order_by(col(Village.id))
        if village_id is not None:
            query = query.where(Village.id == village_id)
        villages = list(session.exec(query))
        if village_id is not None and not villages:
            raise NotFound("这个村已不存在（可能已被删除），请刷新")
        ids = [v.id or 0 for v in villages]
        threshold = plausible_max_fen(session)
        counts = {row[0]: (row[1], row[2], row[3]) for row in session.execute(
            select(col(Payout.village_id), func.count(), func.coalesce(func.sum(col(Payout.amount_fen)), 0),
                   func.count().filter(col(Payout.amount_fen) > threshold))
            .where(col(Payout.village_id).in_(ids), Payout.period == period)
            .group_by(col(Payout.village_id)))}
        postings = {p.village_id: p for p in session.exec(
            select(Publication).where(col(Publication.village_id).in_(ids), Publication.period == period))}
        boxed = {row[0] for row in session.execute(
            select(col(FiledPiece.source_id))
            .join(ArchiveBox, col(FiledPiece.box_id) == col(ArchiveBox.id))
            .where(FiledPiece.source_kind == "publication", col(ArchiveBox.printed_at).is_not(None),
                   col(FiledPiece.source_id).in_([p.id for p in postings.values()])))}
        printed = {row[0] for row in session.execute(
            select(col(AuditLog.village_id))
            .where(AuditLog.action == "print", AuditLog.entity == "bulletin", AuditLog.entity_id == month_key(period),
                   col(AuditLog.village_id).in_(ids)))}
        waiting = dict(session.execute(
            select(col(Payout.village_id), func.count())
            .select_from(Correction)
            .join(Payout, col(Correction.payout_id) == col(Payout.id))
            .where(col(Payout.village_id).in_(ids), col(Correction.listed_in_id).is_(None))
            .group_by(col(Payout.village_id))).all())
    # One village's month: its catalog only, not every village's.
    due = due_report(db, period, today, village=villages[0].name if village_id is not None else None)
    states = []
    for village in villages:
        vid = village.id or 0
        count, total, flagged = counts.get(vid, (0, 0, 0))
        posting = postings.get(vid)
        lines = [line for line in due.lines if line.village == village.name and line.status is not DueStatus.AS_NEEDED]
        if posting is not None:
            stage = Stage.FILED if posting.id in boxed else Stage.POSTED
        elif not count:
            stage = Stage.NOT_IMPORTED
        else:
            stage = Stage.TO_CHECK if flagged else Stage.TO_POST if vid in printed else Stage.TO_PREVIEW
        states.append(MonthState(
            vid, village.name, period, stage, int(count), int(total), int(flagged),
            posting.posted_on if posting else None, int(waiting.get(vid, 0)),
            tuple((line.item, line.requirement, line.status.label) for line in lines),
            sum(1 for line in lines if line.status is DueStatus.OVERDUE),
        ))
    return states
