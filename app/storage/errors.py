"""Why a database could not be opened or written: each one Chinese sentence for the clerk."""

from __future__ import annotations


class DatabaseOpenError(RuntimeError):
    pass


class DatabaseCorrupt(DatabaseOpenError):
    pass


class BackupFailed(DatabaseOpenError):
    """A backup could not be made and checked; nothing is left under a backup's name."""


class DatabaseReadOnly(RuntimeError):
    """A write to a database opened read-only: refused before anything changed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"数据库是以只读方式打开的（{reason}），不能修改，只能查看和打印。"
            "要修改，请把数据库复制到本机硬盘上可以写入的文件夹，再用村务公开助手打开"
        )
