"""Files that hold people's data are readable by the clerk's own account only.

On POSIX: folders 0700, files 0600 — created that way (an explicit mode, never a process-wide
umask, which would race with the window's worker threads). SQLite gives the -wal, -shm and journal
files the database file's own mode. On Windows the per-user data folder's inherited ACL already
keeps other accounts out, and POSIX modes mean nothing there: nothing is changed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_POSIX = os.name == "posix"
# O_NOFOLLOW does not exist on Windows, where O_EXCL alone refuses any existing name, a link included.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def make_private_dir(folder: Path) -> Path:
    """Create the folder (and its parents) if needed; a folder of ours is tightened to 0700."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    tighten(folder, PRIVATE_DIR_MODE)
    return folder


def tighten(path: Path, mode: int) -> None:
    """Drop group and other access from a file or folder this account owns; leave others' alone."""
    if not _POSIX:
        return
    try:
        status = path.stat()
        if status.st_uid == os.geteuid() and status.st_mode & 0o077:
            os.chmod(path, mode)
    except OSError:
        pass  # a folder on a medium we may not change (read-only, FAT): its own rules apply


def create_exclusive(path: Path) -> int:
    """Open a new file for writing, 0600; refuse any existing name, a planted link included."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, PRIVATE_FILE_MODE)


def create_temporary(folder: Path, prefix: str, suffix: str = ".part") -> tuple[Path, int]:
    """A fresh, unguessable name in `folder`, created exclusively: (path, open descriptor)."""
    for _ in range(16):
        candidate = folder / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            return candidate, create_exclusive(candidate)
        except FileExistsError:
            continue  # someone's file (or link) under that name: take another
    raise FileExistsError(f"no free temporary name in {folder}")


def sync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable (POSIX); Windows has no directory handle to flush."""
    if not _POSIX:
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a directory; the file itself was synced
    finally:
        os.close(descriptor)
