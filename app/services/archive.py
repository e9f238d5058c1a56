"""Archive filing (归档, DA/T 22-2015): filed pieces, their numbers, boxes and evidence.

Numbering: a 件号 is the next number within (village, year, retention, category) over every piece
ever filed there, voided ones included, so a number is never reused and never changes; a piece in a
box whose labels were printed cannot be voided. The 档号 is composed when printed, from the village's
settings (app.core.archive), so a village can set its 全宗号 after the first pieces were filed.

Every posted bulletin sheet and every imported payout table becomes a piece in the same transaction
that records it (file_publication, file_import_batch); the clerk adds paper documents by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, select

from app.core.archive import (
    ArchiveError,
    FondsSettings,
    Retention,
    archival_code,
    check_category_code,
    filing_date,
    format_piece_number,
)
from app.core.disclosure import scrub_free_text
from app.core.periods import format_month_zh
from app.outputs.sheet_type import estimated_pages
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.villages import find_village
from app.storage import evidence_files
from app.storage.engine import Database, DatabaseReadOnly
from app.storage.models import (
    AppSetting,
    ArchiveBox,
    ArchiveSettings,
    Evidence,
    FiledPiece,
    ImportBatch,
    Notice,
    Payout,
    Publication,
    SubsidyType,
    Village,
)
from app.storage.paths import evidence_dir

if TYPE_CHECKING:
    from app.outputs.box_labels import BoxLabel
    from app.outputs.filing_index import IndexRow

# Convention, not rule: payout papers concern money and are kept 30 years, as village financial
# vouchers are; a township may file differently by adding pieces by hand.
PAYOUT_RETENTION = Retention.YEARS_30
NOTICE_RETENTION = Retention.YEARS_10
BOX_CAPACITY = 50  # pieces per box: a 3 cm box holds about fifty short village documents
SETTING_EVIDENCE_MAX_MB = "evidence.max_mb"  # a township's own limit for one evidence file, in whole MB


@dataclass(frozen=True)
class PieceInfo:
    id: int
    code: str  # 档号 ("" while the village has no 全宗号)
    number: str  # 件号, four digits
    doc_number: str
    responsible: str
    title: str
    date: str  # YYYYMMDD
    pages: int
    remark: str
    retention: Retention
    category: str
    year: int
    period: dt.date | None
    box_number: int | None
    voided: bool
    evidence_count: int


@dataclass(frozen=True)
class BoxInfo:
    id: int
    village: str
    fonds: str
    year: int
    retention: Retention
    category: str
    box_number: int
    first: str
    last: str
    piece_count: int
    organizer: str
    checker: str
    note: str
    printed_on: dt.date | None
    page_count: int = 0  # 本盒文件共 N 页 (备考表)


@dataclass(frozen=True)
class EvidenceCheck:
    file_name: str
    sha256: str
    state: str  # "完好" / "已被改动" / "文件缺失"


def committee_name(village: str) -> str:
    """责任者 of the village's own papers: 桃源村 → 桃源村村民委员会 (the 全宗 is the committee's)."""
    return f"{village}村民委员会"


# --- settings ---------------------------------------------------------------------------------


def configure(db: Database, village_name: str, fonds: str, actor: str, doc_class: str = "",
              default_category: str = "", responsible: str = "") -> None:
    try:
        FondsSettings(fonds.strip(), doc_class.strip())
        category = check_category_code(default_category)
    except ArchiveError as exc:
        raise ServiceError(str(exc)) from exc
    with db.transaction() as session:
        village = find_village(session, village_name)
        settings = session.get(ArchiveSettings, village.id)
        before = audit.snapshot(settings, ("fonds", "doc_class", "default_category", "responsible")) if settings else None
        if settings is None:
            settings = ArchiveSettings(village_id=village.id or 0, fonds="")
        settings.fonds, settings.doc_class = fonds.strip(), doc_class.strip()
        settings.default_category, settings.responsible = category, responsible.strip()
        session.add(settings)
        audit.record(session, actor, "configure", "archive_settings", village.id, before=before,
                     after=audit.snapshot(settings, ("fonds", "doc_class", "default_category", "responsible")))


def _settings(session: Session, village: Village) -> ArchiveSettings:
    return session.get(ArchiveSettings, village.id) or ArchiveSettings(village_id=village.id or 0, fonds="")


# --- filing -------------------------------------------------------------------------------------


def _next_number(session: Session, village_id: int, year: int, retention: Retention, category: str) -> int:
    highest = session.execute(
        select(func.max(FiledPiece.number)).where(
            FiledPiece.village_id == village_id, FiledPiece.year == year,
            FiledPiece.retention == retention.value, FiledPiece.category == category,
        )
    ).scalar_one()
    return (highest or 0) + 1


def file_piece(session: Session, village: Village, actor: str, *, title: str, doc_date: dt.date,
               retention: Retention, category: str | None = None, pages: int = 1, responsible: str = "",
               doc_number: str = "", remark: str = "", period: dt.date | None = None,
               source_kind: str = "", source_id: int | None = None) -> FiledPiece:
    """File one piece inside the caller's transaction; the caller's change and the piece commit together."""
    settings = _settings(session, village)
    category = check_category_code(settings.default_category if category is None else category)
    if not title.strip():
        raise ServiceError("请填写题名")
    if pages < 1:
        raise ServiceError("页数至少为 1")
    piece = FiledPiece(
        village_id=village.id or 0, year=doc_date.year, retention=retention.value, category=category,
        number=_next_number(session, village.id or 0, doc_date.year, retention, category),
        responsible=responsible.strip() or settings.responsible or committee_name(village.name),
        doc_number=doc_number.strip(), title=title.strip(), doc_date=doc_date, pages=pages,
        remark=remark.strip(), period=period, source_kind=source_kind, source_id=source_id,
    )
    format_piece_number(piece.number)  # 9999 pieces in one year and category: refuse rather than overflow
    session.add(piece)
    session.flush()
    audit.record(session, actor, "file", "filed_piece", piece.id,
                 after={"village": village.name, "number": piece.number, "title": piece.title,
                        "retention": piece.retention, "category": piece.category, "source": source_kind})
    return piece


def file_publication(session: Session, village: Village, publication: Publication, pages: int, actor: str) -> FiledPiece:
    """A posted bulletin sheet, filed under its payout month (domain.md: payout tables filed by month)."""
    return file_piece(
        session, village, actor,
        title=f"{village.name}{format_month_zh(publication.period)}惠民惠农补贴资金发放公开表",
        doc_date=publication.posted_on, retention=PAYOUT_RETENTION, pages=pages, period=publication.period,
        remark=f"公开{publication.posting_start:%m.%d}—{publication.posting_end:%m.%d}",
        source_kind="publication", source_id=publication.id,
    )


def file_notice(session: Session, village: Village, notice: Notice, ended_on: dt.date, actor: str) -> FiledPiece:
    """A notice whose period has ended, with how it ended (domain.md: the posted copy is filed)."""
    remark = f"公示 {notice.start_date:%Y.%m.%d}—{notice.end_date:%Y.%m.%d}" + (f"，{notice.result}" if notice.result else "")
    return file_piece(
        session, village, actor, title=f"关于{notice.subject}的公示" if not notice.subject.endswith("公示") else notice.subject,
        doc_date=ended_on, retention=NOTICE_RETENTION, remark=remark, source_kind="notice", source_id=notice.id,
    )


def file_import_batch(session: Session, village: Village, batch: ImportBatch, period: dt.date | None,
                      actor: str) -> FiledPiece:
    """An imported payout table (发放明细表) from the county's 一卡通 system, titled as an archivist
    would ("桃源村2026年10月耕地地力保护补贴发放明细", not a file name), its 页数 the pages it prints on."""
    month = format_month_zh(period) if period else ""
    subsidies = session.execute(
        select(SubsidyType.name, func.count()).join(Payout, Payout.subsidy_type_id == SubsidyType.id)
        .where(Payout.batch_id == batch.id).group_by(SubsidyType.name).order_by(SubsidyType.name)
    ).all()
    what = "、".join(name for name, _ in subsidies) or "惠民惠农补贴资金"
    return file_piece(
        session, village, actor,
        title=f"{village.name}{month}{what}发放明细",
        doc_date=(batch.imported_at.date() if batch.imported_at else dt.date.today()),
        retention=PAYOUT_RETENTION, period=period, responsible="县惠民惠农财政补贴资金“一卡通”系统",
        pages=estimated_pages(batch.row_count, len(subsidies) or 1),
        remark=f"{batch.row_count} 条", source_kind="import_batch", source_id=batch.id,
    )


def add_piece(db: Database, village_name: str, actor: str, *, title: str, doc_date: dt.date, retention: str,
              category: str | None = None, pages: int = 1, responsible: str = "", doc_number: str = "",
              remark: str = "", period: dt.date | None = None) -> PieceInfo:
    """A paper document or a scan the clerk files by hand."""
    try:
        kept = Retention.parse(retention)
    except ArchiveError as exc:
        raise ServiceError(str(exc)) from exc
    with db.transaction() as session:
        village = find_village(session, village_name)
        try:
            piece = file_piece(session, village, actor, title=title, doc_date=doc_date, retention=kept,
                               category=category, pages=pages, responsible=responsible, doc_number=doc_number,
                               remark=remark, period=period)
        except ArchiveError as exc:
            raise ServiceError(str(exc)) from exc
        return _infos(session, [piece], _settings(session, village))[0]


def void_piece(db: Database, piece_id: int, reason: str, actor: str) -> None:
    """Take a piece out of the index. Its number stays taken; a printed box is never changed."""
    if not reason.strip():
        raise ServiceError("作废一件归档文件需要填写原因")
    with db.transaction() as session:
        piece = session.get(FiledPiece, piece_id)
        if piece is None:
            raise NotFound(f"没有第 {piece_id} 号归档文件")
        box = session.get(ArchiveBox, piece.box_id) if piece.box_id else None
        if box is not None and box.printed_at is not None:
            raise Conflict(f"件号 {format_piece_number(piece.number)} 已装入第 {box.box_number} 盒并打印了盒签，不能再作废；"
                           "请在备考表中说明")
        piece.voided, piece.voided_reason, piece.box_id = True, reason.strip(), None
        session.add(piece)
        audit.record(session, actor, "void", "filed_piece", piece.id, after={"reason": piece.voided_reason})


# --- reading ------------------------------------------------------------------------------------


def _infos(session: Session, rows: list[FiledPiece], settings: ArchiveSettings) -> list[PieceInfo]:
    """Pieces as read; their box numbers and evidence counts in one query each, not one per piece."""
    ids = [piece.id for piece in rows]
    box_ids = {piece.box_id for piece in rows if piece.box_id}
    boxes = dict(session.execute(select(ArchiveBox.id, ArchiveBox.box_number).where(ArchiveBox.id.in_(box_ids)))
                 .all()) if box_ids else {}
    evidence = dict(session.execute(
        select(Evidence.piece_id, func.count()).where(Evidence.piece_id.in_(ids)).group_by(Evidence.piece_id)
    ).all()) if ids else {}
    fonds = FondsSettings(settings.fonds, settings.doc_class) if settings.fonds else None
    infos = []
    for piece in rows:
        retention = Retention(piece.retention)
        code = archival_code(fonds, piece.year, retention, piece.category, piece.number) if fonds else ""
        # Every reading of a piece (screen, list, index) masks an ID number typed into its free text or
        # carried in an imported file's name: the index leaves the village for the township's archive.
        infos.append(PieceInfo(
            id=piece.id or 0, code=code, number=format_piece_number(piece.number),
            doc_number=scrub_free_text(piece.doc_number), responsible=scrub_free_text(piece.responsible),
            title=scrub_free_text(piece.title), date=filing_date(piece.doc_date), pages=piece.pages,
            remark=scrub_free_text(piece.remark), retention=retention, category=piece.category, year=piece.year,
            period=piece.period, box_number=boxes.get(piece.box_id), voided=piece.voided,
            evidence_count=evidence.get(piece.id, 0),
        ))
    return infos


def pieces(db: Database, village_name: str, year: int, month: int | None = None,
           include_voided: bool = False) -> tuple[str, list[PieceInfo]]:
    """(village, pieces) of a year, or of one month (by the payout month, else the document date)."""
    with db.reading() as session:
        village = find_village(session, village_name)
        query = select(FiledPiece).where(FiledPiece.village_id == village.id, FiledPiece.year == year)
        if not include_voided:
            query = query.where(FiledPiece.voided.is_(False))
        rows = list(session.exec(query.order_by(FiledPiece.retention, FiledPiece.category, FiledPiece.number)))
        if month is not None:
            rows = [p for p in rows if (p.period or p.doc_date).month == month and (p.period or p.doc_date).year == year]
        settings = _settings(session, village)
        return village.name, _infos(session, rows, settings)


def fonds_of(db: Database, village_name: str) -> str:
    """The village's 全宗号; refuses to print an index or labels without one."""
    with db.reading() as session:
        village = find_village(session, village_name)
        fonds = _settings(session, village).fonds
    if not fonds:
        raise ServiceError(f"{village_name}还没有设置全宗号：请先设置归档参数（cunwu archive settings）再打印")
    return fonds


def index_rows(db: Database, village_name: str, year: int, month: int | None = None) -> tuple[str, str, list["IndexRow"]]:
    """(village, 全宗号, rows) of the filing index; refused while the village has no 全宗号."""
    from app.outputs.filing_index import IndexRow  # with ReportLab: loaded when printing, not at start-up

    fonds = fonds_of(db, village_name)
    village, found = pieces(db, village_name, year, month)
    rows = [IndexRow(p.number, p.code, p.doc_number, p.responsible, p.title, p.date, p.pages, p.remark,
                     p.retention.label, p.category) for p in found]
    return village, fonds, rows


# --- boxes --------------------------------------------------------------------------------------


def pack_boxes(db: Database, village_name: str, year: int, actor: str, organizer: str = "",
               checker: str = "") -> list[BoxInfo]:
    """Put the year's unboxed pieces into boxes and mark every box of the year as printed.

    Pieces go into the last box of their group while it is open and has room; a printed box is closed
    for good, so later pieces start a new box.
    """
    fonds = fonds_of(db, village_name)
    with db.transaction() as session:
        village = find_village(session, village_name)
        loose = list(session.exec(
            select(FiledPiece)
            .where(FiledPiece.village_id == village.id, FiledPiece.year == year,
                   FiledPiece.voided.is_(False), FiledPiece.box_id.is_(None))
            .order_by(FiledPiece.retention, FiledPiece.category, FiledPiece.number)
        ))
        if not loose and not _boxes(session, village.id or 0, year):
            raise ServiceError(f"{village.name}{year} 年还没有归档文件")
        for piece in loose:
            box = _open_box(session, village.id or 0, year, piece.retention, piece.category)
            piece.box_id = box.id
            session.add(piece)
        session.flush()
        now = dt.datetime.now(dt.UTC)
        for box in _boxes(session, village.id or 0, year):
            if box.printed_at is None:
                box.printed_at = now
                box.organizer, box.checker = organizer.strip() or box.organizer, checker.strip() or box.checker
                session.add(box)
        audit.record(session, actor, "print_labels", "archive_box", None,
                     after={"village": village.name, "year": year, "pieces_boxed": len(loose)})
        session.flush()
        return [_box_info(session, box, village.name, fonds) for box in _boxes(session, village.id or 0, year)]


def box_labels(db: Database, village_name: str, year: int, actor: str, organizer: str = "",
               checker: str = "") -> list["BoxLabel"]:
    """Pack the year's boxes (pack_boxes) and return what their labels print."""
    from app.outputs.box_labels import BoxLabel

    boxes = pack_boxes(db, village_name, year, actor, organizer, checker)
    return [
        BoxLabel(fonds_name=committee_name(box.village), fonds=box.fonds, year=box.year,
                 retention=box.retention.label, category=box.category, box_number=box.box_number,
                 first=box.first, last=box.last, piece_count=box.piece_count, organizer=box.organizer,
                 checker=box.checker, note=box.note, printed_on=box.printed_on, page_count=box.page_count)
        for box in boxes if box.piece_count
    ]


def _boxes(session: Session, village_id: int, year: int) -> list[ArchiveBox]:
    return list(session.exec(
        select(ArchiveBox).where(ArchiveBox.village_id == village_id, ArchiveBox.year == year)
        .order_by(ArchiveBox.retention, ArchiveBox.category, ArchiveBox.box_number)
    ))


def _open_box(session: Session, village_id: int, year: int, retention: str, category: str) -> ArchiveBox:
    last = session.exec(
        select(ArchiveBox).where(ArchiveBox.village_id == village_id, ArchiveBox.year == year,
                                 ArchiveBox.retention == retention, ArchiveBox.category == category)
        .order_by(ArchiveBox.box_number.desc())  # type: ignore[union-attr]
    ).first()
    if last is not None and last.printed_at is None:
        held = session.execute(select(func.count()).select_from(FiledPiece).where(FiledPiece.box_id == last.id)).scalar_one()
        if held < BOX_CAPACITY:
            return last
    box = ArchiveBox(village_id=village_id, year=year, retention=retention, category=category,
                     box_number=(last.box_number + 1) if last else 1)
    session.add(box)
    session.flush()
    return box


def _box_info(session: Session, box: ArchiveBox, village: str, fonds: str) -> BoxInfo:
    held = session.execute(select(FiledPiece.number, FiledPiece.pages).where(FiledPiece.box_id == box.id)).all()
    numbers = [number for number, _ in held]
    return BoxInfo(
        id=box.id or 0, village=village, fonds=fonds, year=box.year, retention=Retention(box.retention),
        category=box.category, box_number=box.box_number,
        first=format_piece_number(min(numbers)) if numbers else "", last=format_piece_number(max(numbers)) if numbers else "",
        piece_count=len(numbers), organizer=box.organizer, checker=box.checker, note=box.note,
        printed_on=box.printed_at.date() if box.printed_at else None, page_count=sum(pages for _, pages in held),
    )


# --- evidence -----------------------------------------------------------------------------------


def _evidence_folder(db: Database) -> Path:
    return evidence_dir(db.path)


@dataclass(frozen=True)
class StoredFile:
    file_name: str  # as the clerk chose it
    stored_name: str
    sha256: str
    size: int
    repaired: bool = False  # a damaged copy of the same content was replaced by this one


def evidence_limit(db: Database) -> int:
    """Bytes one evidence file may have: the township's setting in whole MB, else 50 MB."""
    with db.reading() as session:
        setting = session.get(AppSetting, SETTING_EVIDENCE_MAX_MB)
    if setting is not None and setting.value.strip().isdigit() and int(setting.value) > 0:
        return int(setting.value) * 1024 * 1024
    return evidence_files.DEFAULT_MAX_BYTES


def store_evidence_file(db: Database, source: Path) -> StoredFile:
    """Check that a file is a photo or scan and keep a copy beside the database, named by its hash.

    Done before the transaction that records it: a copy left behind by a refused transaction is
    harmless, since the same content always lands under the same name. The copy is written only
    inside the evidence folder, checked by a real decoder and never larger than the limit
    (app.storage.evidence_files).
    """
    if db.read_only_reason:
        raise DatabaseReadOnly(db.read_only_reason)
    source = Path(source)
    try:
        kept = evidence_files.keep_copy(_evidence_folder(db), source, evidence_limit(db))
    except evidence_files.EvidenceRefused as exc:
        raise ServiceError(str(exc)) from exc
    return StoredFile(source.name, kept.stored_name, kept.sha256, kept.size, kept.repaired)


def record_evidence(session: Session, piece_id: int, stored: StoredFile, actor: str) -> None:
    """One row per piece and content: attaching the same file again adds nothing (it may repair the copy)."""
    known = session.exec(select(Evidence).where(Evidence.piece_id == piece_id, Evidence.sha256 == stored.sha256)).first()
    if known is not None:
        if stored.repaired:
            audit.record(session, actor, "repair", "evidence", known.id, after={"sha256": stored.sha256})
        return
    evidence = Evidence(piece_id=piece_id, file_name=stored.file_name, stored_name=stored.stored_name,
                        sha256=stored.sha256, size=stored.size, added_by=actor)
    session.add(evidence)
    session.flush()
    audit.record(session, actor, "attach", "evidence", evidence.id,
                 after={"piece": piece_id, "file": stored.file_name, "sha256": stored.sha256})


def attach_evidence(db: Database, piece_id: int, source: Path, actor: str) -> str:
    """A photo or scan for a filed piece. Returns its hash."""
    stored = store_evidence_file(db, source)
    with db.transaction() as session:
        if session.get(FiledPiece, piece_id) is None:
            raise NotFound(f"没有第 {piece_id} 号归档文件")
        record_evidence(session, piece_id, stored, actor)
    return stored.sha256


def check_evidence(db: Database, piece_id: int) -> list[EvidenceCheck]:
    """Recompute each kept copy's hash and compare it with its file name, its row and the audit log.

    The row alone proves nothing: whoever could change the copy could change the row. A copy is
    完好 only when its content, its name, its row and the hash logged when it was attached all agree.
    """
    folder = _evidence_folder(db)
    with db.reading() as session:
        rows = list(session.exec(select(Evidence).where(Evidence.piece_id == piece_id).order_by(Evidence.id)))
        logged = {entry.entity_id: entry.after for entry in audit.entries(session, "evidence", "attach")
                  if entry.entity_id in {row.id for row in rows}}
    checks = []
    for row in rows:
        path = folder / row.stored_name
        expected = row.sha256
        state = evidence_files.state_of(path, expected)
        if state == evidence_files.INTACT and (
            Path(row.stored_name).stem != expected or _logged_hash(logged.get(row.id)) not in (None, expected)
        ):
            state = evidence_files.CHANGED
        checks.append(EvidenceCheck(row.file_name, row.sha256, state))
    return checks


def _logged_hash(after: str | None) -> str | None:
    if not after:
        return None
    try:
        return json.loads(after).get("sha256")
    except (ValueError, AttributeError):
        return ""  # an unreadable log entry proves nothing: not 完好


def piece_for_source(db: Database, source_kind: str, source_id: int) -> int | None:
    with db.reading() as session:
        return session.execute(
            select(FiledPiece.id).where(FiledPiece.source_kind == source_kind, FiledPiece.source_id == source_id)
        ).scalar_one_or_none()
