"""The disclosure catalog: the township's standard set, each village's catalog, their versions.

Every change saves a whole new version (old versions stay as they were), so a printed poster can
name the version it shows. The standard set is seeded from resources/seed/disclosure_catalog.json.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from app.core.catalog import STANDARD, VILLAGE, CatalogEntry, load_standard, merge_for_village, next_code, problems
from app.core.subsidy_types import Rhythm
from app.outputs.catalog_poster import InspectionGuide, PosterData
from app.resources import resource_path
from app.services import audit
from app.services.errors import NotFound, ServiceError
from app.services.villages import find_village
from app.storage.engine import Database
from app.storage.models import CatalogItem, CatalogVersion, Village


@dataclass(frozen=True)
class CatalogView:
    village: str  # "" for the township's standard set
    number: int
    standard_number: int
    saved_on: dt.date
    entries: tuple[CatalogEntry, ...]

    def entry(self, code: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.code == code:
                return entry
        raise NotFound(f"目录中没有编号为“{code}”的事项")


def catalog_entry(item: CatalogItem) -> CatalogEntry:
    return CatalogEntry(
        code=item.code, name=item.name, content=item.content, basis=item.basis, time_limit=item.time_limit,
        responsible=item.responsible, channels=tuple(c for c in item.channels.split("|") if c),
        audience=item.audience, manner=item.manner, rhythm=Rhythm(item.rhythm), due_day=item.due_day,
        phone=item.phone, origin=item.origin,
    )


def latest_version(session: Session, village_id: int | None) -> CatalogVersion | None:
    column = CatalogVersion.village_id
    scope = column.is_(None) if village_id is None else column == village_id
    return session.exec(select(CatalogVersion).where(scope).order_by(CatalogVersion.number.desc())).first()


def version_entries(session: Session, version: CatalogVersion) -> list[CatalogEntry]:
    items = session.exec(select(CatalogItem).where(CatalogItem.version_id == version.id).order_by(CatalogItem.position))
    return [catalog_entry(item) for item in items]


def save_version(session: Session, village: Village | None, entries: list[CatalogEntry], standard_number: int,
                  note: str, actor: str) -> CatalogVersion:
    previous = latest_version(session, village.id if village else None)
    version = CatalogVersion(
        village_id=village.id if village else None,
        number=(previous.number + 1) if previous else 1,
        standard_number=standard_number,
        note=note[:300],
        created_by=actor,
    )
    session.add(version)
    session.flush()
    for position, e in enumerate(entries, start=1):
        session.add(CatalogItem(
            version_id=version.id or 0, position=position, code=e.code, origin=e.origin, name=e.name,
            content=e.content, basis=e.basis, time_limit=e.time_limit, responsible=e.responsible,
            channels="|".join(e.channels), audience=e.audience, manner=e.manner, rhythm=e.rhythm.value,
            due_day=e.due_day, phone=e.phone,
        ))
    audit.record(
        session, actor, "save", "catalog_version", version.id,
        after={"village": village.name if village else "", "number": version.number,
               "standard_number": standard_number, "items": [e.code for e in entries], "note": version.note},
    )
    return version


def ensure_standard(session: Session, actor: str) -> CatalogVersion:
    version = latest_version(session, None)
    if version is None:
        source, entries = load_standard(resource_path("seed", "disclosure_catalog.json"))
        version = save_version(session, None, entries, 0, f"标准目录（数据文件第 {source} 版）", actor)
    return version


def ensure_village_catalog(session: Session, village: Village, actor: str) -> CatalogVersion:
    """A village without a catalog gets the township's standard set as its first version."""
    version = latest_version(session, village.id)
    if version is None:
        standard = ensure_standard(session, actor)
        entries = merge_for_village(version_entries(session, standard), [])
        version = save_version(session, village, entries, standard.number, "按乡镇标准目录建立", actor)
    return version


def _view(session: Session, village: Village | None, version: CatalogVersion) -> CatalogView:
    return CatalogView(village.name if village else "", version.number, version.standard_number,
                       version.created_at.date(), tuple(version_entries(session, version)))


def village_catalog(db: Database, village_name: str, actor: str) -> CatalogView:
    """The village's current catalog; on first use it is set up from the standard set (audited)."""
    with db.reading() as session:
        village = find_village(session, village_name)
        version = latest_version(session, village.id)
        if version is not None:
            return _view(session, village, version)
    with db.transaction() as session:
        village = find_village(session, village_name)
        return _view(session, village, ensure_village_catalog(session, village, actor))


def standard_catalog(db: Database, actor: str) -> CatalogView:
    with db.transaction() as session:
        return _view(session, None, ensure_standard(session, actor))


def seed_catalogs(db: Database, actor: str) -> int:
    """Give every village that has none the standard catalog; returns how many were set up."""
    with db.transaction() as session:
        ensure_standard(session, actor)
        seeded = 0
        for village in session.exec(select(Village).order_by(Village.id)):
            if latest_version(session, village.id) is None:
                ensure_village_catalog(session, village, actor)
                seeded += 1
        return seeded


def _checked(entry: CatalogEntry) -> CatalogEntry:
    cleaned = dataclasses.replace(
        entry, name=entry.name.strip(), content=entry.content.strip(), time_limit=entry.time_limit.strip(),
        responsible=entry.responsible.strip(), audience=entry.audience.strip(),
        channels=tuple(c.strip() for c in entry.channels if c.strip()),
    )
    found = problems(cleaned)
    if found:
        raise ServiceError("公开事项填写不完整", found)
    return cleaned


def _upsert(entries: list[CatalogEntry], entry: CatalogEntry, origin: str) -> list[CatalogEntry]:
    if any(e.name == entry.name and e.code != entry.code for e in entries):
        raise ServiceError(f"目录中已有名为“{entry.name}”的事项")
    if not entry.code:
        return entries + [dataclasses.replace(entry, code=next_code(entries, origin), origin=origin)]
    if not any(e.code == entry.code for e in entries):
        raise NotFound(f"目录中没有编号为“{entry.code}”的事项")
    return [dataclasses.replace(entry, origin=origin) if e.code == entry.code else e for e in entries]


def save_standard_item(db: Database, entry: CatalogEntry, actor: str, note: str = "") -> CatalogView:
    """The township adds (empty code) or changes a standard item: a new standard version.

    Villages keep the version they have until the township pushes it (push_standard).
    """
    entry = _checked(entry)
    with db.transaction() as session:
        current = ensure_standard(session, actor)
        entries = _upsert(version_entries(session, current), entry, STANDARD)
        version = save_version(session, None, entries, 0, note or f"修改标准事项：{entry.name}", actor)
        return _view(session, None, version)


def remove_standard_item(db: Database, code: str, reason: str, actor: str) -> CatalogView:
    if not reason.strip():
        raise ServiceError("删除标准事项必须写明原因")
    with db.transaction() as session:
        entries = version_entries(session, ensure_standard(session, actor))
        kept = [e for e in entries if e.code != code]
        if len(kept) == len(entries):
            raise NotFound(f"标准目录中没有编号为“{code}”的事项")
        version = save_version(session, None, kept, 0, f"删除标准事项 {code}：{reason.strip()}", actor)
        return _view(session, None, version)


def push_standard(db: Database, actor: str) -> int:
    """Send the current standard set to every village (their own items stay); returns how many changed."""
    with db.transaction() as session:
        standard = ensure_standard(session, actor)
        standard_entries = version_entries(session, standard)
        changed = 0
        for village in session.exec(select(Village).order_by(Village.id)):
            current = ensure_village_catalog(session, village, actor)
            if current.standard_number == standard.number:
                continue
            own = [e for e in version_entries(session, current) if e.origin == VILLAGE]
            save_version(session, village, merge_for_village(standard_entries, own), standard.number,
                          f"乡镇下发标准目录第 {standard.number} 版", actor)
            changed += 1
        return changed


def save_village_item(db: Database, village_name: str, entry: CatalogEntry, actor: str) -> CatalogView:
    """A village adds (empty code) or changes one of its own items; standard items are the township's."""
    entry = _checked(entry)
    if entry.code and not entry.code.startswith("V"):
        raise ServiceError("标准事项由乡镇统一修改并下发，村里只能增改本村自己的事项")
    with db.transaction() as session:
        village = find_village(session, village_name)
        current = ensure_village_catalog(session, village, actor)
        entries = _upsert(version_entries(session, current), entry, VILLAGE)
        version = save_version(session, village, entries, current.standard_number,
                                f"本村事项：{entry.name}", actor)
        return _view(session, village, version)


def remove_village_item(db: Database, village_name: str, code: str, reason: str, actor: str) -> CatalogView:
    if not reason.strip():
        raise ServiceError("删除事项必须写明原因")
    with db.transaction() as session:
        village = find_village(session, village_name)
        current = ensure_village_catalog(session, village, actor)
        entries = version_entries(session, current)
        target = next((e for e in entries if e.code == code), None)
        if target is None:
            raise NotFound(f"目录中没有编号为“{code}”的事项")
        if target.origin != VILLAGE:
            raise ServiceError("标准事项由乡镇统一修改并下发，村里不能删除")
        version = save_version(session, village, [e for e in entries if e.code != code],
                                current.standard_number, f"删除本村事项 {code}：{reason.strip()}", actor)
        return _view(session, village, version)


def poster_data(db: Database, village_name: str, actor: str, *, place: str | None = None, hours: str | None = None,
                contact: str | None = None, phone: str | None = None) -> tuple[PosterData, InspectionGuide]:
    """The village's current catalog as the poster prints it, and its inspection guide from the
    village's settings (公开栏位置, 公开时间, 联系人, 咨询电话 — the consulting phone falls back to the
    supervision phone); a value given here (the command's flags) replaces the setting.

    Refused (SettingsMissing) while the township's name, the supervision phone, the contact person,
    the place or the hours are missing after the replacements (domain.md items 3-4)."""
    from app.services.village_settings import (
        POSTER,
        SettingsMissing,
        missing_settings,
        township_name_for_print,
    )

    overrides = {"board_place": place, "board_hours": hours, "contact_person": contact, "consult_phone": phone}
    overrides = {key: value.strip() for key, value in overrides.items() if value and value.strip()}
    with db.reading() as session:
        village = find_village(session, village_name)
        missing = [(key, label) for key, label in missing_settings(session, village, POSTER) if key not in overrides]
        if missing:
            raise SettingsMissing(village.id or 0, village.name, missing)
        township = township_name_for_print(session, village)
        guide = InspectionGuide(
            place=overrides.get("board_place", village.board_place),
            hours=overrides.get("board_hours", village.board_hours),
            contact=overrides.get("contact_person", village.contact_person),
            phone=overrides.get("consult_phone", village.consult_phone) or village.supervision_phone,
            supervision_phone=village.supervision_phone,
        )
    view = village_catalog(db, village_name, actor)
    saved = f"{view.saved_on.year}年{view.saved_on.month}月{view.saved_on.day}日"
    return PosterData(view.village, township, view.number, view.standard_number, saved, view.entries), guide
