"""the county file's order of each payout; a village's contacts and its choice of name order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Names within a group print in pinyin order unless the village keeps the county file's order by
choice (issue 15): each imported payout keeps its place in its file (1, 2, … across the file's
sheets; none for rows typed in by hand or imported before this revision), the village its choice,
and a posting the order it was posted in, so the posted sheet reprints as it hung.
Every public sheet names who to ask (issue 14): a village's 咨询电话, 联系人, 公开栏位置 and 公开时间
join its 监督电话.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_VILLAGE_TEXT = (("consult_phone", 40), ("contact_person", 60), ("board_place", 100), ("board_hours", 100))


def upgrade() -> None:
    with op.batch_alter_table("payout") as batch:
        batch.add_column(sa.Column("source_order", sa.Integer(), nullable=True))
    with op.batch_alter_table("village") as batch:
        for name, length in _VILLAGE_TEXT:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
        batch.add_column(sa.Column("sheet_order", sa.String(16), nullable=False, server_default="pinyin"))
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("sheet_order", sa.String(16), nullable=False, server_default="pinyin"))


def downgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.drop_column("sheet_order")
    with op.batch_alter_table("village") as batch:
        batch.drop_column("sheet_order")
        for name, _ in reversed(_VILLAGE_TEXT):
            batch.drop_column(name)
    with op.batch_alter_table("payout") as batch:
        batch.drop_column("source_order")
