"""Snapshot of every table's row count: 'nothing was written' is checked, not assumed."""

from sqlalchemy import func, select
from sqlmodel import SQLModel

from app.storage.engine import Database


def row_counts(db: Database) -> dict[str, int]:
    with db.reading() as session:
        return {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }
