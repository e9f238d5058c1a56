"""Why the township server refused a connection or a statement: one Chinese sentence for the clerk.

psycopg raises connection failures as a plain OperationalError without a SQLSTATE (libpq gives none
before the session exists), so they are told apart by the server's text: in English, and in the
Chinese the server sends when it runs in a Chinese locale (PostgreSQL's own zh_CN translations). Once
connected, errors carry their SQLSTATE (28P01, 28000, 3D000, 42501). Nothing of the driver's text is
repeated: it may hold the host, the user or a statement's values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from app.storage.errors import DatabaseOpenError

BAD_LOGIN = "用户名或密码不对，请检查后重新输入（密码区分大小写）。"
DISABLED = "这个用户已被停用，不能登录。如需继续使用，请找乡镇管理员。"
NO_CONNECT = "这个用户没有使用该数据库的权限。请找乡镇管理员开通。"
NO_DATABASE = "服务器上没有这个数据库，请检查数据库名称。"
UNKNOWN_HOST = "找不到这个服务器地址，请检查服务器地址是否填写正确。"
UNREACHABLE = ("连接不上乡镇服务器：请检查网线或无线网络是否连通、服务器是否开机，"
               "以及服务器地址和端口是否正确。")
NEEDS_UPGRADE = ("服务器上的数据库需要升级，而升级只能由数据库管理员来做。"
                 "请乡镇管理员用管理员账户打开一次（cunwu --db 管理员连接 init）后再连接。")
NOT_ALLOWED = "您的账户没有执行这个操作的权限，没有写入任何数据。"

# (sentence, alternatives): a sentence fits when every word of one alternative is in the text. The
# first fitting sentence wins, so the narrow ones come first.
_DISABLED_WORDS = (("is not permitted to log in",), ("不允许角色",))
_BY_TEXT: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (BAD_LOGIN, (("password authentication failed",), ("password 认证失败",), ("no password supplied",),
                 ("authentication failed",))),
    (DISABLED, _DISABLED_WORDS),
    (NO_CONNECT, (("connect privilege",), ("connect权限",), ("permission denied for database",), ("访问数据库",))),
    (NO_DATABASE, (('database "', "does not exist"), ('数据库 "', "不存在"))),
    (UNKNOWN_HOST, (("failed to resolve host",), ("could not translate host name",),
                    ("name or service not known",), ("nodename nor servname",), ("no such host",))),
    (UNREACHABLE, (("connection refused",), ("timeout expired",), ("timed out",), ("could not connect to server",),
                   ("no route to host",), ("network is unreachable",), ("server closed the connection",),
                   ("connection reset",), ("actively refused",), ("ssl negotiation",))),
)

_SQLSTATES = {
    "28P01": BAD_LOGIN,  # invalid_password
    "3D000": NO_DATABASE,  # invalid_catalog_name
}
_DDL_WORDS = ("alter ", "create ", "drop ", "comment ", "grant ", "revoke ")


class ServerRefused(DatabaseOpenError):
    """The server's refusal as its sentence: a refusal the window and the command line show as is."""


@contextlib.contextmanager
def as_refusal() -> Iterator[None]:
    """Within: a server refusal is raised as a ServerRefused with its sentence (the driver's error as its
    cause), so the window takes it for a refusal, not for the program's failure; other errors pass."""
    try:
        yield
    except ServerRefused:
        raise
    except Exception as error:
        said = describe(error)
        if said is None:
            raise
        raise ServerRefused(said) from error


class NeedsUpgrade(RuntimeError):
    """The database's schema is older than this program and the person signed in is not its owner."""

    def __init__(self) -> None:
        super().__init__(NEEDS_UPGRADE)


def describe(error: BaseException) -> str | None:
    """The sentence for a server refusal, or None when `error` is not one (the caller says its own)."""
    if isinstance(error, (NeedsUpgrade, ServerRefused)):
        return str(error)
    driver = _driver_error(error)
    if driver is None:
        return None
    state = getattr(driver, "sqlstate", None)
    if state == "42501":  # insufficient_privilege: DDL of a migration, or a statement the role may not run
        return NEEDS_UPGRADE if _during_migration(error) else NOT_ALLOWED
    if state in _SQLSTATES:
        return _SQLSTATES[state]
    text = str(driver).lower()
    if state == "28000":  # invalid_authorization_specification: unknown role, NOLOGIN, pg_hba refusal
        return DISABLED if _fits(text, _DISABLED_WORDS) else BAD_LOGIN
    for sentence, alternatives in _BY_TEXT:
        if _fits(text, alternatives):
            return sentence
    if _is_connection_error(driver):
        return UNREACHABLE
    return None


def _fits(text: str, alternatives: tuple[tuple[str, ...], ...]) -> bool:
    return any(all(word in text for word in words) for words in alternatives)


def _driver_error(error: BaseException) -> BaseException | None:
    """psycopg's exception: itself, SQLAlchemy's `.orig`, or one in the chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__module__.split(".")[0] == "psycopg":
            return current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
            continue
        current = current.__cause__ or current.__context__
    return None


def _is_connection_error(driver: BaseException) -> bool:
    """An OperationalError raised before a session existed (psycopg.errors.ConnectionTimeout included)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; without it nothing connects
        return False
    return isinstance(driver, psycopg.OperationalError) and getattr(driver, "sqlstate", None) is None


def _during_migration(error: BaseException) -> bool:
    """A DDL statement, or one raised inside Alembic or a migration script: only the owner may run those."""
    statement = str(getattr(error, "statement", "") or "").lstrip().lower()
    if statement.startswith(_DDL_WORDS) or "alembic_version" in statement:
        return True
    text = str(_driver_error(error) or "").lower()
    if "must be owner of" in text or "的属主" in text:
        return True
    trace = error.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_globals.get("__name__", "")
        if name.startswith("alembic") or "db/versions" in trace.tb_frame.f_code.co_filename.replace("\\", "/"):
            return True
        trace = trace.tb_next
    return False
