"""Whether a database file can be written, and if not, why — decided by trying, not by guessing.

`os.access` answers for permission bits only (and says yes to root); a CD, a write-protected USB
stick, a folder the clerk may not write or a file marked read-only each answer differently when
the OS is asked to open for writing. The answer names the reason in the clerk's words.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from app.storage.errors import DatabaseOpenError
from app.storage.private_files import PRIVATE_FILE_MODE, create_temporary, tighten

FILE_READ_ONLY = "数据库文件是只读的"
FOLDER_READ_ONLY = "数据库所在的文件夹不能写入"
MEDIUM_READ_ONLY = "数据库所在的光盘或U盘是只读的（或打开了写保护）"

_BINARY = getattr(os, "O_BINARY", 0)
_NOINHERIT = getattr(os, "O_NOINHERIT", 0)  # Windows: a child process must not inherit the lock
_WINDOWS_SHARING_VIOLATION = 32


def reason_for(error: OSError) -> str | None:
    """The read-only reason an OS refusal stands for; None when it is something else."""
    if error.errno == errno.EROFS:
        return MEDIUM_READ_ONLY
    if getattr(error, "winerror", None) == _WINDOWS_SHARING_VIOLATION:
        return None  # another program holds the file open: not a read-only file
    if error.errno in (errno.EACCES, errno.EPERM):
        return FILE_READ_ONLY
    return None


def open_database_file(path: Path) -> tuple[int, str | None]:
    """Open (creating it 0600 if missing) the database file: (descriptor, read-only reason or None).

    The descriptor is the one the instance lock is taken on, so the file is opened once here.
    """
    flags = _BINARY | _NOINHERIT
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | flags, PRIVATE_FILE_MODE)
    except OSError as exc:
        reason = reason_for(exc)
        if reason is None:
            raise DatabaseOpenError(f"无法打开数据库文件“{path}”（{_os_error(exc)}）") from exc
        if not path.exists():
            folder_reason = MEDIUM_READ_ONLY if reason == MEDIUM_READ_ONLY else FOLDER_READ_ONLY
            raise DatabaseOpenError(f"无法在“{path.parent}”中新建数据库：{folder_reason}") from exc
        try:
            return os.open(path, os.O_RDONLY | flags), reason
        except OSError as again:
            raise DatabaseOpenError(f"无法读取数据库文件“{path}”（{_os_error(again)}）") from again
    tighten(path, PRIVATE_FILE_MODE)  # a database made by an older version was 0644
    return descriptor, folder_reason_for(path.parent)


def _os_error(error: OSError) -> str:
    """The OS's own text is English on most systems: the clerk gets the kind and the code."""
    if isinstance(error, IsADirectoryError):
        return "这是一个文件夹，不是数据库文件"
    if isinstance(error, FileNotFoundError):
        return "路径中的文件夹不存在"
    return f"系统错误代码 {error.errno}"


def folder_reason_for(folder: Path) -> str | None:
    """SQLite keeps its -wal and -shm files beside the database: a folder it cannot write is read-only."""
    try:
        probe, descriptor = create_temporary(folder, ".cunwu-probe-", ".tmp")
    except OSError as exc:
        reason = reason_for(exc)
        if reason is None:
            return None  # some other trouble: let SQLite report it when it happens
        return MEDIUM_READ_ONLY if reason == MEDIUM_READ_ONLY else FOLDER_READ_ONLY
    os.close(descriptor)
    try:
        probe.unlink()
    except OSError:
        pass
    return None
