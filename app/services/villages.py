"""Villages (行政村) and their villager groups (村民小组)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.services import audit
from app.services.errors import Conflict, ServiceError
from app.services.listings import VillageInfo as VillageInfo  # where callers look for them
from app.services.listings import list_villages as list_villages
from app.services.listings import typed_village_name, unknown_village
from app.services.setup import ensure_township
from app.storage.engine import Database
from app.storage.models import Village, VillagerGroup


def _clean_name(name: str) -> str:
    cleaned = typed_village_name(name)
    if not cleaned:
        raise ServiceError("村名不能为空")
    if len(cleaned) > 100:
        raise ServiceError("村名过长")
    return cleaned


def add_village(db: Database, name: str, actor: str, code: str = "") -> VillageInfo:
    """A new village; its code, when given, is its 12-digit 统计用区划代码 (village_settings)."""
    from app.services.village_settings import VILLAGE_CODE_DIGITS, apply_village_values, check_code

    name = _clean_name(name)
    code = check_code("code", code, VILLAGE_CODE_DIGITS)
    with db.transaction() as session:
        if session.exec(select(Village).where(Village.name == name)).first():
            raise Conflict(f"村“{name}”已经存在")
        township = ensure_township(session, actor)
        village = Village(name=name, township_id=township.id)
        session.add(village)
        session.flush()
        apply_village_values(session, village, {"code": code})
        audit.record(session, actor, "create", "village", village.id, after={"name": name, "code": village.code})
        return VillageInfo(village.id or 0, village.name, village.code, 0, 0)


def find_village(session: Session, name: str) -> Village:
    cleaned = typed_village_name(name)
    village = session.exec(select(Village).where(Village.name == cleaned)).first()
    if village is None:
        raise unknown_village(cleaned, list(session.exec(select(Village.name).order_by(col(Village.name)))))
    return village


def village_choices(db: Database) -> list[tuple[int, str]]:
    """(id, name) of every village in `list_villages`' order, without its counts: what the window's
    village selector needs for its first paint (one small table; the payouts are not read)."""
    with db.reading() as session:
        rows = session.exec(select(col(Village.id), Village.name).order_by(col(Village.id)))
        return [(int(village_id or 0), str(name)) for village_id, name in rows]


def group_names(db: Database, village_id: int) -> list[str]:
    with db.reading() as session:
        return list(
            session.exec(
                select(VillagerGroup.name).where(VillagerGroup.village_id == village_id).order_by(VillagerGroup.name)
            )
        )


def ensure_group(session: Session, village_id: int, name: str) -> int | None:
    name = name.strip()
    if not name:
        return None
    group = session.exec(
        select(VillagerGroup).where(VillagerGroup.village_id == village_id, VillagerGroup.name == name)
    ).first()
    if group is None:
        group = VillagerGroup(village_id=village_id, name=name)
        session.add(group)
        session.flush()
    return group.id
