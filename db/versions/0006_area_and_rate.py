"""area and rate per payout; the issuing department of each subsidy type

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

耕地地力保护补贴 and its like are paid by area: the county file carries the area (亩) and the rate
(元/亩) per person, and the sheet prints them (issue 15). Both optional: most payouts have neither.
Area in ten-thousandths of a 亩, rate in 分 per 亩: integers, like all money here. Each subsidy type
gets its 发放单位/主管部门 (printed beside the 政策依据), filled in for the standard types.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The standard types' issuers as of this revision (resources/seed/subsidy_types.json has them too).
_ISSUERS = {
    "耕地地力保护补贴": "县农业农村局、县财政局", "最低生活保障金": "县民政局", "特困人员救助供养金": "县民政局",
    "高龄津贴": "县民政局", "困难残疾人生活补贴": "县民政局、县残疾人联合会",
    "重度残疾人护理补贴": "县民政局、县残疾人联合会", "临时救助": "县民政局、乡镇人民政府", "医疗救助": "县医疗保障局",
    "生态公益林补偿": "县林业局", "生态护林员补助": "县林业和草原局", "公益性岗位补贴": "县人力资源和社会保障局",
    "农机购置补贴": "县农业农村局", "农村危房改造补助": "县住房和城乡建设局",
}
_subsidy_type = sa.table("subsidy_type", sa.column("name", sa.String), sa.column("issuer", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("payout") as batch:
        batch.add_column(sa.Column("area_e4", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("rate_fen", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("subsidy_type") as batch:
        batch.add_column(sa.Column("issuer", sa.Text(), nullable=False, server_default=""))
    for name, issuer in _ISSUERS.items():
        op.execute(_subsidy_type.update().where(_subsidy_type.c.name == name).values(issuer=issuer))


def downgrade() -> None:
    with op.batch_alter_table("subsidy_type") as batch:
        batch.drop_column("issuer")
    with op.batch_alter_table("payout") as batch:
        batch.drop_column("rate_fen")
        batch.drop_column("area_e4")
