"""Errors a use case reports to the clerk (messages in Chinese), whatever the front end."""

from __future__ import annotations


class ServiceError(Exception):
    """Refused: nothing was written. `problems` holds one line per reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or [message]


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Cancelled(ServiceError):
    def __init__(self) -> None:
        super().__init__("已取消，没有写入任何数据")


NO_PERMISSION = "您没有权限做这项操作（数据库拒绝了：只能改动自己负责的村、自己的角色允许的数据），没有写入任何数据"
POSTED_MONTH = "该月公开表已经张贴，发放记录已锁定，不能增加、修改或删除；要改金额请用“更正”并写明原因"
AUDIT_APPEND_ONLY = "操作日志只能追加，不能修改或删除"
_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL: no grant, or a row-level security WITH CHECK failed


def database_refusal(error: BaseException) -> str | None:
    """What the database refused and why, as the clerk's sentence; None when it was not a refusal.

    Looks through SQLAlchemy's wrapper to the driver's error (its SQLSTATE, or the trigger's word)."""
    from app.storage.pg_security import AUDIT_APPEND_ONLY as audit_word
    from app.storage.pg_security import POSTED_MONTH as posted_word

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        said = str(current)
        if posted_word in said:
            return POSTED_MONTH
        if audit_word in said:
            return AUDIT_APPEND_ONLY
        if getattr(current, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
            return NO_PERMISSION
        current = getattr(current, "orig", None) or current.__cause__
    return None


_READ_ONLY_WORDS = ("attempt to write a readonly database", "read-only file system")


def describe_failure(error: BaseException) -> str:
    """An unexpected failure as one Chinese sentence with no personal data in it (no values, no SQL).

    Database drivers put the statement's parameters (names, ID numbers) into their messages;
    none of that text is repeated here, only what kind of failure it was.
    """
    from app.storage.disk_space import is_disk_full

    refused = database_refusal(error)
    if refused is not None:
        return refused
    text = str(error).lower()
    if is_disk_full(error):
        return "磁盘空间已满，操作没有完成，数据库没有改动。请清理磁盘（删除不用的文件或清空回收站）后重试"
    if any(word in text for word in _READ_ONLY_WORDS):
        return "数据库文件或所在文件夹是只读的，不能写入。请把数据库复制到本机硬盘上再用"
    if "database is locked" in text:
        return "数据库正被另一个程序使用，请稍后再试"
    if isinstance(error, PermissionError):
        return "没有权限读写该文件或文件夹，操作没有完成"
    if isinstance(error, MemoryError):
        return "内存不足，操作没有完成，没有写入任何数据"
    return f"程序内部出错，操作没有完成，没有写入任何数据（错误类型 {type(error).__name__}）"


def known_errors() -> tuple[type[BaseException], ...]:
    """Refusals whose own text is a Chinese sentence for the clerk (no values from the data)."""
    from app.core.money import MoneyError
    from app.core.periods import PeriodError
    from app.inputs.tabular import TabularFileError
    from app.outputs.fonts import MissingGlyph
    from app.storage.disk_space import NotEnoughSpace
    from app.storage.engine import DatabaseCorrupt, DatabaseOpenError, DatabaseReadOnly
    from app.storage.instance_lock import DatabaseInUse
    from app.storage.migrations import DatabaseFromNewerVersion

    return (ServiceError, TabularFileError, DatabaseCorrupt, DatabaseOpenError, DatabaseInUse,
            DatabaseFromNewerVersion, MissingGlyph, MoneyError, PeriodError, DatabaseReadOnly, NotEnoughSpace)


def clerk_message(error: BaseException) -> str:
    """What the clerk is told about an error, in the window or on the command line."""
    from app.core.disclosure import safe_message

    if isinstance(error, ServiceError):
        return safe_message(error.message)
    if isinstance(error, known_errors()):
        return safe_message(error)
    return describe_failure(error)
