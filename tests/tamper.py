"""What someone who wants to change the operation log behind Cunwu's back does first."""

from __future__ import annotations

from sqlalchemy import text


def unguard(connection) -> None:  # noqa: ANN001
    """Lift the triggers that refuse to change the log (migration 0011): drop them with the file in hand
    (SQLite), or disable them with the owner's password (PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS cunwu_audit_log_no_update"))
        connection.execute(text("DROP TRIGGER IF EXISTS cunwu_audit_log_no_delete"))
