"""people and roles: who may do what, enforced by the database (issue 16)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

The people (app_user: login = the PostgreSQL role, their Cunwu role) and their villages
(user_village). On PostgreSQL the group roles, row-level security and grants of
app.storage.pg_security. On both engines two triggers: a posted month's payouts cannot be added,
changed or deleted (a correction is a new row: app.services.corrections), and the audit log cannot
be changed or deleted (TRUNCATE too on PostgreSQL), whoever asks.

SQLite drops a table's triggers when batch mode rebuilds the table: a later migration that rebuilds
payout or audit_log must create them again (`posted_month_triggers` / `append_only_triggers` below).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.storage.pg_security import AUDIT_APPEND_ONLY as APPEND_ONLY
from app.storage.pg_security import POSTED_MONTH as POSTED

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_SQLITE_POSTED = {
    "insert": ("INSERT", "NEW"),
    "update_new": ("UPDATE", "NEW"),
    "update_old": ("UPDATE", "OLD"),
    "delete": ("DELETE", "OLD"),
}

_PG_POSTED = f"""
CREATE OR REPLACE FUNCTION cunwu_refuse_posted_payout() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM publication p WHERE p.village_id = OLD.village_id AND p.period = OLD.period)
       OR TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
            SELECT 1 FROM publication p WHERE p.village_id = NEW.village_id AND p.period = NEW.period) THEN
        RAISE EXCEPTION '{POSTED}: the month''s sheet is posted; correct the payout instead'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER cunwu_payout_posted BEFORE INSERT OR UPDATE OR DELETE ON payout
    FOR EACH ROW EXECUTE FUNCTION cunwu_refuse_posted_payout();
"""

_PG_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION cunwu_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}: the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER cunwu_audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION cunwu_refuse_audit_change();
CREATE TRIGGER cunwu_audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION cunwu_refuse_audit_change();
"""


def posted_month_triggers(bind) -> None:
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_PG_POSTED)
        return
    for name, (event, row) in _SQLITE_POSTED.items():
        bind.exec_driver_sql(
            f"CREATE TRIGGER cunwu_payout_posted_{name} BEFORE {event} ON payout "
            f"WHEN EXISTS (SELECT 1 FROM publication WHERE village_id = {row}.village_id AND period = {row}.period) "
            f"BEGIN SELECT RAISE(ABORT, '{POSTED}'); END"
        )


def append_only_triggers(bind) -> None:
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_PG_APPEND_ONLY)
        return
    for event in ("UPDATE", "DELETE"):
        bind.exec_driver_sql(
            f"CREATE TRIGGER cunwu_audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def upgrade() -> None:
    from app.storage import pg_security

    op.create_table(
        "app_user",
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_app_user")),
    )
    op.create_table(
        "user_village",
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["login"], ["app_user.login"], name=op.f("fk_user_village_login_app_user")),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"], name=op.f("fk_user_village_village_id_village")),
        sa.PrimaryKeyConstraint("login", "village_id", name=op.f("pk_user_village")),
    )
    op.create_index(op.f("ix_user_village_village_id"), "user_village", ["village_id"], unique=False)
    bind = op.get_bind()
    posted_month_triggers(bind)
    append_only_triggers(bind)
    pg_security.secure(bind)


def downgrade() -> None:
    from app.storage import pg_security

    bind = op.get_bind()
    pg_security.unsecure(bind)
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS cunwu_payout_posted ON payout")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS cunwu_audit_log_append_only ON audit_log")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS cunwu_audit_log_no_truncate ON audit_log")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS cunwu_refuse_posted_payout(), cunwu_refuse_audit_change()")
    else:
        for name in (*(f"cunwu_payout_posted_{n}" for n in _SQLITE_POSTED), "cunwu_audit_log_no_update",
                     "cunwu_audit_log_no_delete"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_user_village_village_id"), table_name="user_village")
    op.drop_table("user_village")
    op.drop_table("app_user")
