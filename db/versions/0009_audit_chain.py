"""a tamper-evident audit log: a hash chain, its head, and anchors on posted sheets

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Each audit entry carries the SHA-256 of its content and of the entry before it (issue 16); the one-row
table audit_head holds the chain's last entry (writers lock it, so two never chain onto the same
predecessor); a posted sheet keeps the head at its posting, printed in its footer. Each entry also
names the village it concerns, for listing by village. Existing entries are given their village and
chained in id order, so an existing database verifies intact after the upgrade.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# entity → the table whose row (id = the entry's entity_id) names the village: as app.services.audit
_VILLAGE_TABLES = {
    "payout": "payout", "person": "person", "publication": "publication", "notice": "notice",
    "filed_piece": "filed_piece", "import_batch": "import_batch", "catalog_version": "catalog_version",
    "archive_box": "archive_box",
}


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=""))
        batch.create_index(batch.f("ix_audit_log_village_id"), ["village_id"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("anchor_entry_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("anchor_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=""))
    _chain_existing_entries(op.get_bind())


def _village_in(values) -> tuple[int | None, str | None]:
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("village_id"), int) and not isinstance(value["village_id"], bool):
            return value["village_id"], None
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("village"), str) and value["village"]:
            return None, value["village"]
    return None, None


def _parsed(text: str):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _chain_existing_entries(connection) -> None:
    """The same village rule and hash as app.services.audit.record, over the entries already there."""
    from app.services.audit import GENESIS, HEAD_ID, entry_hash

    meta = sa.MetaData()
    log = sa.Table(
        "audit_log", meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.Column("actor", sa.String), sa.Column("action", sa.String), sa.Column("entity", sa.String),
        sa.Column("entity_id", sa.Integer), sa.Column("village_id", sa.Integer),
        sa.Column("before", sa.Text), sa.Column("after", sa.Text),
        sa.Column("prev_hash", sa.String), sa.Column("hash", sa.String),
    )
    head = sa.Table("audit_head", meta, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("last_id", sa.Integer), sa.Column("last_hash", sa.String))
    tables = {name: sa.Table(name, meta, sa.Column("id", sa.Integer), sa.Column("village_id", sa.Integer))
              for name in set(_VILLAGE_TABLES.values()) | {"filed_piece"}}
    evidence = sa.Table("evidence", meta, sa.Column("id", sa.Integer), sa.Column("piece_id", sa.Integer))
    village = sa.Table("village", meta, sa.Column("id", sa.Integer), sa.Column("name", sa.String))

    # The rows' villages where a table names them (portable correlated updates), before the entries' own words.
    for entity, name in _VILLAGE_TABLES.items():
        table = tables[name]
        connection.execute(
            log.update().where(log.c.entity == entity, log.c.entity_id.is_not(None)).values(
                village_id=sa.select(table.c.village_id).where(table.c.id == log.c.entity_id).scalar_subquery()
            )
        )
    piece = tables["filed_piece"]
    connection.execute(
        log.update().where(log.c.entity == "evidence", log.c.entity_id.is_not(None)).values(
            village_id=sa.select(piece.c.village_id).join(evidence, evidence.c.piece_id == piece.c.id)
            .where(evidence.c.id == log.c.entity_id).scalar_subquery()
        )
    )
    villages = {name: id_ for id_, name in connection.execute(sa.select(village.c.id, village.c.name))}

    previous, last_id, updates = GENESIS, 0, []
    rows = connection.execute(
        sa.select(log.c.id, log.c.at, log.c.actor, log.c.action, log.c.entity, log.c.entity_id, log.c.village_id,
                  log.c.before, log.c.after).order_by(log.c.id)
    ).all()
    for row in rows:
        before, after = row.before or "", row.after or ""
        by_id, by_name = _village_in((_parsed(after), _parsed(before)))
        if by_id is not None:
            village_id = by_id
        elif row.entity in ("village", "archive_settings") and row.entity_id is not None:
            village_id = row.entity_id
        elif row.village_id is not None:
            village_id = row.village_id
        else:
            village_id = villages.get(by_name) if by_name else None
        digest = entry_hash(row.id, row.at, row.actor or "", row.action, row.entity, row.entity_id, village_id,
                            before, after, previous)
        updates.append({"entry": row.id, "v": village_id, "p": previous, "h": digest})
        previous, last_id = digest, row.id
    if updates:
        connection.execute(
            log.update().where(log.c.id == sa.bindparam("entry")).values(
                village_id=sa.bindparam("v"), prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")
            ),
            updates,
        )
    connection.execute(head.insert().values(id=HEAD_ID, last_id=last_id, last_hash=previous))


def downgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.drop_column("anchor_hash")
        batch.drop_column("anchor_entry_id")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(batch.f("ix_audit_log_village_id"))
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("village_id")
