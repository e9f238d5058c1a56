"""A fresh PostgreSQL database per test, on the server CUNWU_TEST_PG_URL names (.ci/run starts one).

Dropped afterwards with what outlives a database on the server: the group roles its migration made
(app.storage.pg_security) and the people's login roles a test created.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.storage import pg_security

SERVER = os.environ.get("CUNWU_TEST_PG_URL", "")
NO_SERVER = "CUNWU_TEST_PG_URL is not set: no PostgreSQL server"


@contextlib.contextmanager
def fresh_database(prefix: str = "cunwu_", logins: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """(database name, owner URL with password); `logins` (filled by the test) are dropped at the end."""
    name = prefix + uuid.uuid4().hex[:10]
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield name, make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            for login in logins or ():
                connection.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            pg_security.drop_groups(connection, name)
        admin.dispose()


def can_connect(url: str) -> bool:
    """Whether the server lets this URL's login in (a disabled or wrongly typed one: not)."""
    from sqlalchemy.exc import OperationalError

    engine = create_engine(url)
    try:
        engine.connect().close()
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()
