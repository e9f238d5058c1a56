"""the ledger sorted by amount through an index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

A village's payouts in amount order (issue 18): sorting a million payouts by amount re-sorted every
row of the village for each 500-row page (about a second); the index hands out the page directly.
Sorts by name, ID number and subsidy walk the existing indexes on person and subsidy_type.
"""
from __future__ import annotations

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payout_village_amount", "payout", ["village_id", "amount_fen"])


def downgrade() -> None:
    op.drop_index("ix_payout_village_amount", table_name="payout")
