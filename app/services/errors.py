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
