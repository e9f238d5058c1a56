"""Corrections (更正) of payouts whose month's sheet is already on the board.

A posted month is locked: a changed amount is a Correction with a reason, audited, and listed under
更正说明 on the village's next posted sheet (domain.md, "Posting and locking"). Several rows corrected
for one reason (a rate raised for everyone) are one unit: all of them or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select as sa_select  # five columns: more than sqlmodel's select is typed for
from sqlmodel import Session, col, select

from app.core import money
from app.core.money import MoneyError
from app.services import audit
from app.services.errors import NotFound, ServiceError
from app.services.ledger import get_record
from app.storage.engine import Database
from app.storage.models import Correction, Payout, Person, Publication, SubsidyType

REASON_MAX = 500


@dataclass(frozen=True)
class CorrectionMade:
    id: int
    payout_id: int
    old_fen: int
    new_fen: int


@dataclass(frozen=True)
class PendingCorrection:
    """A correction not yet listed on a posted sheet: what the next sheet's 更正说明 will say."""

    id: int
    payout_id: int
    name: str  # plain: the caller's output masks it for its channel
    subsidy: str
    sensitive: bool
    period: dt.date
    old_fen: int
    new_fen: int
    reason: str
    created_by: str


def _new_fen(text: str, row: int | None) -> int:
    where = f"第 {row} 行：" if row is not None else ""
    try:
        return money.parse_fen(text)
    except MoneyError as exc:
        raise ServiceError(f"{where}新金额“{text}”不对：{exc}") from exc


def correct_many(db: Database, changes: Sequence[tuple[int, str]], reason: str, actor: str) -> list[CorrectionMade]:
    """Correct each (payout id, new amount in yuan) for one reason, in one transaction."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("更正必须写明原因")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"更正原因太长（最多 {REASON_MAX} 个字）")
    if not changes:
        raise ServiceError("没有选择要更正的发放记录")
    numbered = len(changes) > 1
    wanted = [(payout_id, _new_fen(text, index if numbered else None))
              for index, (payout_id, text) in enumerate(changes, start=1)]
    made: list[CorrectionMade] = []
    with db.transaction() as session:
        for index, (payout_id, new_fen) in enumerate(wanted, start=1):
            where = f"第 {index} 行：" if numbered else ""
            payout = session.get(Payout, payout_id)
            if payout is None:
                raise NotFound(f"{where}这条发放记录不存在（可能已被删除），请刷新后再试")
            posted = session.exec(select(Publication.id).where(
                Publication.village_id == payout.village_id, Publication.period == payout.period)).first()
            if posted is None:
                raise ServiceError(f"{where}该月公开表尚未张贴，发放记录可以直接修改，无需更正")
            current = _current_fen(session, payout)
            if new_fen == current:
                raise ServiceError(f"{where}新金额与现在的金额相同（{money.format_yuan(current)} 元），无需更正")
            record = get_record(session, payout_id)
            correction = Correction(payout_id=payout_id, old_amount_fen=current, new_amount_fen=new_fen,
                                    reason=reason, created_by=actor)
            session.add(correction)
            session.flush()
            audit.record(
                session, actor, "correct", "payout", payout_id,
                before={"amount_fen": current},
                after={"amount_fen": new_fen, "reason": reason, "correction_id": correction.id,
                       "name": record.name if record else ""},
            )
            made.append(CorrectionMade(correction.id or 0, payout_id, current, new_fen))
    return made


def _current_fen(session: Session, payout: Payout) -> int:
    """The amount as last corrected: a second correction starts from the first one's result."""
    latest = session.exec(
        select(Correction.new_amount_fen).where(Correction.payout_id == payout.id).order_by(col(Correction.id).desc())
    ).first()
    return int(latest) if latest is not None else payout.amount_fen


def pending(db: Database, village_id: int) -> list[PendingCorrection]:
    """Corrections of the village not yet listed on a posted sheet, oldest first."""
    query = (
        sa_select(Correction, col(Payout.period), col(Person.name), col(SubsidyType.name), col(SubsidyType.sensitive))
        .join(Payout, col(Correction.payout_id) == col(Payout.id))
        .join(Person, col(Payout.person_id) == col(Person.id))
        .join(SubsidyType, col(Payout.subsidy_type_id) == col(SubsidyType.id))
        .where(col(Payout.village_id) == village_id, col(Correction.listed_in_id).is_(None))
        .order_by(col(Correction.id))
    )
    with db.reading() as session:
        return [
            PendingCorrection(c.id or 0, c.payout_id, name, subsidy, sensitive, period, c.old_amount_fen,
                              c.new_amount_fen, c.reason, c.created_by)
            for c, period, name, subsidy, sensitive in session.execute(query)
        ]
