"""surname readings in the pinyin initials

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Names whose surname is read otherwise than its character (单 shàn, 曾 zēng, 解 xiè…) get the
surname's initials beside the everyday ones (app.core.names.pinyin_initials), so that the ledger's
quick filter finds 曾国藩 by "zgf". Data only: no column changes.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_person = sa.table("person", sa.column("id", sa.Integer), sa.column("name", sa.String),
                   sa.column("name_initials", sa.String))


def _store(bind: sa.engine.Connection, changes: list[dict]) -> None:
    if changes:
        bind.execute(
            _person.update().where(_person.c.id == sa.bindparam("person_id"))
            .values(name_initials=sa.bindparam("initials")),
            changes,
        )


def upgrade() -> None:
    from app.core.names import SURNAME_INITIALS, pinyin_initials

    bind = op.get_bind()
    first_characters = sorted({surname[0] for surname in SURNAME_INITIALS})
    rows = bind.execute(
        sa.select(_person.c.id, _person.c.name).where(sa.func.substr(_person.c.name, 1, 1).in_(first_characters))
    ).all()
    changes = [{"person_id": person_id, "initials": pinyin_initials(name)[:60]} for person_id, name in rows]
    _store(bind, changes)


def downgrade() -> None:
    # What 0004 stored, the everyday initials alone, is still in the column, after the surname's.
    bind = op.get_bind()
    rows = bind.execute(sa.select(_person.c.id, _person.c.name_initials).where(_person.c.name_initials.contains(" "))).all()
    changes = [{"person_id": person_id, "initials": initials.split(" ", 1)[1]} for person_id, initials in rows]
    _store(bind, changes)
