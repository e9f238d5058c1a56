"""A full disk, said with the numbers the clerk needs: how much is free, how much the step needs."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

# Room kept beyond a copy's own size: SQLite's journal while a copy is checked, the file system's
# own bookkeeping. A copy that would leave less than this is refused before it starts.
MARGIN_BYTES = 4 * 1024 * 1024


class NotEnoughSpace(RuntimeError):
    """Refused or stopped for lack of disk space; whatever was begun has been removed."""

    def __init__(self, what: str, folder: Path, needed: int | None = None) -> None:
        self.what, self.folder, self.needed = what, folder, needed
        self.free = free_bytes(folder)
        need = f"需要约 {format_size(needed)}，" if needed else ""
        free = f"磁盘上只剩 {format_size(self.free)}" if self.free is not None else "磁盘已满"
        super().__init__(
            f"磁盘空间不足，{what}没有完成：{need}{free}。没有留下写了一半的文件，数据库没有改动；"
            "请清理磁盘（删除不用的文件或清空回收站）后重试"
        )


def format_size(size: int) -> str:
    """1536 → "1.5 KB"; sizes as Windows Explorer shows them (1 KB = 1024 bytes)."""
    value = float(size)
    for unit in ("字节", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "字节" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def free_bytes(folder: Path) -> int | None:
    """Free space where `folder` (or its nearest existing parent) lives; None when it cannot be known."""
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def require(what: str, folder: Path, needed: int) -> None:
    """Refuse before writing anything when `needed` bytes (plus a margin) will not fit."""
    free = free_bytes(folder)
    if free is not None and free < needed + MARGIN_BYTES:
        raise NotEnoughSpace(what, folder, needed + MARGIN_BYTES)


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC from the OS, or SQLite's own SQLITE_FULL ("database or disk is full")."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        if candidate is None:
            continue
        if getattr(candidate, "errno", None) in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return True
        # SQLITE_IOERR_SHMSIZE: the -shm file beside a WAL database could not be given its 32 KB.
        if getattr(candidate, "sqlite_errorname", "") in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE") \
                or "database or disk is full" in str(candidate):
            return True
    return False


def looks_like_full_disk(error: BaseException, folder: Path) -> bool:
    """Also SQLite's plain "disk I/O error" when the disk has (almost) no room left: that is why."""
    if is_disk_full(error):
        return True
    names = [getattr(e, "sqlite_errorname", "") for e in (error, getattr(error, "orig", None), error.__cause__) if e]
    free = free_bytes(folder)
    return any(name.startswith("SQLITE_IOERR") for name in names) and free is not None and free < MARGIN_BYTES
