"""The township server's address: its URL built by SQLAlchemy, and shown without user or password.

Here rather than in the window, which stays free of SQLAlchemy (tests/test_layer_contract.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import URL

if TYPE_CHECKING:
    from app.storage.engine import Database


def server_url(host: str, port: int | None, database: str, user: str, password: str) -> URL:
    """A password with @, : or / needs no escaping by hand; it stays in memory only."""
    return URL.create("postgresql+psycopg", username=user, password=password or None, host=host, port=port,
                      database=database)


def address_of(url: URL) -> str:
    """'192.168.1.10:5433/cunwu': where the window works, for the status line (no user, no password)."""
    port = f":{url.port}" if url.port else ""
    return f"{url.host or ''}{port}/{url.database or ''}"


def user_of(url: URL) -> str:
    return url.username or ""


def opened_at(db: Database) -> tuple[str, str]:
    """(address, user) of an opened server database."""
    return address_of(db.engine.url), user_of(db.engine.url)
