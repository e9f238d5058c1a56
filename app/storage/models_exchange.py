"""Tables of the offline exchange: keys, trust, what was sent and applied (issue 16; migration 0012).

The database's own key pair signs the packages it sends and opens those sent to it; its private halves
are stored sealed under the data key (app.core.crypto.seal_text), so they travel with a backup and open
wherever the recovery code opens the database, and are never in the database in clear.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.storage.models import utcnow


class ExchangeKey(SQLModel, table=True):
    """This database's key pair: one row (id 1)."""

    __tablename__ = "exchange_key"
    id: int | None = Field(default=None, primary_key=True)
    sign_public: str = Field(max_length=64)  # Ed25519, base64
    box_public: str = Field(max_length=64)  # X25519, base64
    sign_private_sealed: str = Field(sa_column=Column(Text, nullable=False))
    box_private_sealed: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class ExchangePeer(SQLModel, table=True):
    """A key this database trusts: a village's (at the township) or the township's (village_id None)."""

    __tablename__ = "exchange_peer"
    id: int | None = Field(default=None, primary_key=True)
    village_id: int | None = Field(default=None, foreign_key="village.id", unique=True)
    name: str = Field(max_length=100)  # as the key file names its owner
    sign_public: str = Field(max_length=64)
    box_public: str = Field(max_length=64)
    fingerprint: str = Field(max_length=32)
    trusted_by: str = Field(default="", max_length=60)
    trusted_at: dt.datetime = Field(default_factory=utcnow)


class ExchangeProgress(SQLModel, table=True):
    """Per village and direction ("sent" or "applied"): the last package's sequence number; for sent
    packages also the time the last export began (what changed after it goes into the next)."""

    __tablename__ = "exchange_progress"
    __table_args__ = (UniqueConstraint("village_id", "direction"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id")
    direction: str = Field(max_length=8)
    seq: int = Field(default=0)
    watermark: dt.datetime | None = Field(default=None)
    package_sha256: str = Field(default="", max_length=64)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ExchangeRowMap(SQLModel, table=True):
    """A sending database's row id → this database's row id, per village and table: applying a package
    again finds what the first application wrote instead of adding it twice."""

    __tablename__ = "exchange_row_map"
    __table_args__ = (UniqueConstraint("village_id", "table_name", "source_id"),)
    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id")
    table_name: str = Field(max_length=40)
    source_id: int
    local_id: int
