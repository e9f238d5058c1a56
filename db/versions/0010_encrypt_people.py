"""a person's ID number, phone and account encrypted at rest

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Issue 17. The database gets its data key here (app.storage.keys.provision: wrapped by a recovery
code into app_setting, and for this account into its key file); the code is handed to the runner
through the Alembic config's attributes ("recovery_code") for the clerk to print. Every person's
ID number, phone and account is encrypted (app.core.crypto, format v1), beside the masked forms and
the ID number's blind index; the plain columns are dropped. On SQLite the runner then VACUUMs the
file and truncates its WAL, so no plain copy stays in free pages (app.storage.engine._migrate).

The table is rebuilt on SQLite (a UNIQUE column cannot be dropped in place): the runner turns the
connection's foreign keys off around the migration and checks them before it commits.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_CHUNK = 5_000


def upgrade() -> None:
    from app.storage import keys

    bind = op.get_bind()
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("id_index", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.add_column(sa.Column("id_masked", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("id_cipher", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("phone_masked", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("phone_cipher", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("account_masked", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("account_cipher", sa.LargeBinary(), nullable=True))

    provisioned = keys.provision(bind)
    context.config.attributes["recovery_code"] = provisioned.recovery_code
    cipher = keys.register(bind.engine, provisioned.data_key)

    person = sa.table("person", sa.column("id", sa.Integer), sa.column("id_number", sa.String),
                      sa.column("phone", sa.String), sa.column("account", sa.String))
    rows = bind.execute(sa.select(person.c.id, person.c.id_number, person.c.phone, person.c.account)).all()
    statement = sa.text(
        "UPDATE person SET id_index = :id_index, id_masked = :id_masked, id_cipher = :id_cipher, "
        "phone_masked = :phone_masked, phone_cipher = :phone_cipher, account_masked = :account_masked, "
        "account_cipher = :account_cipher WHERE id = :person_id"
    ).bindparams(sa.bindparam("id_cipher", type_=sa.LargeBinary), sa.bindparam("phone_cipher", type_=sa.LargeBinary),
                 sa.bindparam("account_cipher", type_=sa.LargeBinary))
    for start in range(0, len(rows), _CHUNK):
        changes = []
        for person_id, id_number, phone, account in rows[start:start + _CHUNK]:
            sealed = cipher.seal(id_number, (phone or "").strip(), (account or "").strip())
            changes.append({"person_id": person_id, "id_index": sealed.id_index, "id_masked": sealed.id_masked,
                            "id_cipher": sealed.id_cipher, "phone_masked": sealed.phone_masked,
                            "phone_cipher": sealed.phone_cipher, "account_masked": sealed.account_masked,
                            "account_cipher": sealed.account_cipher})
        bind.execute(statement, changes)

    with op.batch_alter_table("person", recreate="always" if bind.dialect.name == "sqlite" else "auto") as batch:
        batch.drop_constraint("uq_person_id_number", type_="unique")
        batch.drop_column("id_number")
        batch.drop_column("phone")
        batch.drop_column("account")
        batch.alter_column("id_index", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch.alter_column("id_cipher", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint(batch.f("uq_person_id_index"), ["id_index"])
        batch.create_index(batch.f("ix_person_id_masked"), ["id_masked"], unique=False)
    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the person table's rebuild: {broken[:3]}")


def downgrade() -> None:
    """Back to plain columns (for tests of earlier revisions; a clerk restores the pre-upgrade backup).
    Needs the key registered for this engine (an open database)."""
    from app.storage import keys

    bind = op.get_bind()
    cipher = keys.cipher_for(bind)
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True))
        batch.add_column(sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                   server_default=""))
    person = sa.table("person", sa.column("id", sa.Integer), sa.column("id_index", sa.String),
                      sa.column("id_cipher", sa.LargeBinary), sa.column("phone_cipher", sa.LargeBinary),
                      sa.column("account_cipher", sa.LargeBinary))
    rows = bind.execute(sa.select(person.c.id, person.c.id_index, person.c.id_cipher, person.c.phone_cipher,
                                  person.c.account_cipher)).all()
    statement = sa.text("UPDATE person SET id_number = :id_number, phone = :phone, account = :account WHERE id = :person_id")
    changes = [{"person_id": person_id, "id_number": cipher.decrypt("id_number", index, id_cipher),
                "phone": cipher.decrypt("phone", index, phone_cipher),
                "account": cipher.decrypt("account", index, account_cipher)}
               for person_id, index, id_cipher, phone_cipher, account_cipher in rows]
    if changes:
        bind.execute(statement, changes)
    with op.batch_alter_table("person", recreate="always" if bind.dialect.name == "sqlite" else "auto") as batch:
        batch.drop_index(batch.f("ix_person_id_masked"))
        batch.drop_constraint("uq_person_id_index", type_="unique")
        for name in ("id_index", "id_masked", "id_cipher", "phone_masked", "phone_cipher", "account_masked",
                     "account_cipher"):
            batch.drop_column(name)
        batch.alter_column("id_number", existing_type=sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False)
        batch.create_unique_constraint(batch.f("uq_person_id_number"), ["id_number"])
    bind.execute(sa.text("DELETE FROM app_setting WHERE key LIKE 'crypto.%'"))
