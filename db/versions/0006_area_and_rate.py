"""area and rate per payout

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

耕地地力保护补贴 and its like are paid by area: the county file carries the area (亩) and the rate
(元/亩) per person, and the sheet prints them (issue 15). Both optional: most payouts have neither.
Area in ten-thousandths of a 亩, rate in 分 per 亩: integers, like all money here.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payout") as batch:
        batch.add_column(sa.Column("area_e4", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("rate_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payout") as batch:
        batch.drop_column("rate_fen")
        batch.drop_column("area_e4")
