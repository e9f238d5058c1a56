"""The tables. Money is integer 分 (BigInteger); months are the month's first day (a date).

Portable SQL only: every constraint and type here exists on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Table, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, typed (SQLModel leaves `__table__` untyped for mypy)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Township(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    code: str = Field(default="", max_length=32)


class Village(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    township_id: int | None = Field(default=None, foreign_key="township.id", index=True)
    # One township's database: a village name is what clerks type, so it is unique.
    name: str = Field(max_length=100, unique=True)
    code: str = Field(default="", max_length=32)
    supervision_phone: str = Field(default="", max_length=40)  # 监督电话: required on every public sheet
    consult_phone: str = Field(default="", max_length=40)  # 咨询电话
    contact_person: str = Field(default="", max_length=60)  # 联系人
    board_place: str = Field(default="", max_length=100)  # 公开栏位置
    board_hours: str = Field(default="", max_length=100)  # 公开时间 (when the board/office can be consulted)
    # Names within a group: "pinyin" (the default), or "file" to keep the county file's order (issue 15).
    sheet_order: str = Field(default="pinyin", max_length=16)


class VillagerGroup(SQLModel, table=True):
    __tablename__ = "villager_group"
    __table_args__ = (UniqueConstraint("village_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    name: str = Field(max_length=50)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, index=True)
    # Lower-case pinyin initials of the name ("zs" for 张三), for the ledger's quick filter.
    name_initials: str = Field(default="", max_length=60, index=True)
    # Encrypted at rest (issue 17, app.core.crypto): the ID number, phone and account are stored as
    # AES-GCM ciphertexts, beside what screens and sheets need in clear (the masked forms, as
    # app.core.disclosure masks them) and the ID number's keyed blind index for exact look-ups.
    id_index: str = Field(max_length=32, unique=True)
    id_masked: str = Field(default="", max_length=18, index=True)
    id_cipher: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    phone_masked: str = Field(default="", max_length=40)
    phone_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    account_masked: str = Field(default="", max_length=40)
    account_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    village_id: int | None = Field(default=None, foreign_key="village.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="villager_group.id", index=True)


class SubsidyType(SQLModel, table=True):
    __tablename__ = "subsidy_type"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    category: str = Field(default="", max_length=40)
    rhythm: str = Field(default="monthly", max_length=16)  # app.core.subsidy_types.Rhythm
    sensitive: bool = Field(default=False)
    basis: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    aliases: str = Field(default="", max_length=400)  # '|'-separated other names seen on files
    issuer: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # 发放单位/主管部门


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    file_name: str = Field(max_length=255)
    file_hash: str = Field(max_length=64, index=True)
    imported_at: dt.datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=60)
    row_count: int = Field(default=0)
    skipped_count: int = Field(default=0)
    total_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    forced: bool = Field(default=False)


class Payout(SQLModel, table=True):
    __table_args__ = (
        # domain rule: one person is paid once per subsidy type and month.
        UniqueConstraint("person_id", "subsidy_type_id", "period"),
        Index("ix_payout_village_period", "village_id", "period"),
        # The ledger sorted by amount: a village's payouts in amount order (then id: SQLite's rowid).
        Index("ix_payout_village_amount", "village_id", "amount_fen"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # The unique (person_id, subsidy_type_id, period) index serves lookups by person too.
    person_id: int = Field(foreign_key="person.id")
    subsidy_type_id: int = Field(foreign_key="subsidy_type.id", index=True)
    village_id: int = Field(foreign_key="village.id")
    period: dt.date  # first day of the payout month
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    pay_date: dt.date | None = Field(default=None)
    standard: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=500)
    # Paid by area (耕地地力保护补贴…): the area in 1/10,000 亩 and the rate in 分 per 亩, when the file has them.
    area_e4: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    rate_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    # The row's place in its county file (1, 2, … across the file's sheets): a village may keep the
    # county's order on its sheet instead of pinyin order (issue 15). None for rows typed in by hand.
    source_order: int | None = Field(default=None)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Append-only: rows are inserted in the same transaction as the change they record.

    A hash chain (app.services.audit): `hash` is the SHA-256 of the entry's content and `prev_hash`,
    the hash of the entry before it; `audit_head` holds the chain's last entry. `village_id` is the
    village the change concerns (None: the township or the whole database), for listing by village.
    """

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(default="", max_length=60)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None)
    before: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    village_id: int | None = Field(default=None, index=True)  # no foreign key: a log outlives what it names
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """The hash chain's last entry, one row (id 1): read FOR UPDATE by every writer of the log, so two
    transactions never chain onto the same predecessor (PostgreSQL's row lock; SQLite has one writer)."""

    __tablename__ = "audit_head"
    id: int | None = Field(default=None, primary_key=True)
    last_id: int = Field(default=0)
    last_hash: str = Field(default="", max_length=64)


class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_audit_change(*_: object) -> None:
    raise AuditLogIsAppendOnly("审计日志只能追加，不能修改或删除")


class Publication(SQLModel, table=True):
    """A bulletin sheet marked as posted on the village board: it locks the month's payouts."""

    __table_args__ = (UniqueConstraint("village_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id")
    period: dt.date  # the payout month the sheet covers
    posted_on: dt.date
    posted_by: str = Field(max_length=60)
    posting_start: dt.date
    posting_end: dt.date
    channel: str = Field(default="wall", max_length=16)
    sheet_order: str = Field(default="pinyin", max_length=16)  # the order it was posted in, for exact reprints
    payout_count: int = Field(default=0)
    total_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    photo_name: str = Field(default="", max_length=255)
    photo_sha256: str = Field(default="", max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The audit chain's head when the sheet was posted, printed in its footer: the paper pins the chain.
    anchor_entry_id: int | None = Field(default=None)
    anchor_hash: str = Field(default="", max_length=64)


class Correction(SQLModel, table=True):
    """A change to a payout whose sheet was already posted: never an in-place edit."""

    id: int | None = Field(default=None, primary_key=True)
    payout_id: int = Field(foreign_key="payout.id", index=True)
    old_amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    new_amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(max_length=500)
    created_by: str = Field(default="", max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)
    # The later sheet whose 更正说明 lists it, set when that sheet is posted.
    listed_in_id: int | None = Field(default=None, foreign_key="publication.id", index=True)


# --- archive filing (归档, DA/T 22-2015) -------------------------------------------------------


class ArchiveSettings(SQLModel, table=True):
    """A village's filing settings: the parts of its 档号 and who sorts and checks its boxes."""

    __tablename__ = "archive_settings"
    village_id: int = Field(foreign_key="village.id", primary_key=True)
    fonds: str = Field(max_length=12)  # 全宗号
    doc_class: str = Field(default="", max_length=12)  # 门类代码 (WS); empty when not used
    default_category: str = Field(default="", max_length=12)  # 机构(问题)代码 for filed publications
    responsible: str = Field(default="", max_length=100)  # 责任者 of what the village itself issues


class FiledPiece(SQLModel, table=True):
    """One 件 of the archive. Its 件号 is taken for good: a voided piece keeps it, nothing reuses it."""

    __tablename__ = "filed_piece"
    __table_args__ = (
        UniqueConstraint("village_id", "year", "retention", "category", "number"),
        UniqueConstraint("source_kind", "source_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    year: int
    retention: str = Field(max_length=4)  # Y / D30 / D10
    category: str = Field(default="", max_length=12)
    number: int  # 件号
    responsible: str = Field(default="", max_length=100)  # 责任者
    doc_number: str = Field(default="", max_length=60)  # 文号
    title: str = Field(max_length=300)  # 题名
    doc_date: dt.date  # 日期
    pages: int = Field(default=1)
    remark: str = Field(default="", max_length=300)  # 备注
    period: dt.date | None = Field(default=None, index=True)  # the month subsidy papers are filed under
    # Where an automatically filed piece came from ("publication", "import_batch", "notice"); manual: "".
    source_kind: str = Field(default="", max_length=20)
    source_id: int | None = Field(default=None)
    box_id: int | None = Field(default=None, foreign_key="archive_box.id", index=True)
    voided: bool = Field(default=False)
    voided_reason: str = Field(default="", max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ArchiveBox(SQLModel, table=True):
    """A 盒: once its labels are printed, the pieces in it stay as they are."""

    __tablename__ = "archive_box"
    __table_args__ = (UniqueConstraint("village_id", "year", "retention", "category", "box_number"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    year: int
    retention: str = Field(max_length=4)
    category: str = Field(default="", max_length=12)
    box_number: int
    printed_at: dt.datetime | None = Field(default=None)
    organizer: str = Field(default="", max_length=60)  # 整理人
    checker: str = Field(default="", max_length=60)  # 检查人
    note: str = Field(default="", max_length=500)  # 盒内文件情况说明


class Evidence(SQLModel, table=True):
    """A photo or scan attached to a piece, kept as a copy with its hash (a changed file is detected)."""

    id: int | None = Field(default=None, primary_key=True)
    piece_id: int = Field(foreign_key="filed_piece.id", index=True)
    file_name: str = Field(max_length=255)  # as the clerk chose it
    stored_name: str = Field(max_length=255)  # the copy in the evidence folder beside the database
    sha256: str = Field(max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    added_by: str = Field(default="", max_length=60)
    added_at: dt.datetime = Field(default_factory=utcnow)


# --- disclosure catalog (村务公开事项目录) and public notices (公示) -----------------------------


class CatalogVersion(SQLModel, table=True):
    """One saved state of a catalog, never changed afterwards: a printed poster names its number.

    village_id NULL is the township's standard set; a village's version holds the standard items it
    was last given (standard_number) and its own items.
    """

    __tablename__ = "catalog_version"
    __table_args__ = (UniqueConstraint("village_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int | None = Field(default=None, foreign_key="village.id", index=True)
    number: int
    standard_number: int = Field(default=0)
    note: str = Field(default="", max_length=300)
    created_by: str = Field(default="", max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)


class CatalogItem(SQLModel, table=True):
    """One entry of a catalog version, with the elements of domain.md item 4."""

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="catalog_version.id", index=True)
    position: int
    code: str = Field(max_length=8)  # stable across versions; notices refer to it
    origin: str = Field(default="standard", max_length=10)
    name: str = Field(max_length=100)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    basis: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    time_limit: str = Field(default="", max_length=200)
    responsible: str = Field(default="", max_length=100)
    channels: str = Field(default="", max_length=200)  # '|'-separated
    audience: str = Field(default="", max_length=60)
    manner: str = Field(default="主动公开", max_length=20)
    rhythm: str = Field(default="as_needed", max_length=16)  # app.core.subsidy_types.Rhythm
    due_day: int = Field(default=10)
    phone: str = Field(default="", max_length=40)


class Notice(SQLModel, table=True):
    """A public notice (公示) going through review, the board, expiry and the archive."""

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    subject: str = Field(max_length=200)
    item_code: str = Field(default="", max_length=8)  # the catalog item it fulfils
    kind: str = Field(default="一般事项", max_length=40)  # app.core.notices.PERIOD_RULES
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    start_date: dt.date
    end_date: dt.date
    place: str = Field(default="", max_length=100)
    channel: str = Field(default="wall", max_length=16)
    state: str = Field(default="draft", max_length=24, index=True)  # app.core.notices.State
    result: str = Field(default="", max_length=300)  # how it ended (无异议 / 异议…)
    created_by: str = Field(default="", max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)


class NoticeRow(SQLModel, table=True):
    """A row of a notice's table: copied from a payout or typed in."""

    __tablename__ = "notice_row"
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    position: int
    name: str = Field(max_length=60)
    # The ID number typed, pasted or copied in: its masked form for the screen and sheets, the number
    # itself sealed (app.storage.sealed; issue 17, migration 0013). Nothing looks a row up by it.
    id_masked: str = Field(default="", max_length=18)
    id_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    group_name: str = Field(default="", max_length=50)
    item: str = Field(default="", max_length=100)  # e.g. the subsidy, or 申请面积
    amount_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    note: str = Field(default="", max_length=300)
    sensitive: bool = Field(default=False)
    cadre_relative: bool = Field(default=False)  # 村干部近亲属: registered (备案) and shown
    payout_id: int | None = Field(default=None, foreign_key="payout.id")


class NoticeStep(SQLModel, table=True):
    """A signature on the life cycle: who, on which day, and why when it went back to draft."""

    __tablename__ = "notice_step"
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    from_state: str = Field(max_length=24)
    to_state: str = Field(max_length=24)
    signed_by: str = Field(max_length=60)
    signed_on: dt.date
    meaning: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)


class NoticeObjection(SQLModel, table=True):
    """An objection (异议) raised while a notice is up, with its handling and outcome."""

    __tablename__ = "notice_objection"
    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    raised_by: str = Field(default="", max_length=60)  # empty: anonymous
    received_on: dt.date
    content: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    handling: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    outcome: str = Field(default="", max_length=12)  # app.core.notices.Outcome; "" while open
    handled_by: str = Field(default="", max_length=60)
    handled_on: dt.date | None = Field(default=None)


# Registered with the same metadata; kept in their own modules so each part of issue 16 owns its file.
from app.storage import models_exchange as models_exchange  # noqa: E402
from app.storage import models_people as models_people  # noqa: E402
