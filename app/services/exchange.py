"""Offline exchange packages (issue 16): a village without a link to the township hands its records
over on a USB stick, and the township's catalog and holiday tables travel back the same way.

Village → township: the village's settings, villager groups, import batches, publications and
corrections (all of them: a few rows a month), the payouts written or changed since the last export
(with the people they name, their ID number, phone and account decrypted here and sealed again inside
the package for the township alone), and the ids of every payout the village still holds (so the
township drops what the village deleted). The township applies a package in one transaction:
  - the sender's row ids are mapped to the township's (exchange_row_map), so the same rows applied
    twice are found, not added again; people are matched by their blind index under the township's
    own key (the import's matching, app.services.importing);
  - a package already applied is said to be so; an older one is refused (a replay), and so is a
    package after a missing one, unless it is complete (`--full`);
  - a payout in a month the township holds a posted sheet for must be as the township has it: any
    difference refuses the whole package, listing each conflict.
Township → village: the standard catalog's latest version and the stored holiday tables (complete
every time: they are small).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.core import exchange_package as package
from app.core import names
from app.core.crypto import PersonCipher
from app.core.exchange_package import Header, PackageError
from app.core.money import format_yuan
from app.core.payout_table import ParsedTable, PayoutRow
from app.core.periods import format_month_zh
from app.services import audit
from app.services.catalog import catalog_entry, ensure_standard, latest_version, push_standard, save_version, version_entries
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.exchange_keys import own_key_pair, public_keys, trusted_key
from app.services.importing import ensure_groups, existing_people, write_people
from app.services.notices import HOLIDAY_KEY
from app.services.payouts import store_contacts
from app.services.villages import find_village
from app.storage.engine import Database
from app.storage.models import (
    AppSetting,
    CatalogItem,
    Correction,
    ImportBatch,
    Payout,
    Person,
    Publication,
    SubsidyType,
    Village,
    VillagerGroup,
    utcnow,
)
from app.storage.models_exchange import ExchangeProgress, ExchangeRowMap

SENT, APPLIED = "sent", "applied"
ALREADY_APPLIED = "该数据包已导入过，没有新的变化"

SETTING_FIELDS = ("code", "supervision_phone", "consult_phone", "contact_person", "board_place", "board_hours",
                  "sheet_order")
TYPE_FIELDS = ("name", "category", "rhythm", "sensitive", "basis", "aliases", "issuer")
BATCH_FIELDS = ("file_name", "file_hash", "imported_at", "imported_by", "row_count", "skipped_count", "total_fen",
                "forced")
PAYOUT_FIELDS = ("period", "amount_fen", "pay_date", "standard", "note", "area_e4", "rate_fen", "source_order",
                 "created_at", "updated_at")
PUBLICATION_FIELDS = ("period", "posted_on", "posted_by", "posting_start", "posting_end", "channel", "sheet_order",
                      "payout_count", "total_fen", "photo_name", "photo_sha256", "created_at", "anchor_entry_id",
                      "anchor_hash")
CORRECTION_FIELDS = ("old_amount_fen", "new_amount_fen", "reason", "created_by", "created_at")
CATALOG_ITEM_FIELDS = ("code", "origin", "name", "content", "basis", "time_limit", "responsible", "channels",
                       "audience", "manner", "rhythm", "due_day", "phone")
_DATES = {"period", "pay_date", "posted_on", "posting_start", "posting_end"}
_TIMES = {"imported_at", "created_at", "updated_at"}
# Compared to tell a changed payout (the times say when, not what)
_PAYOUT_CONTENT = ("period", "amount_fen", "pay_date", "standard", "note", "area_e4", "rate_fen", "source_order")


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True)
class ExportResult:
    village: str
    seq: int
    full: bool
    fingerprint: str  # the signing key's
    counts: dict[str, int]  # table → rows in the package

    def sentence(self, written_to: object) -> str:
        """What the clerk is told, on the command line and in the window alike."""
        counts = self.counts
        if "payouts" in counts:
            what = "完整" if self.full else "自上次导出以来的"
            said = (f"已导出{self.village}第 {self.seq} 号数据包（{what}记录：发放记录 {counts['payouts']} 条、"
                    f"人员 {counts['people']} 人、公开表 {counts['publications']} 张）：{written_to}")
        else:
            said = (f"已为{self.village}导出第 {self.seq} 号数据包（标准公开目录 {counts['catalog']} 项、"
                    f"节假日表 {counts['holidays']} 年）：{written_to}")
        return f"{said}\n签名公钥指纹：{self.fingerprint}"


@dataclass(frozen=True)
class PostedConflict:
    village: str
    period: dt.date
    person: str  # masked name and masked ID number
    subsidy: str
    what: str

    @property
    def text(self) -> str:
        return f"{self.village}{format_month_zh(self.period)}：{self.person}“{self.subsidy}”{self.what}"


@dataclass(frozen=True)
class ImportResult:
    village: str
    kind: str  # package.VILLAGE_TO_TOWNSHIP or package.TOWNSHIP_TO_VILLAGE
    seq: int
    already: bool
    counts: dict[str, Counts] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        if self.already:
            return ALREADY_APPLIED
        shown = changes_text(self.counts)
        source = (f"{self.village}第 {self.seq} 号数据包" if self.kind == package.VILLAGE_TO_TOWNSHIP
                  else f"乡镇发给{self.village}的第 {self.seq} 号数据包")
        return f"已导入{source}：" + ("；".join(shown) if shown else "没有新的变化")


LABELS = {"village": "村设置", "villager_group": "村民小组", "subsidy_type": "补贴项目", "person": "人员",
          "import_batch": "导入批次", "payout": "发放记录", "publication": "公开表", "correction": "更正",
          "catalog": "标准公开目录", "holidays": "节假日表"}


def changes_text(counts: dict[str, Counts]) -> list[str]:
    """What a package changed, table by table, as the clerk and the operation log read it."""
    return [f"{LABELS.get(table, table)} 新增 {c.added}、修改 {c.changed}" + (f"、删除 {c.removed}" if c.removed else "")
            for table, c in counts.items() if c.any]


# --- reading and writing values ----------------------------------------------------------------------


def _values(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return audit.snapshot(row, fields)


def _parsed(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A package's values back into the columns' types (dates and times are ISO text in the JSON)."""
    parsed: dict[str, Any] = {}
    for name in fields:
        value = values[name]
        if value is not None and name in _DATES:
            value = dt.date.fromisoformat(value)
        elif value is not None and name in _TIMES:
            value = dt.datetime.fromisoformat(value)
        parsed[name] = value
    return parsed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _said(file_name: str, error: Exception) -> ServiceError:
    if isinstance(error, PackageError):
        return ServiceError(str(error))
    return ServiceError(f"数据包“{file_name}”的内容不完整或不是本版本能读的，没有导入")


def _progress(session: Session, village_id: int, direction: str) -> ExchangeProgress:
    row = session.exec(select(ExchangeProgress).where(ExchangeProgress.village_id == village_id,
                                                      ExchangeProgress.direction == direction)).first()
    return row or ExchangeProgress(village_id=village_id, direction=direction)


def _advance(session: Session, progress: ExchangeProgress, seq: int, digest: str,
             watermark: dt.datetime | None = None) -> None:
    progress.seq, progress.package_sha256, progress.updated_at = seq, digest, utcnow()
    if watermark is not None:
        progress.watermark = watermark
    session.add(progress)


# --- village → township: export ------------------------------------------------------------------------


def export_village(db: Database, village_name: str, write: Callable[[bytes], None], actor: str,
                   full: bool = False) -> ExportResult:
    """The village's package for the township, handed to `write` (an atomic file write) inside the
    transaction that advances the sequence number: a failed write leaves the number where it was."""
    with db.transaction() as session:
        village = find_village(session, village_name)
        pair = own_key_pair(session, actor)
        township = trusted_key(session, None)
        if township is None:
            raise ServiceError("还没有登记乡镇的公钥：请先用乡镇给的公钥文件执行“cunwu exchange trust --township 文件”")
        progress = _progress(session, village.id or 0, SENT)
        started = utcnow()
        since = None if full or progress.watermark is None else progress.watermark
        payload = _village_payload(session, db.cipher, village, since)
        header = Header(package.VILLAGE_TO_TOWNSHIP, village.name, progress.seq + 1, started.isoformat(),
                        pair.public.fingerprint, township.fingerprint, full=since is None)
        data = package.build(header, payload, pair, public_keys(township))
        _advance(session, progress, header.seq, _sha256(data), started)
        counts = {table: len(payload[table]) for table in ("people", "payouts", "publications", "corrections")}
        audit.record(session, actor, "exchange_export", "village", village.id,
                     after={"seq": header.seq, "full": header.full, "to": township.fingerprint, **counts})
        write(data)
        return ExportResult(village.name, header.seq, header.full, pair.public.fingerprint, counts)


def _village_payload(session: Session, cipher: PersonCipher, village: Village, since: dt.datetime | None) -> dict:
    village_id = village.id or 0
    payouts = list(session.exec(select(Payout).where(Payout.village_id == village_id).order_by(col(Payout.id))))
    all_ids = [p.id for p in payouts]
    if since is not None:
        payouts = [p for p in payouts if _aware(p.updated_at) >= since or _aware(p.created_at) >= since]
    person_ids = sorted({p.person_id for p in payouts})
    people = [person for person in session.exec(select(Person).where(col(Person.id).in_(person_ids)))] if person_ids else []
    groups = list(session.exec(select(VillagerGroup).where(VillagerGroup.village_id == village_id)))
    type_ids = sorted({p.subsidy_type_id for p in payouts})
    types = list(session.exec(select(SubsidyType).where(col(SubsidyType.id).in_(type_ids)))) if type_ids else []
    corrections = session.exec(select(Correction).join(Payout, col(Correction.payout_id) == col(Payout.id))
                               .where(Payout.village_id == village_id).order_by(col(Correction.id)))
    return {
        "village": _values(village, SETTING_FIELDS),
        "groups": [{"id": g.id, "name": g.name} for g in groups],
        "subsidy_types": [{"id": t.id, **_values(t, TYPE_FIELDS)} for t in types],
        "people": [_person_values(cipher, person) for person in people],
        "batches": [{"id": b.id, **_values(b, BATCH_FIELDS)}
                    for b in session.exec(select(ImportBatch).where(ImportBatch.village_id == village_id))],
        "payouts": [{"id": p.id, "person": p.person_id, "subsidy": p.subsidy_type_id, "batch": p.batch_id,
                     **_values(p, PAYOUT_FIELDS)} for p in payouts],
        "payout_ids": all_ids,
        "publications": [{"id": p.id, **_values(p, PUBLICATION_FIELDS)}
                         for p in session.exec(select(Publication).where(Publication.village_id == village_id))],
        "corrections": [{"id": c.id, "payout": c.payout_id, "listed_in": c.listed_in_id,
                         **_values(c, CORRECTION_FIELDS)} for c in corrections],
    }


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _person_values(cipher: PersonCipher, person: Person) -> dict[str, Any]:
    """A person with the full numbers: the township matches and seals them under its own key."""
    return {"id": person.id, "name": person.name, "group": person.group_id,
            "id_number": cipher.decrypt("id_number", person.id_index, person.id_cipher),
            "phone": cipher.decrypt("phone", person.id_index, person.phone_cipher),
            "account": cipher.decrypt("account", person.id_index, person.account_cipher)}


# --- importing ----------------------------------------------------------------------------------------


def import_package(db: Database, data: bytes, file_name: str, actor: str) -> ImportResult:
    """Check and apply a package: a village's at the township, the township's at a village."""
    try:
        header = package.read_header(data, file_name)
    except PackageError as exc:
        raise _said(file_name, exc) from exc
    if header.kind == package.VILLAGE_TO_TOWNSHIP:
        return _import_village(db, header, data, file_name, actor)
    return _import_township(db, header, data, file_name, actor)


def _opened(session: Session, data: bytes, file_name: str, sender: Any, actor: str) -> dict:
    try:
        payload = package.open_package(data, file_name, public_keys(sender), own_key_pair(session, actor))
    except PackageError as exc:
        raise _said(file_name, exc) from exc
    if not isinstance(payload, dict):
        raise _said(file_name, ValueError())
    return payload


def _check_sequence(progress: ExchangeProgress, header: Header, digest: str, source: str, file_name: str) -> bool:
    """True: this very package was applied last. Refused: an older one, another with the same number, or
    one after a missing package (unless complete)."""
    if header.seq == progress.seq and digest == progress.package_sha256:
        return True
    if header.seq <= progress.seq:
        raise Conflict(f"数据包“{file_name}”是{source}第 {header.seq} 号数据包，本数据库已导入到第 {progress.seq} 号："
                       "这是较早的数据包，没有导入")
    if header.seq > progress.seq + 1 and not header.full:
        raise ServiceError(f"数据包“{file_name}”是{source}第 {header.seq} 号数据包，本数据库只导入到第 {progress.seq} 号："
                           f"请先导入第 {progress.seq + 1} 号，或在导出方用 --full 导出完整数据包")
    return False


def _import_village(db: Database, header: Header, data: bytes, file_name: str, actor: str) -> ImportResult:
    with db.transaction() as session:
        village = session.exec(select(Village).where(Village.name == header.village)).first()
        if village is None:
            raise NotFound(f"本数据库中没有“{header.village}”，数据包“{file_name}”没有导入：请先添加这个村"
                           f"（cunwu village add {header.village}）并登记它的公钥")
        sender = trusted_key(session, village.id)
        if sender is None:
            raise ServiceError(f"还没有登记{village.name}的公钥，数据包“{file_name}”没有导入：请先执行"
                               f"“cunwu exchange trust --village {village.name} 公钥文件”")
        payload = _opened(session, data, file_name, sender, actor)
        progress = _progress(session, village.id or 0, APPLIED)
        digest = _sha256(data)
        if _check_sequence(progress, header, digest, village.name, file_name):
            return ImportResult(village.name, header.kind, header.seq, True)
        try:
            applier = _VillageApply(session, db.cipher, village, payload, actor)
            conflicts = applier.conflicts()
        except (KeyError, TypeError, ValueError) as exc:
            raise _said(file_name, exc) from exc
        if conflicts:
            raise Conflict(f"数据包“{file_name}”与本数据库已张贴公开表的月份有 {len(conflicts)} 处不一致，整个数据包没有导入",
                           [f"数据包“{file_name}”与已张贴的月份不一致（整个数据包没有导入）："]
                           + [c.text for c in conflicts])
        try:
            counts = applier.apply()
        except (KeyError, TypeError, ValueError) as exc:
            raise _said(file_name, exc) from exc
        _advance(session, progress, header.seq, digest)
        audit.record(session, actor, "exchange_import", "village", village.id,
                     after={"seq": header.seq, "full": header.full, "from": header.sender, "file": file_name,
                            "changes": "；".join(changes_text(counts)) or "无"})
        return ImportResult(village.name, header.kind, header.seq, False, counts)


class _VillageApply:
    """One village package against the township's database, inside the caller's transaction."""

    def __init__(self, session: Session, cipher: PersonCipher, village: Village, payload: dict, actor: str) -> None:
        self.session, self.cipher, self.village, self.payload, self.actor = session, cipher, village, payload, actor
        self.village_id = village.id or 0
        self.maps: dict[tuple[str, int], ExchangeRowMap] = {
            (m.table_name, m.source_id): m
            for m in session.exec(select(ExchangeRowMap).where(ExchangeRowMap.village_id == self.village_id))
        }
        self.people = {int(p["id"]): p for p in payload["people"]}
        self.known = existing_people(session, {str(p["id_number"]) for p in self.people.values()})
        self.types = {int(t["id"]): t for t in payload["subsidy_types"]}
        self.type_ids = {name: type_id for type_id, name in session.exec(select(SubsidyType.id, SubsidyType.name))}
        self.local = {p.id: p for p in session.exec(select(Payout).where(Payout.village_id == self.village_id))}
        self.by_key = {(p.person_id, p.subsidy_type_id, p.period): p for p in self.local.values()}
        self.posted = set(session.exec(select(col(Publication.period)).where(Publication.village_id == self.village_id)))
        self.kept = {int(i) for i in payload["payout_ids"]}

    def _mapped(self, table: str, source_id: int | None) -> int | None:
        found = self.maps.get((table, source_id)) if source_id is not None else None
        return found.local_id if found else None

    def _map(self, table: str, source_id: int, local_id: int) -> None:
        row = self.maps.get((table, source_id))
        if row is None:
            row = ExchangeRowMap(village_id=self.village_id, table_name=table, source_id=source_id, local_id=local_id)
            self.maps[(table, source_id)] = row
        row.local_id = local_id
        self.session.add(row)

    # -- conflicts with posted months

    def _who(self, source_person: int) -> str:
        person = self.people[source_person]
        return f"{names.mask_given_name(str(person['name']))}（{_masked_id(str(person['id_number']))}）"

    def _township_person(self, source_person: int) -> int | None:
        known = self.known.get(str(self.people[source_person]["id_number"]))
        return known[0] if known else None

    def conflicts(self) -> list[PostedConflict]:
        found: list[PostedConflict] = []
        name = self.village.name
        for values in self.payload["payouts"]:
            period = dt.date.fromisoformat(values["period"])
            if period not in self.posted:
                continue
            subsidy = str(self.types[int(values["subsidy"])]["name"])
            current = self._current(values)
            wanted = int(values["amount_fen"])
            if current is None:
                found.append(PostedConflict(name, period, self._who(int(values["person"])), subsidy,
                                            f"本数据库没有这条发放记录（数据包中 {format_yuan(wanted)} 元）"))
            elif current.amount_fen != wanted:
                found.append(PostedConflict(name, period, self._who(int(values["person"])), subsidy,
                                            f"金额不同：本数据库 {format_yuan(current.amount_fen)} 元，"
                                            f"数据包 {format_yuan(wanted)} 元"))
        for (table, source_id), row in self.maps.items():
            local = self.local.get(row.local_id) if table == "payout" else None
            if local is None or source_id in self.kept or local.period not in self.posted:
                continue
            person = self.session.get(Person, local.person_id)
            kind = self.session.get(SubsidyType, local.subsidy_type_id)
            who = f"{names.mask_given_name(person.name)}（{person.id_masked}）" if person else "某人"
            found.append(PostedConflict(name, local.period, who, kind.name if kind else "",
                                        f"在数据包中已被删除（本数据库 {format_yuan(local.amount_fen)} 元）"))
        return sorted(found, key=lambda c: (c.period, c.person, c.subsidy))

    def _current(self, values: dict) -> Payout | None:
        """The township's payout this one stands for: mapped, or by person, subsidy and month."""
        local_id = self._mapped("payout", int(values["id"]))
        if local_id is not None and local_id in self.local:
            return self.local[local_id]
        person_id = self._township_person(int(values["person"]))
        type_id = self.type_ids.get(str(self.types[int(values["subsidy"])]["name"]))
        if person_id is None or type_id is None:
            return None
        return self.by_key.get((person_id, type_id, dt.date.fromisoformat(values["period"])))

    # -- applying

    def apply(self) -> dict[str, Counts]:
        counts = {table: Counts() for table in LABELS if table not in ("catalog", "holidays")}
        self._settings(counts["village"])
        group_ids = self._groups(counts["villager_group"])
        self._subsidy_types(counts["subsidy_type"])
        person_ids = self._people(group_ids, counts["person"])
        self._batches(counts["import_batch"])
        self._payouts(person_ids, counts["payout"])
        self._publications(counts["publication"])
        self._corrections(counts["correction"])
        self.session.flush()
        return counts

    def _settings(self, counts: Counts) -> None:
        before = _values(self.village, SETTING_FIELDS)
        # What the village filled in wins; what it left empty keeps the township's value.
        wanted = {name: str(self.payload["village"][name] or "") or before[name] for name in SETTING_FIELDS}
        if wanted != before:
            for name, value in wanted.items():
                setattr(self.village, name, value)
            self.session.add(self.village)
            audit.record(self.session, self.actor, "update", "village", self.village_id, before=before, after=wanted)
            counts.changed += 1

    def _groups(self, counts: Counts) -> dict[int, str]:
        """Source group id → its name (groups are matched by name within the village)."""
        names_of = {int(g["id"]): str(g["name"]) for g in self.payload["groups"]}
        existing = set(self.session.exec(select(VillagerGroup.name).where(VillagerGroup.village_id == self.village_id)))
        counts.added += len(set(names_of.values()) - existing)
        self.group_ids = ensure_groups(self.session, self.village_id, set(names_of.values()))
        return names_of

    def _subsidy_types(self, counts: Counts) -> None:
        for values in self.types.values():
            if values["name"] in self.type_ids:
                continue
            row = SubsidyType(**{name: values[name] for name in TYPE_FIELDS})
            self.session.add(row)
            self.session.flush()
            self.type_ids[row.name] = row.id or 0
            audit.record(self.session, self.actor, "create", "subsidy_type", row.id, after={"name": row.name})
            counts.added += 1

    def _people(self, group_names: dict[int, str], counts: Counts) -> dict[int, int]:
        """Source person id → the township's, through the import's matching and writing of people."""
        rows = [PayoutRow(row=0, name=str(p["name"]), id_number=str(p["id_number"]), amount_fen=0,
                          period=dt.date.min, subsidy="", group=group_names.get(p["group"] or 0, ""),
                          account=str(p["account"]), phone=str(p["phone"]))
                for p in self.people.values()]
        counts.added += sum(1 for row in rows if row.id_number not in self.known)
        ids = write_people(self.session.connection(), ParsedTable(rows=rows), self.village_id, self.group_ids, self.known)
        for values in self.people.values():  # the village keeps its people's names current
            known = self.known.get(str(values["id_number"]))
            if known is None:
                continue
            person = self.session.get(Person, known[0])
            assert person is not None
            renamed = known[1] != values["name"]
            if renamed:
                person.name = str(values["name"])
                person.name_initials = names.pinyin_initials(person.name)[:60]
            if renamed | self._new_numbers(person, values):
                self.session.add(person)
                counts.changed += 1
        return {source_id: ids[str(values["id_number"])] for source_id, values in self.people.items()}

    def _new_numbers(self, person: Person, values: dict) -> bool:
        """The village's own people: a phone or account it holds replaces the township's (the village is
        where they are kept up to date; the import's rule of filling only what is missing would never
        carry a change). An empty one leaves the township's value; another village's person is left as is."""
        if person.village_id != self.village_id:
            return False
        phone, account = str(values["phone"] or "").strip(), str(values["account"] or "").strip()
        held_phone = self.cipher.decrypt("phone", person.id_index, person.phone_cipher)
        held_account = self.cipher.decrypt("account", person.id_index, person.account_cipher)
        new_phone = bool(phone) and phone != held_phone
        new_account = bool(account) and account != held_account
        if not (new_phone or new_account):
            return False
        store_contacts(person, self.cipher.seal(str(values["id_number"]), phone if new_phone else "",
                                                account if new_account else "", person.id_index))
        return True

    def _batches(self, counts: Counts) -> None:
        for values in self.payload["batches"]:
            if self._mapped("import_batch", int(values["id"])) is not None:
                continue
            row = ImportBatch(village_id=self.village_id, **_parsed(values, BATCH_FIELDS))
            self.session.add(row)
            self.session.flush()
            self._map("import_batch", int(values["id"]), row.id or 0)
            counts.added += 1

    def _payouts(self, person_ids: dict[int, int], counts: Counts) -> None:
        written: list[tuple[int, Payout]] = []
        for values in self.payload["payouts"]:
            wanted = _parsed(values, PAYOUT_FIELDS)
            wanted.update(person_id=person_ids[int(values["person"])],
                          subsidy_type_id=self.type_ids[str(self.types[int(values["subsidy"])]["name"])],
                          batch_id=self._mapped("import_batch", values["batch"]))
            row = self._current(values)
            if row is None:
                row = Payout(village_id=self.village_id, **wanted)
                counts.added += 1
            elif row.period not in self.posted and any(
                    getattr(row, name) != wanted[name] for name in (*_PAYOUT_CONTENT, "person_id", "subsidy_type_id")):
                for name, value in wanted.items():
                    setattr(row, name, value)
                counts.changed += 1
            else:  # the same (a posted month's payout is never touched: conflicts() checked it)
                self._map("payout", int(values["id"]), row.id or 0)
                continue
            self.session.add(row)
            written.append((int(values["id"]), row))
        self.session.flush()  # the new rows' ids, all at once
        for source_id, row in written:
            self._map("payout", source_id, row.id or 0)
        for (table, source_id), mapped in list(self.maps.items()):
            if table != "payout" or source_id in self.kept:
                continue
            local = self.local.get(mapped.local_id)
            if local is not None:  # conflicts() refused the package if this month is posted
                self.session.delete(local)
                counts.removed += 1
            if mapped.id is not None:
                self.session.delete(mapped)
            del self.maps[(table, source_id)]

    def _publications(self, counts: Counts) -> None:
        for values in self.payload["publications"]:
            if self._mapped("publication", int(values["id"])) is not None:
                continue
            wanted = _parsed(values, PUBLICATION_FIELDS)
            row = self.session.exec(select(Publication).where(Publication.village_id == self.village_id,
                                                              Publication.period == wanted["period"])).first()
            if row is None:
                row = Publication(village_id=self.village_id, **wanted)
                self.session.add(row)
                self.session.flush()
                counts.added += 1
            self._map("publication", int(values["id"]), row.id or 0)

    def _corrections(self, counts: Counts) -> None:
        for values in self.payload["corrections"]:
            listed_in = self._mapped("publication", values["listed_in"])
            local_id = self._mapped("correction", int(values["id"]))
            if local_id is not None:
                row = self.session.get(Correction, local_id)
                if row is not None and row.listed_in_id != listed_in:
                    row.listed_in_id = listed_in
                    self.session.add(row)
                    counts.changed += 1
                continue
            payout_id = self._mapped("payout", int(values["payout"]))
            if payout_id is None:
                raise ValueError("a correction of a payout the township does not hold")
            row = Correction(payout_id=payout_id, listed_in_id=listed_in, **_parsed(values, CORRECTION_FIELDS))
            self.session.add(row)
            self.session.flush()
            self._map("correction", int(values["id"]), row.id or 0)
            counts.added += 1


def _masked_id(number: str) -> str:
    from app.core.disclosure import mask_id

    return mask_id(number)


# --- township → village: the catalog and holiday tables ----------------------------------------------------


def export_for_village(db: Database, village_name: str, write: Callable[[bytes], None], actor: str) -> ExportResult:
    """The township's standard catalog and holiday tables for one village, signed by the township and
    encrypted for the key it registered for that village."""
    with db.transaction() as session:
        village = find_village(session, village_name)
        pair = own_key_pair(session, actor)
        recipient = trusted_key(session, village.id)
        if recipient is None:
            raise ServiceError(f"还没有登记{village.name}的公钥：请先执行"
                               f"“cunwu exchange trust --village {village.name} 公钥文件”")

        standard = ensure_standard(session, actor)
        items = session.exec(select(CatalogItem).where(CatalogItem.version_id == standard.id)
                             .order_by(col(CatalogItem.position)))
        holidays = session.exec(select(AppSetting).where(col(AppSetting.key).like("holidays.%")))
        payload: dict[str, Any] = {
            "catalog": {"number": standard.number, "items": [_values(i, CATALOG_ITEM_FIELDS) for i in items]},
            "holidays": {setting.key: setting.value for setting in holidays},
        }
        progress = _progress(session, village.id or 0, SENT)
        header = Header(package.TOWNSHIP_TO_VILLAGE, village.name, progress.seq + 1, utcnow().isoformat(),
                        pair.public.fingerprint, recipient.fingerprint, full=True)
        data = package.build(header, payload, pair, public_keys(recipient))
        _advance(session, progress, header.seq, _sha256(data))
        counts = {"catalog": len(payload["catalog"]["items"]), "holidays": len(payload["holidays"])}
        audit.record(session, actor, "exchange_export", "village", village.id,
                     after={"seq": header.seq, "to": recipient.fingerprint, **counts})
        write(data)
        return ExportResult(village.name, header.seq, True, pair.public.fingerprint, counts)


def _import_township(db: Database, header: Header, data: bytes, file_name: str, actor: str) -> ImportResult:
    catalog_changed = False
    with db.transaction() as session:
        village = session.exec(select(Village).where(Village.name == header.village)).first()
        if village is None:
            raise NotFound(f"数据包“{file_name}”是发给“{header.village}”的，本数据库中没有这个村，没有导入")
        sender = trusted_key(session, None)
        if sender is None:
            raise ServiceError(f"还没有登记乡镇的公钥，数据包“{file_name}”没有导入：请先执行"
                               "“cunwu exchange trust --township 公钥文件”")
        payload = _opened(session, data, file_name, sender, actor)
        progress = _progress(session, village.id or 0, APPLIED)
        digest = _sha256(data)
        if _check_sequence(progress, header, digest, "乡镇", file_name):
            return ImportResult(village.name, header.kind, header.seq, True)
        try:
            counts = {"catalog": _apply_catalog(session, payload["catalog"], actor),
                      "holidays": _apply_holidays(session, payload["holidays"], actor)}
        except (KeyError, TypeError, ValueError) as exc:
            raise _said(file_name, exc) from exc
        catalog_changed = counts["catalog"].any
        _advance(session, progress, header.seq, digest)
        audit.record(session, actor, "exchange_import", "village", village.id,
                     after={"seq": header.seq, "from": header.sender, "file": file_name,
                            "changes": "；".join(changes_text(counts)) or "无"})
    if catalog_changed:  # the village's own catalog takes the new standard items (its own items stay)
        push_standard(db, actor)
    return ImportResult(village.name, header.kind, header.seq, False, counts)


def _apply_catalog(session: Session, values: dict, actor: str) -> Counts:
    entries = [catalog_entry(CatalogItem(version_id=0, position=position, **{name: item[name] for name in CATALOG_ITEM_FIELDS}))
               for position, item in enumerate(values["items"], start=1)]
    current = latest_version(session, None)
    if current is not None and version_entries(session, current) == entries:
        return Counts()
    save_version(session, None, entries, 0, f"乡镇下发的标准目录（乡镇第 {int(values['number'])} 版）", actor)
    return Counts(added=1)


def _apply_holidays(session: Session, tables: dict, actor: str) -> Counts:
    counts = Counts()
    for key, value in sorted(tables.items()):
        year = int(key.split(".", 1)[1])
        if key != HOLIDAY_KEY.format(year=year) or not isinstance(value, str):
            raise ValueError("not a holiday table")
        setting = session.get(AppSetting, key)
        if setting is not None and setting.value == value:
            continue
        before = setting.value if setting else ""
        if setting is None:
            setting = AppSetting(key=key, value=value)
            counts.added += 1
        else:
            counts.changed += 1
        setting.value = value
        session.add(setting)
        audit.record(session, actor, "save", "holiday_table", year, before={"table": before} if before else None,
                     after={"table": value})
    return counts
