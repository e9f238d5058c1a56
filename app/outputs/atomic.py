"""Writing an output file so that the clerk finds either the whole file or none at all.

A full USB stick, a file open in Excel or a killed process must never leave half a PDF under the
name the clerk chose (it would open as "damaged" on the wall-board PC), nor a stray `.part` file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(out: Path | str) -> Iterator[Path]:
    """A temporary path beside `out`: renamed to `out` when the block succeeds, removed when it fails."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".part")
    try:
        yield temporary
        temporary.replace(out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes(out: Path | str, data: bytes) -> Path:
    with atomic_path(out) as temporary:
        temporary.write_bytes(data)
    return Path(out)
