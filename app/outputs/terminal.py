"""The terminal as an output: everything the command line prints passes the disclosure gate's sink.

The CLI puts its standard output and error behind `gated()` for the whole run, so a listing, a
summary line, an error message or a library's text cannot print an ID, phone or account number,
whatever command wrote it. Text is held until the end of its line (a number is never seen in
halves) and terminal control characters that data could carry (escape sequences, backspace, NUL)
are dropped: a name must not be able to recolour or rewrite the clerk's screen.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from typing import Iterator, TextIO

from app.core.disclosure import for_output

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b]")


class GatedStream(io.TextIOBase):
    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8")

    def isatty(self) -> bool:
        return self._target.isatty()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        last = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if last >= 0:
            ready, self._pending = self._pending[: last + 1], self._pending[last + 1:]
            self._emit(ready)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""
        self._target.flush()

    def _emit(self, text: str) -> None:
        self._target.write(_CONTROL.sub("", for_output(text)))


@contextlib.contextmanager
def gated() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GatedStream(saved[0]), GatedStream(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = saved
