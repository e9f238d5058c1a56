"""exchange packages for villages without a link to the township (issue 16)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The database's own key pair (private halves sealed under the data key), the keys it trusts, the
sequence numbers of packages sent and applied, and the map of a sender's row ids to local ones
(app.storage.models_exchange). The key pair itself is made at `init` or at first need, not here: the
migration may run where this account holds no data key yet.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_TABLES = ("exchange_key", "exchange_peer", "exchange_progress", "exchange_row_map")


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "exchange_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sign_public", string(length=64), nullable=False),
        sa.Column("box_public", string(length=64), nullable=False),
        sa.Column("sign_private_sealed", sa.Text(), nullable=False),
        sa.Column("box_private_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_key")),
    )
    op.create_table(
        "exchange_peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("name", string(length=100), nullable=False),
        sa.Column("sign_public", string(length=64), nullable=False),
        sa.Column("box_public", string(length=64), nullable=False),
        sa.Column("fingerprint", string(length=32), nullable=False),
        sa.Column("trusted_by", string(length=60), nullable=False),
        sa.Column("trusted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"], name=op.f("fk_exchange_peer_village_id_village")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_peer")),
        sa.UniqueConstraint("village_id", name=op.f("uq_exchange_peer_village_id")),
    )
    op.create_table(
        "exchange_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("direction", string(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("watermark", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("package_sha256", string(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"], name=op.f("fk_exchange_progress_village_id_village")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_progress")),
        sa.UniqueConstraint("village_id", "direction", name=op.f("uq_exchange_progress_village_id_direction")),
    )
    op.create_table(
        "exchange_row_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("table_name", string(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"], name=op.f("fk_exchange_row_map_village_id_village")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_row_map")),
        sa.UniqueConstraint("village_id", "table_name", "source_id",
                            name=op.f("uq_exchange_row_map_village_id_table_name_source_id")),
    )
    _grant_to_owner_only()


def _grant_to_owner_only() -> None:
    """On PostgreSQL the exchange tables are the township's work: no village's clerk or supervisor may
    read a private key or the trust list (app.storage.pg_security.TOWNSHIP_ONLY names them)."""
    from app.storage import pg_security

    assert set(_TABLES) == set(pg_security.TOWNSHIP_ONLY), "pg_security.TOWNSHIP_ONLY must name the exchange tables"
    pg_security.secure(op.get_bind())


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
