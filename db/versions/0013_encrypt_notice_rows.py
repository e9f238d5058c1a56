"""the personal numbers left in clear after 0010: notice rows' ID numbers, audit entries naming one

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Issue 17 (app.storage.sealed). A notice row's ID number becomes its masked form and its ciphertext,
and the plain column is dropped. An audit entry whose before/after text names a personal number (the
person snapshots written before 0010 held the full ID number, phone and account) has that text sealed
in place: the hash chain covers the plain text, which app.services.audit opens before hashing.

The data key: registered by 0010 when it ran in this same upgrade, else this account's (keys.unlock).
It is asked for only when there is something to seal, so an empty or clean database needs none; one
that has something and is opened by an account without its key is refused with keys.FOREIGN (the
runner then recovers the key first: `key recover` does not upgrade). On SQLite the runner VACUUMs
afterwards (app.storage.engine._migrate), so no freed page keeps a plain number.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.elements import TextClause

    from app.core.crypto import PersonCipher

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_CHUNK = 5_000


def _cipher_when_needed(bind: Connection) -> Callable[[], PersonCipher]:
    """The key, looked for at the first value to seal (an empty or clean database needs none)."""
    found: list[PersonCipher] = []

    def cipher() -> PersonCipher:
        if not found:
            found.append(_cipher(bind))
        return found[0]

    return cipher


def _cipher(bind: Connection) -> PersonCipher:
    from app.storage import keys

    if context.config.attributes.get("recovery_code"):  # 0010 made the key in this very upgrade
        return keys.cipher_for(bind)
    # Else the key this database's settings name, never one registered for the engine before: a restore
    # may have put another database's copy in place (keys.unlock checks the key against the settings).
    cipher = keys.unlock(bind.engine)
    if cipher is None:  # cannot happen after 0010; said plainly all the same
        raise keys.KeyUnavailable(keys.FOREIGN)
    return cipher


def _in_chunks(bind: Connection, statement: TextClause, changes: list[dict]) -> None:
    for start in range(0, len(changes), _CHUNK):
        bind.execute(statement, changes[start:start + _CHUNK])


def _rewrite_audit_texts(bind: Connection, changes: list[dict]) -> None:
    """The one change the audit log ever gets: its texts sealed (or opened) in place, the hashed content
    unchanged. Its append-only triggers (0011) are set aside for this statement only, in this
    transaction: disabled on PostgreSQL, dropped and made again from their own SQL on SQLite."""
    if not changes:
        return
    statement = sa.text('UPDATE audit_log SET "before" = :before, "after" = :after WHERE id = :entry_id')
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER cunwu_audit_log_append_only")
        _in_chunks(bind, statement, changes)
        bind.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER cunwu_audit_log_append_only")
        return
    triggers = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' "
        "AND name = 'cunwu_audit_log_no_update'").all()
    for name, _ in triggers:
        bind.exec_driver_sql(f'DROP TRIGGER "{name}"')
    _in_chunks(bind, statement, changes)
    for _, sql in triggers:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    from app.core.disclosure import mask_id
    from app.storage import sealed

    bind = op.get_bind()
    key = _cipher_when_needed(bind)
    with op.batch_alter_table("notice_row") as batch:
        batch.add_column(sa.Column("id_masked", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("id_cipher", sa.LargeBinary(), nullable=True))

    rows = bind.execute(sa.text("SELECT id, id_number FROM notice_row WHERE id_number <> ''")).all()
    changes = []
    for row_id, number in rows:
        number = number.strip()
        masked = mask_id(number)
        # A row copied from the ledger after 0010 holds the masked form already: nothing to seal.
        sealed_number = sealed.seal_notice_id(key(), row_id, number) if masked != number else None
        changes.append({"row_id": row_id, "id_masked": masked, "id_cipher": sealed_number})
    _in_chunks(bind, sa.text("UPDATE notice_row SET id_masked = :id_masked, id_cipher = :id_cipher WHERE id = :row_id")
               .bindparams(sa.bindparam("id_cipher", type_=sa.LargeBinary)), changes)
    with op.batch_alter_table("notice_row") as batch:
        batch.drop_column("id_number")

    entries = bind.execute(sa.text('SELECT id, "before", "after" FROM audit_log ORDER BY id')).all()
    changes = []
    for entry_id, before, after in entries:
        texts = {"before": before or "", "after": after or ""}
        plain = [column for column, text in texts.items()
                 if not sealed.is_sealed(text) and sealed.names_personal_number(text)]
        if plain:
            texts.update({column: sealed.seal_audit_text(key(), entry_id, column, texts[column])
                          for column in plain})
            changes.append({"entry_id": entry_id, **texts})
    _rewrite_audit_texts(bind, changes)
    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the notice_row table's rebuild: {broken[:3]}")


def downgrade() -> None:
    """Back to plain values (for tests of earlier revisions; a clerk restores the pre-upgrade backup).
    Needs the key registered for this engine (an open database)."""
    from app.storage import sealed
    from app.storage.keys import cipher_for

    bind = op.get_bind()
    with op.batch_alter_table("notice_row") as batch:
        batch.add_column(sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False,
                                   server_default=""))
    rows = bind.execute(sa.text("SELECT id, id_masked, id_cipher FROM notice_row")).all()
    changes = [{"row_id": row_id, "id_number": sealed.open_notice_id(cipher_for(bind), row_id, cipher) if cipher else masked}
               for row_id, masked, cipher in rows]
    _in_chunks(bind, sa.text("UPDATE notice_row SET id_number = :id_number WHERE id = :row_id"), changes)
    with op.batch_alter_table("notice_row") as batch:
        batch.drop_column("id_cipher")
        batch.drop_column("id_masked")

    entries = bind.execute(sa.text('SELECT id, "before", "after" FROM audit_log ORDER BY id')).all()
    changes = [{"entry_id": entry_id,
                "before": sealed.open_audit_text(cipher_for(bind), entry_id, "before", before or ""),
                "after": sealed.open_audit_text(cipher_for(bind), entry_id, "after", after or "")}
               for entry_id, before, after in entries
               if sealed.is_sealed(before or "") or sealed.is_sealed(after or "")]
    _rewrite_audit_texts(bind, changes)
