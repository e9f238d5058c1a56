"""Subsidy types as the clerk names them: by name or by an alias seen on county files."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core.payout_table import normalize_header
from app.storage.engine import Database
from app.storage.models import SubsidyType


@dataclass(frozen=True)
class SubsidyInfo:
    id: int
    name: str
    category: str
    rhythm: str
    sensitive: bool


def _key(name: str) -> str:
    return normalize_header(name)


def name_index(session: Session) -> dict[str, SubsidyType]:
    """Every accepted spelling (name and aliases, whitespace-folded) → its type."""
    index: dict[str, SubsidyType] = {}
    for row in session.exec(select(SubsidyType)):
        index[_key(row.name)] = row
        for alias in filter(None, row.aliases.split("|")):
            index.setdefault(_key(alias), row)
    return index


def resolve(index: dict[str, SubsidyType], name: str) -> SubsidyType | None:
    return index.get(_key(name))


def list_subsidies(db: Database) -> list[SubsidyInfo]:
    with db.reading() as session:
        return [
            SubsidyInfo(row.id or 0, row.name, row.category, row.rhythm, row.sensitive)
            for row in session.exec(select(SubsidyType).order_by(col(SubsidyType.id)))
        ]
