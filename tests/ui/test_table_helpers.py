"""The window's small shared helpers."""

from __future__ import annotations

from pathlib import Path

from app.ui.table_helpers import with_suffix


def test_a_saved_file_keeps_an_accepted_suffix_and_gets_the_first_one_otherwise():
    assert with_suffix("/tmp/公开表.PDF", ".pdf") == Path("/tmp/公开表.PDF")
    assert with_suffix("/tmp/公开表", ".pdf") == Path("/tmp/公开表.pdf")
    assert with_suffix("/tmp/目录.xlsx", ".pdf", ".xlsx") == Path("/tmp/目录.xlsx")
    assert with_suffix("/tmp/目录.2026.10", ".pdf", ".xlsx") == Path("/tmp/目录.2026.10.pdf")
