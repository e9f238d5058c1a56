"""One running copy of Cunwu per database: an OS lock on a file beside it.

The OS releases the lock when the process dies, so a crash never leaves the database locked.
Within one process the lock is shared (reference-counted): the GUI and its worker threads, or a
test, may open the same database more than once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO


class DatabaseInUse(RuntimeError):
    pass


_held: dict[Path, tuple[IO[bytes], int]] = {}
_guard = threading.Lock()


def _lock_file(handle: IO[bytes]) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def acquire(db_path: Path) -> Path:
    key = db_path.resolve()
    with _guard:
        if key in _held:
            handle, count = _held[key]
            _held[key] = (handle, count + 1)
            return key
        handle = open(lock_path_for(key), "a+b")
        if not _lock_file(handle):
            handle.close()
            raise DatabaseInUse(
                f"数据库“{db_path}”正被另一个正在运行的村务公开助手使用。"
                "请先关闭另一个窗口（或等它的操作结束）再打开。"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        _held[key] = (handle, 1)
        return key


def release(key: Path) -> None:
    with _guard:
        if key not in _held:
            return
        handle, count = _held[key]
        if count > 1:
            _held[key] = (handle, count - 1)
            return
        del _held[key]
        handle.close()  # closing the descriptor releases the OS lock
