"""The audit trail: written in the caller's session, so it commits or rolls back with the change.

Tamper-evident (issue 16): the entries form a hash chain. Each entry carries `hash`, the SHA-256 of
its canonical content (`canonical` below) which includes `prev_hash`, the hash of the entry before it
(GENESIS for the first). The one-row table `audit_head` holds the chain's last entry; every writer
reads it FOR UPDATE in its own transaction, so two writers never chain onto the same predecessor (a
row lock on PostgreSQL; SQLite has one writer at a time anyway), and the entry's id is the head's plus
one (the table needs no sequence, and a rolled-back transaction leaves no gap).

`verify` walks the chain in id order and names the first entry that was changed, deleted or inserted
past the program. Someone who rewrites an entry and recomputes every hash after it (and the head) is
caught by an anchor: the head when a monthly sheet was posted, stored with the publication and printed
in the sheet's footer as a short code (`anchor_code`) — the paper on the wall pins the chain.

The canonical form is fixed forever (old entries are verified with it): change it only under a new
version number, keeping the old one for the entries written with it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app.core.disclosure import scrub_free_text
from app.services.errors import ServiceError
from app.storage import sealed
from app.storage.engine import Database
from app.storage.models import (
    ArchiveBox,
    AuditHead,
    AuditLog,
    CatalogVersion,
    Evidence,
    FiledPiece,
    ImportBatch,
    Notice,
    Payout,
    Person,
    Publication,
    Village,
    table_of,
)
from app.storage.models_people import AppUser, actor_name

GENESIS = "0" * 64  # the "previous hash" of the first entry
HEAD_ID = 1  # the one row of audit_head
CHAIN_VERSION = 1
# The short code printed on a sheet: hex digits written as letters (no digit, no I/O/B/S/Z/G lookalike),
# so the disclosure gate never reads a code as a phone number and nobody misreads 0 for O.
CODE_LETTERS = "ACDEFHJKLMNPRTWX"
CODE_DIGITS = 12

ACTION_LABELS = {
    "create": "新增", "update": "修改", "delete": "删除", "reveal_id": "显示完整身份证号", "import": "导入",
    "publish": "登记张贴", "correct": "更正", "configure": "设置", "save": "保存", "seed": "初始化",
    "demo": "写入演示数据", "restore": "恢复备份", "step": "公示审核", "object": "登记异议",
    "handle_objection": "处理异议", "add_rows": "添加公示名单", "remove_row": "删除公示名单",
    "register_relative": "近亲属备案", "file": "归档", "void": "作废", "attach": "附上照片或扫描件",
    "repair": "修复留痕文件", "print_labels": "打印盒签", "print": "打印或导出",
    "disable": "停用", "password": "设置密码",
    "exchange_key_out": "导出公钥", "exchange_trust": "登记对方公钥", "exchange_export": "导出数据包",
    "exchange_import": "导入数据包",
}
ENTITY_LABELS = {
    "payout": "发放记录", "person": "人员", "village": "村", "township": "乡镇", "publication": "公开表",
    "import_batch": "导入批次", "notice": "公示", "holiday_table": "节假日表", "catalog_version": "公开目录",
    "archive_settings": "归档设置", "filed_piece": "归档文件", "archive_box": "档案盒", "evidence": "留痕文件",
    "subsidy_type": "补贴项目", "database": "数据库", "bulletin": "公开表（年月）",
    "user": "用户", "exchange_key": "本数据库密钥",
}
# entity → the table whose row names its village (the entity id is that row's id)
_VILLAGE_OF: dict[str, Any] = {
    "payout": Payout, "person": Person, "publication": Publication, "notice": Notice,
    "filed_piece": FiledPiece, "import_batch": ImportBatch, "catalog_version": CatalogVersion,
    "archive_box": ArchiveBox,
}
_VILLAGE_IS_ENTITY = ("village", "archive_settings")


ACTOR_ENV = "CUNWU_ACTOR"  # the command line's acting person, e.g. set once in a clerk's shortcut


def default_actor() -> str:
    """Who acts when no name was given: CUNWU_ACTOR, else the OS login (the window asks for a name)."""
    named = " ".join(os.environ.get(ACTOR_ENV, "").split())
    if named:
        return named[:60]
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, odd Windows setups)
        return "未知用户"


def person_connected(session: Session) -> str | None:
    """The audit name of the person this PostgreSQL session is connected as; None for the owner and SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    person = session.exec(select(AppUser).where(AppUser.login == func.current_user())).first()
    return actor_name(person.login, person.display_name) if person else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _jsonable(getattr(obj, name)) for name in fields}


# --- the chain -----------------------------------------------------------------------------------


def utc_iso(at: dt.datetime) -> str:
    """The entry's time as hashed: UTC, microseconds, with its offset (a naive value is UTC, as stored)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(entry_id: int, at: dt.datetime, actor: str, action: str, entity: str, entity_id: int | None,
              village_id: int | None, before: str, after: str, prev_hash: str) -> bytes:
    """An entry's content as hashed: JSON with sorted keys and fixed separators, UTF-8, unescaped."""
    content = {
        "v": CHAIN_VERSION, "id": entry_id, "at": utc_iso(at), "actor": actor, "action": action,
        "entity": entity, "entity_id": entity_id, "village_id": village_id, "before": before, "after": after,
        "prev": prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(entry_id: int, at: dt.datetime, actor: str, action: str, entity: str, entity_id: int | None,
               village_id: int | None, before: str, after: str, prev_hash: str) -> str:
    return hashlib.sha256(
        canonical(entry_id, at, actor, action, entity, entity_id, village_id, before, after, prev_hash)
    ).hexdigest()


def anchor_code(hash_hex: str) -> str:
    """The first 12 hex digits of a hash as letters in groups of 4, e.g. "KMTX-ACPR-DEFH"."""
    letters = "".join(CODE_LETTERS[int(c, 16)] for c in hash_hex[:CODE_DIGITS])
    return "-".join(letters[i:i + 4] for i in range(0, len(letters), 4))


def code_prefix(code: str) -> str:
    """The hex prefix a printed code stands for; ServiceError for anything that is not such a code."""
    letters = "".join(ch for ch in code.upper() if not ch.isspace() and ch not in "-－—_")
    if len(letters) != CODE_DIGITS or any(ch not in CODE_LETTERS for ch in letters):
        raise ServiceError(f"校验码“{code}”格式不对：应为公开表页脚上的 12 个字母，例如 KMTX-ACPR-DEFH")
    return "".join(f"{CODE_LETTERS.index(ch):x}" for ch in letters)


@dataclass(frozen=True)
class Anchor:
    entry_id: int  # 0: the log was empty
    hash: str

    @property
    def code(self) -> str:
        return anchor_code(self.hash) if self.entry_id else ""

    @property
    def text(self) -> str:
        """As printed in a posted sheet's footer."""
        return f"{self.code}（第 {self.entry_id} 条）" if self.entry_id else ""


def _head(session: Session) -> AuditHead:
    """The chain's head, locked for this transaction (FOR UPDATE: PostgreSQL serialises writers on it).

    A primary-key lookup of one row: constant time however long the log is."""
    head = session.exec(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()).first()
    if head is None:  # a database made without the migrations (create_all): start the chain here
        last = session.exec(select(AuditLog).order_by(col(AuditLog.id).desc()).limit(1)).first()
        head = AuditHead(id=HEAD_ID, last_id=(last.id or 0) if last else 0,
                         last_hash=(last.hash or GENESIS) if last else GENESIS)
        session.add(head)
        session.flush()
    return head


def head(session: Session) -> Anchor:
    """The chain's last entry now (locked until the caller's transaction ends): a publication's anchor."""
    current = _head(session)
    return Anchor(current.last_id, current.last_hash)


def _village_in(values: Iterable[dict[str, Any] | None]) -> tuple[int | None, str | None]:
    for value in values:
        if value and isinstance(value.get("village_id"), int) and not isinstance(value["village_id"], bool):
            return value["village_id"], None
    for value in values:
        if value and isinstance(value.get("village"), str) and value["village"]:
            return None, value["village"]
    return None, None


def _village_of(session: Session, entity: str, entity_id: int | None, before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> int | None:
    """The village the change concerns (None: the township or the whole database)."""
    by_id, by_name = _village_in((after, before))
    if by_id is not None:
        return by_id
    if entity in _VILLAGE_IS_ENTITY and entity_id is not None:
        return entity_id
    if entity_id is not None:
        model = _VILLAGE_OF.get(entity)
        if model is not None:
            row = session.get(model, entity_id)
            if row is not None and row.village_id is not None:
                return int(row.village_id)
        if entity == "evidence":
            piece_village = session.exec(
                select(FiledPiece.village_id).join(Evidence, col(Evidence.piece_id) == col(FiledPiece.id))
                .where(Evidence.id == entity_id)
            ).first()
            if piece_village is not None:
                return int(piece_village)
    if by_name:
        return session.exec(select(Village.id).where(Village.name == by_name)).first()
    return None


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry, chained onto the head (called once per change or import batch, never per row).

    On PostgreSQL a person connected with their own login is the actor whatever the caller says (the
    database refuses any other name: app.storage.pg_security); the owner's connection keeps `actor`."""
    actor = person_connected(session) or actor
    before_text = json.dumps(before, ensure_ascii=False, sort_keys=True) if before else ""
    after_text = json.dumps(after, ensure_ascii=False, sort_keys=True) if after else ""
    village_id = _village_of(session, entity, entity_id, before, after)
    current = _head(session)
    entry = AuditLog(
        id=current.last_id + 1,
        at=dt.datetime.now(dt.UTC),
        actor=actor or default_actor(),
        action=action,
        entity=entity,
        entity_id=entity_id,
        village_id=village_id,
        before=before_text,
        after=after_text,
        prev_hash=current.last_hash,
    )
    assert entry.id is not None
    entry.hash = entry_hash(entry.id, entry.at, entry.actor, action, entity, entity_id, village_id,
                            before_text, after_text, current.last_hash)
    session.add(entry)
    current.last_id, current.last_hash = entry.id, entry.hash
    session.add(current)
    session.flush()  # the entry and the new head in this transaction, before anything else reads them


def entries(session: Session, entity: str | None = None, action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).order_by(col(AuditLog.id))
    if entity:
        query = query.where(AuditLog.entity == entity)
    if action:
        query = query.where(AuditLog.action == action)
    return list(session.exec(query))


# --- verifying -----------------------------------------------------------------------------------


def local_time(at: dt.datetime | None) -> str:
    if at is None:
        return "时间不详"
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    at: dt.datetime | None
    kind: str  # changed, deleted, inserted, head
    message: str


@dataclass(frozen=True)
class CodeCheck:
    code: str
    entry_id: int | None  # the entry it pins, when the chain still has it
    ok: bool
    message: str


@dataclass(frozen=True)
class Verification:
    count: int
    head: Anchor
    problem: ChainProblem | None
    codes: tuple[CodeCheck, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None and all(c.ok for c in self.codes)

    @property
    def summary(self) -> str:
        if self.problem is not None:
            return f"操作日志被改动过：{self.problem.message}"
        failed = [c for c in self.codes if not c.ok]
        if failed:
            return f"操作日志被改写过：{failed[0].message}"
        if not self.count:
            return "操作日志完好：还没有任何记录"
        pinned = f"；公开表校验码 {'、'.join(c.code for c in self.codes)} 均在链上" if self.codes else ""
        return (f"操作日志完好：共 {self.count} 条记录，校验链无断点，最后一条为第 {self.head.entry_id} 条"
                f"（校验码 {self.head.code}）{pinned}")


def _entry_text(entry_id: int, at: dt.datetime | None) -> str:
    return f"第 {entry_id} 条记录（{local_time(at)}）"


def _publication_of(session: Session, prefix: str) -> Publication | None:
    return session.exec(
        select(Publication).where(col(Publication.anchor_hash).startswith(prefix, autoescape=True))
    ).first()


class _Opener:
    """Opens the before/after text sealed by migration 0013 (app.storage.sealed) with the database's key,
    asked for only when a sealed text is met."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def hashed(self, entry_id: int, column: str, text: str) -> str | None:
        """The text as it was hashed; None for a sealed text that does not open (changed or moved)."""
        if not sealed.is_sealed(text):
            return text
        try:
            return sealed.open_audit_text(self._db.cipher, entry_id, column, text)
        except sealed.SealBroken:
            return None

    def matches(self, row: Any) -> bool:
        """The entry's content still hashes to its stored hash."""
        entry_id = int(row.id)
        before, after = self.hashed(entry_id, "before", row.before), self.hashed(entry_id, "after", row.after)
        return before is not None and after is not None and row.hash == entry_hash(
            entry_id, row.at, row.actor, row.action, row.entity, row.entity_id, row.village_id, before, after,
            row.prev_hash)

    def shown(self, entry_id: int, column: str, text: str) -> str:
        """The text as the listing shows it: a sealed one opened and masked through the gate."""
        if not sealed.is_sealed(text):
            return text
        try:
            return scrub_free_text(sealed.open_audit_text(self._db.cipher, entry_id, column, text))
        except sealed.SealBroken:
            return "（内容无法解密：这条记录被改动过，请用“核对操作日志”检查）"


def verify(db: Database, codes: Iterable[str] = ()) -> Verification:
    """Walk the whole chain in id order; with `codes` (from posted sheets' footers) also check that the
    chain still holds the entries they pin. Read-only: takes no lock, changes nothing."""
    wanted = {code_prefix(code): code for code in codes}
    found: dict[str, tuple[int, dt.datetime]] = {}
    log = table_of(AuditLog).c
    columns = (log.id, log.at, log.actor, log.action, log.entity, log.entity_id, log.village_id, log.before,
               log.after, log.prev_hash, log.hash)
    problem: ChainProblem | None = None
    count = 0
    opener = _Opener(db)
    with db.reading() as session:
        stored_head = session.exec(select(AuditHead).where(AuditHead.id == HEAD_ID)).first()
        head_anchor = Anchor(stored_head.last_id, stored_head.last_hash) if stored_head else Anchor(0, GENESIS)
        previous: tuple[int, dt.datetime, str] | None = None  # id, time, hash
        rows = session.execute(select_columns(*columns).order_by(log.id).execution_options(yield_per=2000))
        for row in rows:
            count += 1
            entry_id, at = int(row.id), row.at
            expected_prev = previous[2] if previous else GENESIS
            first_id = previous[0] + 1 if previous else 1
            if stored_head is None or entry_id > head_anchor.entry_id or not row.hash:
                problem = ChainProblem(entry_id, at, "inserted",
                                       f"{_entry_text(entry_id, at)}不在校验链上：是绕过本程序插入的")
            elif row.prev_hash != expected_prev:
                if entry_id > first_id:
                    missing = f"第 {first_id} 条" if entry_id == first_id + 1 else f"第 {first_id}–{entry_id - 1} 条"
                    after = f"，在{_entry_text(previous[0], previous[1])}之后" if previous else ""
                    problem = ChainProblem(first_id, None, "deleted",
                                           f"{missing}记录被删除了（缺在{_entry_text(entry_id, at)}之前{after}）")
                elif previous is not None:
                    problem = ChainProblem(entry_id, at, "inserted",
                                           f"{_entry_text(entry_id, at)}与前一条（第 {previous[0]} 条）接不上："
                                           f"第 {entry_id} 条是后来插入或替换的，或第 {previous[0]} 条被改动后重算过校验码")
                else:
                    problem = ChainProblem(entry_id, at, "inserted",
                                           f"{_entry_text(entry_id, at)}不是校验链的开头：是后来插入或替换的")
            elif not opener.matches(row):
                problem = ChainProblem(entry_id, at, "changed",
                                       f"{_entry_text(entry_id, at)}的内容被改动过：与它的校验码不符")
            if problem is not None:
                break
            prefix = row.hash[:CODE_DIGITS]
            if prefix in wanted:
                found[prefix] = (entry_id, at)
            previous = (entry_id, at, row.hash)
        if problem is None:
            if stored_head is None and count:
                problem = ChainProblem(0, None, "head", "校验链的链头记录缺失（数据库被改动过）")
            elif previous is None and head_anchor.entry_id:
                problem = ChainProblem(1, None, "deleted",
                                       f"第 1–{head_anchor.entry_id} 条记录全部被删除了")
            elif previous is not None and head_anchor.entry_id > previous[0]:
                last = previous[0] + 1
                problem = ChainProblem(last, None, "deleted",
                                       f"第 {last} 条及以后的记录被删除了（{_entry_text(previous[0], previous[1])}之后，"
                                       f"校验链的最后一条应为第 {head_anchor.entry_id} 条）")
            elif previous is not None and head_anchor.hash != previous[2]:
                problem = ChainProblem(previous[0], previous[1], "changed",
                                       f"{_entry_text(previous[0], previous[1])}与校验链的链头不符："
                                       "它被改动后重算过校验码，或是替换进来的")
        checks = []
        for prefix in wanted:
            shown = anchor_code(prefix)
            if prefix in found:
                entry_id, at = found[prefix]
                checks.append(CodeCheck(shown, entry_id, True, f"校验码 {shown} 对应{_entry_text(entry_id, at)}，仍在链上"))
                continue
            publication = _publication_of(session, prefix)
            pinned = f"（它记的是第 {publication.anchor_entry_id} 条）" if publication else ""
            checks.append(CodeCheck(
                shown, None, False,
                f"公开表上的校验码 {shown}{pinned}在操作日志中找不到：张贴那天及以前的记录被改写过、"
                "重算了校验码（或校验码抄错了，请与纸质公开表核对）"))
    return Verification(count, head_anchor, problem, tuple(checks))


# --- listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime  # UTC
    actor: str
    action: str
    entity: str
    entity_id: int | None
    village: str  # "" for the township or the whole database
    before: str  # JSON text as recorded ("" when none)
    after: str

    @property
    def time_text(self) -> str:
        return local_time(self.at)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def entity_label(self) -> str:
        return ENTITY_LABELS.get(self.entity, self.entity)

    @property
    def subject(self) -> str:
        """What was changed, e.g. "发放记录 #12"."""
        return self.entity_label + (f" #{self.entity_id}" if self.entity_id is not None else "")

    @property
    def change_text(self) -> str:
        """Before and after in words: each recorded field by its Chinese name, money in yuan (personal
        numbers are masked by whatever shows it)."""
        before, after = described(self.before), described(self.after)
        if before and after:
            return f"原：{before}　新：{after}"
        return after or (f"原：{before}" if before else "")

    def as_dict(self) -> dict[str, Any]:
        def parsed(text: str) -> Any:
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text

        return {"id": self.id, "time": self.time_text, "time_utc": utc_iso(self.at), "actor": self.actor,
                "village": self.village, "action": self.action, "action_label": self.action_label,
                "entity": self.entity, "entity_label": self.entity_label, "entity_id": self.entity_id,
                "before": parsed(self.before), "after": parsed(self.after)}


# The fields services record, as a township official reads them (keys not listed: 其他).
FIELD_LABELS = {
    "name": "名称", "village": "村", "village_id": "村编号", "code": "代码", "township_name": "乡镇名称",
    "township_code": "乡镇代码", "contact_person": "联系人", "consult_phone": "咨询电话", "supervision_phone": "监督电话",
    "board_place": "公开栏位置", "board_hours": "公开时间", "sheet_order": "名单顺序", "reason": "原因", "period": "月份",
    "month": "月份", "note": "备注", "amount_fen": "金额", "total_fen": "合计", "subsidy": "补贴项目",
    "subsidy_type_id": "补贴项目编号", "state": "状态", "standard": "发放标准", "pay_date": "发放日期", "item": "事项",
    "rows": "行数", "subject": "标题", "start": "开始", "end": "结束", "title": "题名", "kind": "类别", "year": "年度",
    "person": "人员", "person_id": "人员编号", "payouts": "发放记录", "payout_id": "发放记录编号", "number": "编号",
    "id_number": "身份证号", "id_masked": "身份证号", "phone_masked": "电话", "account_masked": "账号", "group_id": "组",
    "group": "组别", "file_name": "文件名", "file_hash": "文件校验码", "batch_id": "导入批次", "posted_on": "张贴日期",
    "posted_by": "张贴人", "posted": "张贴", "photo_sha256": "照片校验码", "corrections_listed": "列入的更正",
    "correction_id": "更正编号", "new_people": "新增人员", "forced": "强制导入", "retention": "保管期限",
    "pieces_boxed": "装盒件数", "fonds": "全宗号", "doc_class": "门类代码", "default_category": "机构（问题）代码",
    "responsible": "责任者", "category": "类别", "content": "内容", "raised_by": "异议人", "handling": "处理情况",
    "handled_by": "处理人", "handled_on": "处理日期", "outcome": "处理结果", "relation": "关系", "signed_by": "签署人",
    "signed_on": "签署日期", "holidays": "放假日期", "workdays": "调休上班日期", "items": "事项", "standard_number": "标准版本",
    "safety_copy": "恢复前备份", "source_order": "原表行号", "area_e4": "面积", "rate_fen": "补贴标准", "amount": "金额",
    "file": "文件", "status": "状态", "deadline": "截止日期", "open_objections": "未处理异议", "names": "姓名",
    "by": "经办人", "from": "来自", "how": "方式", "pages": "页数", "channel": "发布范围",
    "result": "公示结果", "source": "来源", "source_kind": "来源",
    "meaning": "签署意见", "phone": "电话", "account": "账号",
    "created_at": "创建时间", "updated_at": "修改时间",
    "fingerprint": "公钥指纹", "seq": "数据包序号", "full": "全部记录", "to": "发给", "people": "人员",
    "publications": "公开表", "corrections": "更正", "catalog": "公开目录事项", "changes": "变化",
    "role": "角色", "login": "用户名", "display_name": "姓名", "villages": "负责的村", "disabled": "已停用",
}


_SOURCES = {"publication": "公开表", "import_batch": "导入的发放明细", "notice": "公示"}


def _coded(key: str, value: str) -> str | None:
    """A stored code as its word: a notice's state, a retention period, where a filed piece came from."""
    from app.core.archive import Retention
    from app.core.notices import STATE_LABELS, State
    from app.core.roles import Role

    if key == "state" and value in State._value2member_map_:
        return STATE_LABELS[State(value)]
    if key == "retention" and value in Retention._value2member_map_:
        return Retention(value).label
    if key in ("source", "source_kind"):
        return _SOURCES.get(value)
    if key == "role" and value in Role._value2member_map_:
        return Role(value).label
    return None


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, str):
        return _coded(key, value) or value
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("_fen") and isinstance(value, int):
        return f"{value // 100}.{value % 100:02d} 元" if value >= 0 else f"-{-value // 100}.{-value % 100:02d} 元"
    if isinstance(value, dict):
        return "（" + _fields_text(value) + "）"
    if isinstance(value, list):
        shown = "、".join(_value_text(key, item) for item in value[:5])
        return shown + (f" 等 {len(value)} 项" if len(value) > 5 else "")
    return "" if value is None else str(value)


def _fields_text(values: dict[str, Any]) -> str:
    """Empty fields (no reason given, no result yet) are left out: they say nothing."""
    return "，".join(f"{FIELD_LABELS.get(key, '其他')}：{_value_text(key, value)}"
                    for key, value in values.items() if value not in (None, "", [], {}))


def described(recorded: str) -> str:
    """A recorded before/after (JSON text) in words; text that is not a JSON object stays as it is."""
    if not recorded:
        return ""
    try:
        values = json.loads(recorded)
    except ValueError:
        return recorded
    return _fields_text(values) if isinstance(values, dict) else _value_text("", values)


@dataclass(frozen=True)
class AuditListing:
    entries: tuple[AuditEntry, ...]
    total: int  # matching entries, also those beyond `limit`


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).astimezone()


def list_entries(
    db: Database,
    village: str | None = None,
    who: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> AuditListing:
    """Entries by village (name), person (part of the name) and local dates (both days included)."""
    if start and end and end < start:
        raise ServiceError("结束日期早于开始日期")
    with db.reading() as session:
        names = dict(session.exec(select(Village.id, Village.name)).all())
        conditions = []
        if village:
            from app.services.villages import find_village

            conditions.append(col(AuditLog.village_id) == find_village(session, village).id)
        if who and who.strip():
            conditions.append(col(AuditLog.actor).contains(who.strip(), autoescape=True))
        if start:
            conditions.append(col(AuditLog.at) >= _local_midnight(start))
        if end:
            conditions.append(col(AuditLog.at) < _local_midnight(end + dt.timedelta(days=1)))
        total = session.exec(select(func.count()).select_from(AuditLog).where(*conditions)).one()
        order = col(AuditLog.id).desc() if newest_first else col(AuditLog.id)
        query = select(AuditLog).where(*conditions).order_by(order)
        if limit is not None:
            query = query.limit(limit)
        opener = _Opener(db)
        rows = [
            AuditEntry(e.id or 0, e.at, e.actor, e.action, e.entity, e.entity_id,
                       names.get(e.village_id, "") if e.village_id is not None else "",
                       opener.shown(e.id or 0, "before", e.before), opener.shown(e.id or 0, "after", e.after))
            for e in session.exec(query)
        ]
    return AuditListing(tuple(rows), int(total))


def actors(db: Database) -> list[str]:
    """Everyone the log names, for the page's person filter."""
    with db.reading() as session:
        return sorted(a for a in session.exec(select(AuditLog.actor).distinct()) if a)
