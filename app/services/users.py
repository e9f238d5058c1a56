"""The people who use Cunwu on the township's server, and who is signed in (issue 16).

On PostgreSQL a person is a database role (LOGIN, a password, membership in this database's group
role for their Cunwu role: app.storage.pg_security) and a row in app_user with their villages; the
database then enforces what they may see and change. Only the database's owner adds people, disables
them or sets their passwords. On SQLite (one office PC) there are no people: whoever is at the
keyboard may do everything, under the name chosen at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from app.core.roles import Role, SignedIn, everyone
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.villages import find_village
from app.storage import pg_security
from app.storage.engine import Database
from app.storage.models import Village
from app.storage.models_people import DISPLAY_MAX, LOGIN_MAX, AppUser, UserVillage, actor_name

PASSWORD_MIN = 8
PERSON_ROLES = (Role.TOWNSHIP, Role.CLERK, Role.SUPERVISOR)
_LOGIN = re.compile(r"^(?:[A-Za-z_]|[\u3400-\u9fff])(?:\w|[\u3400-\u9fff])*$", re.ASCII)
_CJK = re.compile(r"[\u3400-\u9fff]")
ON_ONE_PC = "人员和角色只用于乡镇服务器（PostgreSQL 数据库）；单机版由启动时选择的操作人记录，不需要添加用户"
OWNER_ONLY = "只有数据库管理员（数据库的所有者账号）可以添加、停用人员和设置密码"


@dataclass(frozen=True)
class UserInfo:
    login: str
    display_name: str
    role: Role
    villages: tuple[str, ...]  # empty for the township (every village)
    disabled: bool

    @property
    def actor(self) -> str:
        return actor_name(self.login, self.display_name)


def check_login(name: str) -> str:
    """A login name: letters, digits and underscores, or Chinese; not starting with a digit; ≤ 40."""
    cleaned = name.strip()
    plain = _LOGIN.match(_CJK.sub("a", cleaned)) is not None
    if not cleaned or len(cleaned) > LOGIN_MAX or not plain or cleaned.lower().startswith("pg_"):
        raise ServiceError(f"用户名“{cleaned}”不能用：只能用字母、数字、下划线或汉字，不以数字或 pg_ 开头，"
                           f"最多 {LOGIN_MAX} 个字")
    return cleaned


def _check_display(display: str) -> str:
    cleaned = " ".join(display.split())
    if len(cleaned) > DISPLAY_MAX:
        raise ServiceError(f"显示名“{cleaned}”太长（最多 {DISPLAY_MAX} 个字）")
    return cleaned


def _check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ServiceError(f"密码太短：至少 {PASSWORD_MIN} 个字符")
    if any(ch in password for ch in "\r\n\0"):
        raise ServiceError("密码里不能有换行或空字符")
    return password


def _role(value: str | Role) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in PERSON_ROLES:
        raise ServiceError(f"角色“{value}”不对，应为 township（乡镇管理员）、clerk（村文书）或 supervisor（村务监督委员会）")
    assert role is not None
    return role


def _server_owner(session: Session) -> Connection:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        raise ServiceError(ON_ONE_PC)
    if not pg_security.is_owner(connection):
        raise ServiceError(OWNER_ONLY)
    return connection


def _role_statement(connection: Connection, statement: str, names: tuple[str, ...], literals: tuple[str, ...] = ()) -> None:
    """DDL about a person's role, names and password quoted by psycopg (never pasted into SQL): the
    `{}`s take the names, then the literals. Run on the driver's cursor without parameters, so a '%'
    in a password is not taken for a placeholder."""
    from psycopg import sql

    composed = sql.SQL(statement).format(*map(sql.Identifier, names), *map(sql.Literal, literals))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(composed)
    finally:
        cursor.close()


def _person(session: Session, login: str) -> AppUser:
    person = session.get(AppUser, login)
    if person is None:
        raise NotFound(f"没有用户“{login}”（cunwu user list 列出所有用户）")
    return person


def add_user(db: Database, name: str, role: str | Role, villages: list[str], password: str, actor: str,
             display: str = "") -> UserInfo:
    login, cunwu_role, shown = check_login(name), _role(role), _check_display(display)
    if cunwu_role is Role.TOWNSHIP and villages:
        raise ServiceError("乡镇管理员管理全部村，不用指定村")
    if cunwu_role is not Role.TOWNSHIP and not villages:
        raise ServiceError(f"{cunwu_role.label}要指定负责的村（--village 村名，可重复）")
    _check_password(password)
    with db.transaction() as session:
        connection = _server_owner(session)
        chosen = sorted({find_village(session, village).id or 0 for village in villages})
        if session.get(AppUser, login) is not None:
            raise Conflict(f"用户“{login}”已经有了")
        taken = connection.exec_driver_sql(
            "SELECT 1 FROM pg_roles WHERE rolname = %(name)s", {"name": login}).first()
        if taken:
            raise Conflict(f"数据库服务器上已经有名为“{login}”的账号（可能属于另一个数据库），请换一个用户名")
        group = pg_security.group_roles(connection)[cunwu_role.value]
        _role_statement(connection, "CREATE ROLE {} LOGIN IN ROLE {} PASSWORD {}", (login, group), (password,))
        session.add(AppUser(login=login, display_name=shown, role=cunwu_role.value, created_by=actor))
        session.flush()
        for village_id in chosen:
            session.add(UserVillage(login=login, village_id=village_id))
        audit.record(session, actor, "create", "user", None,
                     after={"login": login, "display_name": shown, "role": cunwu_role.value, "villages": villages})
        return _info(session, login)


def _info(session: Session, login: str) -> UserInfo:
    person = _person(session, login)
    names = session.exec(
        select(Village.name).join(UserVillage, col(UserVillage.village_id) == col(Village.id))
        .where(UserVillage.login == login).order_by(col(Village.id))
    ).all()
    return UserInfo(person.login, person.display_name, Role(person.role), tuple(names), person.disabled)


def list_users(db: Database) -> list[UserInfo]:
    with db.reading() as session:
        _server_owner(session)
        logins = session.exec(select(AppUser.login).order_by(col(AppUser.login))).all()
        return [_info(session, login) for login in logins]


def disable_user(db: Database, name: str, actor: str) -> UserInfo:
    """The person can no longer connect (NOLOGIN); their rows and audit entries stay."""
    with db.transaction() as session:
        _server_owner(session)
        person = _person(session, name.strip())
        if person.disabled:
            raise ServiceError(f"用户“{person.login}”已经停用了")
        _role_statement(session.connection(), "ALTER ROLE {} NOLOGIN", (person.login,))
        person.disabled = True
        session.add(person)
        audit.record(session, actor, "disable", "user", None, before={"login": person.login, "disabled": False},
                     after={"login": person.login, "disabled": True})
        return _info(session, person.login)


def set_password(db: Database, name: str, password: str, actor: str) -> None:
    _check_password(password)
    with db.transaction() as session:
        _server_owner(session)
        person = _person(session, name.strip())
        _role_statement(session.connection(), "ALTER ROLE {} PASSWORD {}", (person.login,), (password,))
        audit.record(session, actor, "password", "user", None, after={"login": person.login})  # never the password


def signed_in(db: Database, actor: str | None = None) -> SignedIn:
    """Who is working: on SQLite the person named at start; on PostgreSQL the login connected."""
    if db.engine.dialect.name != "postgresql":
        return everyone(actor or audit.default_actor())
    with db.reading() as session:
        connection = session.connection()
        login = str(connection.execute(select(func.current_user())).scalar())
        if pg_security.is_owner(connection):
            return everyone(actor or login)
        person = session.get(AppUser, login)
        if person is None or person.disabled:
            raise ServiceError(f"数据库账号“{login}”不是村务公开助手的用户，请乡镇管理员用 cunwu user add 添加")
        role = Role(person.role)
        villages = None if role is Role.TOWNSHIP else frozenset(
            session.exec(select(UserVillage.village_id).where(UserVillage.login == login)).all())
        return SignedIn(name=actor_name(person.login, person.display_name), role=role, villages=villages)
