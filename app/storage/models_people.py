"""Tables of the people who use Cunwu and the villages each may work on (issue 16; migration 0011).

On PostgreSQL each person is a database role of the same name (app.services.users creates it): the
row here says which Cunwu role and villages that login has, and the database's row-level security
reads it (app.storage.pg_security). On SQLite (one office PC) the tables stay empty.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.storage.models import utcnow

LOGIN_MAX = 40
DISPLAY_MAX = 16  # the audit actor "显示名（login）" must fit audit_log.actor (60)


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"
    login: str = Field(primary_key=True, max_length=LOGIN_MAX)  # = the PostgreSQL role name
    display_name: str = Field(default="", max_length=DISPLAY_MAX)
    role: str = Field(max_length=16)  # app.core.roles.Role: township, clerk or supervisor
    disabled: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=60)


class UserVillage(SQLModel, table=True):
    __tablename__ = "user_village"
    login: str = Field(foreign_key="app_user.login", primary_key=True, max_length=LOGIN_MAX)
    village_id: int = Field(foreign_key="village.id", primary_key=True, index=True)


def actor_name(login: str, display_name: str) -> str:
    """How a person is named in the audit log; pg_security.ACTOR_SQL computes the same in the database."""
    if not display_name or display_name == login:
        return login
    return f"{display_name}（{login}）"
