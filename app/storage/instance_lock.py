"""One running copy of Cunwu per database *file*: an OS lock on the database file itself.

Keyed on the file, not on its name: a hard link, a symlink, a path through `..` or a Windows 8.3
short name all reach the same file and so meet the same lock. (A lock file named after the path
let two copies write one database through a hard link; each kept its own -wal file beside its own
name and the database ended "malformed".) The lock lives on the database file, so a read-only
folder, where no lock file could be created, needs nothing more.

POSIX: flock() on a descriptor of our own. On Linux flock() and SQLite's fcntl() byte-range locks
do not interact (on BSD and macOS they would; Cunwu runs on Windows and Linux).
Windows: LockFileEx on one byte far beyond any database's end. Windows locks are mandatory, so a
locked byte inside the file would stop SQLite's own reads; SQLite's lock bytes are at 1 GiB.

The OS releases the lock when the process dies, so a crash never leaves the database locked.
Within one process the lock is shared (reference-counted, by the file's device and inode): the GUI
and its worker threads, or a test, may open the same database more than once, and every such
opening uses the name the file was first opened by, so that SQLite keeps one -wal file for it.
"""

from __future__ import annotations

import errno
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from app.storage.open_mode import open_database_file

_WINDOWS_LOCK_OFFSET_HIGH = 0x4000_0000  # byte 2**62: beyond any SQLite file (max ~ 2**47)
_ERROR_LOCK_VIOLATION = 33
NO_LOCK_WARNING = "这个磁盘不支持文件锁：请确认只有一个村务公开助手在使用这个数据库，否则数据可能损坏。"


class DatabaseInUse(RuntimeError):
    pass


@dataclass(frozen=True)
class Ticket:
    key: tuple[int, int]  # (st_dev, st_ino): the file's identity
    path: Path  # the name this process uses for the file: symlinks resolved, so backups and evidence
    #             are found beside the real file whichever name opened it
    read_only_reason: str | None
    warning: str | None


@dataclass
class _Held:
    descriptor: int
    ticket: Ticket
    locked: bool
    count: int


_held: dict[tuple[int, int], _Held] = {}
_guard = threading.Lock()


def _identity(status: os.stat_result) -> tuple[int, int]:
    return (status.st_dev, status.st_ino)


def acquire(db_path: Path) -> Ticket:
    """Lock the database file (creating it if missing) or share this process's lock on it."""
    with _guard:
        try:
            known = _held.get(_identity(os.stat(db_path)))
        except OSError:
            known = None  # not there yet: created below
        if known is not None:
            known.count += 1
            return known.ticket
        descriptor, read_only_reason = open_database_file(db_path)
        key = _identity(os.fstat(descriptor))
        outcome = _lock(descriptor)
        if outcome == "busy":
            os.close(descriptor)
            raise DatabaseInUse(
                f"数据库“{db_path}”正被另一个正在运行的村务公开助手使用。"
                "请先关闭另一个窗口（或等它的操作结束）再打开。"
            )
        ticket = Ticket(key, db_path.resolve(), read_only_reason,
                        NO_LOCK_WARNING if outcome == "unsupported" and read_only_reason is None else None)
        _held[key] = _Held(descriptor, ticket, outcome == "locked", 1)
        return ticket


def release(ticket: Ticket) -> None:
    with _guard:
        held = _held.get(ticket.key)
        if held is None:
            return
        held.count -= 1
        if held.count:
            return
        del _held[ticket.key]
        if held.locked and os.name == "nt":
            _unlock_windows(held.descriptor)
        os.close(held.descriptor)  # closing our descriptor releases the flock


def _lock(descriptor: int) -> str:
    """"locked", "busy" (another process holds it) or "unsupported" (a file system without locks)."""
    if os.name == "nt":
        return _lock_windows(descriptor)
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return "busy" if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES) else "unsupported"
    return "locked"


def _overlapped():
    import ctypes
    from ctypes import wintypes

    class Overlapped(ctypes.Structure):
        _fields_ = [("Internal", ctypes.c_void_p), ("InternalHigh", ctypes.c_void_p),
                    ("Offset", wintypes.DWORD), ("OffsetHigh", wintypes.DWORD), ("hEvent", wintypes.HANDLE)]

    return Overlapped(Offset=0, OffsetHigh=_WINDOWS_LOCK_OFFSET_HIGH)


def _lock_windows(descriptor: int) -> str:  # pragma: no cover - Windows only
    import ctypes
    import msvcrt

    LOCKFILE_FAIL_IMMEDIATELY, LOCKFILE_EXCLUSIVE_LOCK = 0x1, 0x2
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = ctypes.c_void_p(msvcrt.get_osfhandle(descriptor))
    if kernel32.LockFileEx(handle, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0,
                           ctypes.byref(_overlapped())):
        return "locked"
    return "busy" if ctypes.get_last_error() == _ERROR_LOCK_VIOLATION else "unsupported"


def _unlock_windows(descriptor: int) -> None:  # pragma: no cover - Windows only
    import ctypes
    import msvcrt

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = ctypes.c_void_p(msvcrt.get_osfhandle(descriptor))
    # Closing the handle would release it too, but "when the system has time": unlock at once.
    kernel32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(_overlapped()))
