"""The audit trail: written in the caller's session, so it commits or rolls back with the change."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Any

from sqlmodel import Session, col, select

from app.storage.models import AuditLog


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, odd Windows setups)
        return "未知用户"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            actor=actor or default_actor(),
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before else "",
            after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after else "",
        )
    )


def entries(session: Session, entity: str | None = None, action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).order_by(col(AuditLog.id))
    if entity:
        query = query.where(AuditLog.entity == entity)
    if action:
        query = query.where(AuditLog.action == action)
    return list(session.exec(query))
