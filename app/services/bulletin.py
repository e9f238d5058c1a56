"""The monthly bulletin sheet: what goes on it, posting it (which locks the month), corrections.

After a sheet is posted its payouts are locked: a change is a Correction with a reason, audited,
listed in the 更正说明 of the next sheet, and the posted sheet re-prints exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from app.core.disclosure import Channel, policy_for
from app.core.periods import add_months, format_month_zh
from app.outputs.bulletin_model import BulletinSheet, CorrectionLine, SheetMeta, build_sheet
from app.services import archive, audit
from app.services.errors import Conflict, ServiceError
from app.services.ledger import LedgerFilter, fetch_all
from app.services.village_settings import (
    BULLETIN,
    SettingsMissing,
    real_name,
    require_for_print,
    township_name_for_print,
)
from app.services.villages import find_village
from app.storage.engine import Database
from app.storage.models import Correction, Payout, Person, Publication, SubsidyType, Township, Village


@dataclass(frozen=True)
class PublicationInfo:
    id: int
    village: str
    period: dt.date
    posted_on: dt.date
    posted_by: str
    payout_count: int
    total_fen: int
    corrections_listed: int
    audit_anchor: str = ""  # the code printed in the posted sheet's footer


class Backdated(ServiceError):
    """The posting period starts before the sheet was posted; allowed only when confirmed."""


def default_posting_period(period: dt.date) -> tuple[dt.date, dt.date]:
    """A month's sheet hangs through the following month (the convention the issue shows)."""
    start = add_months(period, 1)
    return start, add_months(period, 2) - dt.timedelta(days=1)


def find_publication(session: Session, village_id: int, period: dt.date) -> Publication | None:
    return session.scalars(
        select(Publication).where(Publication.village_id == village_id, Publication.period == period)
    ).first()


def posted_among(session: Session, village_id: int, periods: set[dt.date]) -> list[Publication]:
    if not periods:
        return []
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.village_id == village_id, Publication.period.in_(sorted(periods)))
            .order_by(Publication.period)
        )
    )


def locked_message(publication: Publication) -> str:
    return (
        f"{format_month_zh(publication.period)}的公开表已于 {publication.posted_on.isoformat()} 张贴，该月发放记录已锁定，"
        "不能直接修改、删除或补充导入；如需更改，请使用“更正”（写明原因，会列入下月公开表的更正说明）"
    )


def ensure_unlocked(session: Session, village_id: int, periods: set[dt.date]) -> None:
    """Refuse to change payouts of a month whose sheet is on the board."""
    posted = posted_among(session, village_id, periods)
    if posted:
        raise Conflict(locked_message(posted[0]))


def _corrections(session: Session, village_id: int, period: dt.date, publication: Publication | None) -> list[CorrectionLine]:
    query = (
        select(Correction, Payout, Person.name, SubsidyType.name, SubsidyType.sensitive)
        .join(Payout, Correction.payout_id == Payout.id)
        .join(Person, Payout.person_id == Person.id)
        .join(SubsidyType, Payout.subsidy_type_id == SubsidyType.id)
        .where(Payout.village_id == village_id)
        .order_by(Correction.id)
    )
    if publication is not None:
        query = query.where(Correction.listed_in_id == publication.id)
    else:
        query = query.where(Correction.listed_in_id.is_(None), Payout.period < period)
    return [
        CorrectionLine(name, subsidy, payout.period, c.old_amount_fen, c.new_amount_fen, c.reason, sensitive)
        for c, payout, name, subsidy, sensitive in session.execute(query)
    ]


def _anchor_text(publication: Publication | None) -> str:
    """The footer's code: the audit chain's head when the sheet was posted (none before posting)."""
    if publication is None or not publication.anchor_entry_id:
        return ""
    return audit.Anchor(publication.anchor_entry_id, publication.anchor_hash).text


def sheet_for(
    db: Database,
    village_name: str,
    period: dt.date,
    channel: Channel | str = Channel.WALL,
    posting_start: dt.date | None = None,
    posting_end: dt.date | None = None,
    require_settings: bool = True,
) -> BulletinSheet:
    """The sheet as it prints now; for a posted month, exactly as it was posted.

    Refused (SettingsMissing, naming what to fill) while the township's name or the village's
    supervision phone is not set: every sheet carries them (domain.md, "Printed forms"). Only the
    township batch asks without `require_settings`, to count a refused village in its summary."""
    with db.reading() as session:
        village = find_village(session, village_name)
        if require_settings:
            require_for_print(session, village, BULLETIN)
        township_name = township_name_for_print(session, village)
        publication = find_publication(session, village.id or 0, period)
        # A posted sheet reprints in the order it was posted in, whatever the village chose since.
        order = publication.sheet_order if publication else village.sheet_order
        records = fetch_all(session, LedgerFilter(village_id=village.id, period=period), order)
        corrections = _corrections(session, village.id or 0, period, publication)
        types = session.execute(select(SubsidyType.name, SubsidyType.basis, SubsidyType.issuer)).all()
        bases = {name: basis for name, basis, _ in types}
        issuers = {name: issuer for name, _, issuer in types}
    default_start, default_end = (
        (publication.posting_start, publication.posting_end) if publication else default_posting_period(period)
    )
    meta = SheetMeta(
        village=village.name,
        township=township_name,
        period=period,
        posting_start=posting_start or default_start,
        posting_end=posting_end or default_end,
        channel=Channel(channel),
        supervision_phone=village.supervision_phone,
        made_on=publication.posted_on if publication else None,
        audit_anchor=_anchor_text(publication),
    )
    if meta.posting_end < meta.posting_start:
        raise ServiceError("公开时间的结束日期早于开始日期")
    if not records and not corrections:
        raise ServiceError(f"{format_month_zh(period)}{village.name}没有发放记录，没有可公开的内容")
    return build_sheet(records, policy_for(meta.channel), meta, corrections, bases, issuers)


def month_key(period: dt.date) -> int:
    """A month as the audit log's entity id for a sheet that is not posted yet: 2026-10 → 202610."""
    return period.year * 100 + period.month


def record_printed(db: Database, village_name: str, period: dt.date, how: str, pages: int, channel: str,
                   actor: str) -> None:
    """The month's sheet was printed, saved or exported (who, how, how many pages): the log says who
    had a public sheet in hand, and the home page knows the month was previewed. A database opened
    read-only (a copy on a CD, a locked folder) still prints; there is then nothing to write it into."""
    if db.read_only_reason:
        return
    with db.transaction() as session:
        village = find_village(session, village_name)
        audit.record(session, actor, "print", "bulletin", month_key(period),
                     after={"village_id": village.id, "village": village.name, "period": period.isoformat(),
                            "how": how, "pages": pages, "channel": str(Channel(channel).label)})


def publish(
    db: Database,
    village_name: str,
    period: dt.date,
    posted_on: dt.date,
    posted_by: str,
    actor: str,
    posting_start: dt.date | None = None,
    posting_end: dt.date | None = None,
    photo: Path | None = None,
    backdate: bool = False,
) -> PublicationInfo:
    """Record that the month's sheet is on the board: locks its payouts, files its corrections.

    A posting period that began before the day the sheet went up would be recorded (and filed) as if
    villagers could have read it earlier: that needs the clerk's explicit word (`backdate`)."""
    if not posted_by.strip():
        raise ServiceError("请填写张贴人")
    start, end = default_posting_period(period)
    if (posting_start or start) < posted_on and not backdate:
        raise Backdated(
            f"公开时间从 {(posting_start or start).isoformat()} 开始，早于张贴日期 {posted_on.isoformat()}：这样登记，"
            "档案里会记成张贴前就已公开。请按实际张贴日期重新确定公开时间；确属补登的，请确认补登"
        )
    from app.outputs.bulletin_pdf import layout

    # The sheet as posted (wall channel, A4): its page count is the filed piece's 页数.
    pages = len(layout(sheet_for(db, village_name, period, Channel.WALL)))
    stored = archive.store_evidence_file(db, photo) if photo else None
    photo_hash = stored.sha256 if stored else ""
    with db.transaction() as session:
        village = find_village(session, village_name)
        if find_publication(session, village.id or 0, period):
            raise Conflict(f"{village.name}{format_month_zh(period)}的公开表已经登记为张贴过")
        records = fetch_all(session, LedgerFilter(village_id=village.id, period=period))
        if not records:
            raise ServiceError(f"{village.name}{format_month_zh(period)}没有发放记录，无需张贴")
        # The audit chain's head now (locked until this posting commits): printed on the sheet, it pins the log.
        anchor = audit.head(session)
        publication = Publication(
            village_id=village.id or 0,
            period=period,
            posted_on=posted_on,
            posted_by=posted_by.strip(),
            posting_start=posting_start or start,
            posting_end=posting_end or end,
            payout_count=len(records),
            total_fen=sum(r.amount_fen for r in records),
            photo_name=photo.name if photo else "",
            photo_sha256=photo_hash,
            sheet_order=village.sheet_order,
            anchor_entry_id=anchor.entry_id or None,
            anchor_hash=anchor.hash if anchor.entry_id else "",
        )
        session.add(publication)
        session.flush()
        pending = session.scalars(
            select(Correction)
            .join(Payout, Correction.payout_id == Payout.id)
            .where(Payout.village_id == village.id, Payout.period < period, Correction.listed_in_id.is_(None))
        ).all()
        for correction in pending:
            correction.listed_in_id = publication.id
        piece = archive.file_publication(session, village, publication, pages, actor)
        if stored:
            archive.record_evidence(session, piece.id or 0, stored, actor)
        audit.record(
            session, actor, "publish", "publication", publication.id,
            after={"village": village.name, "period": period.isoformat(), "posted_on": posted_on.isoformat(),
                   "posted_by": publication.posted_by, "payouts": publication.payout_count,
                   "total_fen": publication.total_fen, "photo_sha256": photo_hash,
                   "corrections_listed": len(pending)},
        )
        return PublicationInfo(publication.id or 0, village.name, period, posted_on, publication.posted_by,
                               publication.payout_count, publication.total_fen, len(pending), anchor.text)


def correct(db: Database, payout_id: int, new_amount: str, reason: str, actor: str) -> int:
    """A correction of one locked payout (app.services.corrections); an unlocked one is edited instead."""
    from app.services.corrections import correct_many

    return correct_many(db, [(payout_id, new_amount)], reason, actor)[0].id


def village_names(db: Database) -> list[str]:
    with db.reading() as session:
        return list(session.scalars(select(Village.name).order_by(Village.id)))


def township_sheets(db: Database, period: dt.date, channel: Channel | str = Channel.WALL) -> tuple[str, list[BulletinSheet]]:
    """Every village that has payouts in the month, in village order, and the township's name ("" while
    it is not filled in). A village whose settings a sheet needs are missing comes as a RefusedSheet:
    counted in the township summary, never printed, named by the batch with what to fill."""
    from app.outputs.bulletin_batch import refused

    with db.reading() as session:
        township = real_name(session.scalars(select(Township).order_by(Township.id)).first())
        names = list(
            session.scalars(
                select(Village.name)
                .where(Village.id.in_(select(Payout.village_id).where(Payout.period == period).distinct()))
                .order_by(Village.id)
            )
        )
    sheets: list[BulletinSheet] = []
    for name in names:
        try:
            sheets.append(sheet_for(db, name, period, channel))
        except SettingsMissing as missing:
            sheets.append(refused(sheet_for(db, name, period, channel, require_settings=False), missing.message))
    return township, sheets
