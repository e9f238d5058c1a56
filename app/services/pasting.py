"""Payouts pasted into the ledger from Excel or WPS: checked like an import, all or nothing.

The clerk copies rows (with or without their header row), the window shows what each column was
taken to be and lets her change it, then the rows go through the very import of a county file
(app.services.importing): the same cell rules, the same refusals, the same audit and archive piece.
Messages count rows as they were pasted (the first pasted line is 第 1 行) and columns as A, B, C…
of the pasted block.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.core.pasted import guess_columns, header_of, split_clipboard
from app.core.payout_table import Col
from app.inputs.tabular import Sheet, TabularFile
from app.services.errors import ServiceError
from app.services.importing import (
    CancelCheck,
    ImportRefused,
    ImportRequest,
    ImportResult,
    Progress,
    import_payouts,
    never,
    no_progress,
)
from app.services.subsidies import list_subsidies
from app.storage.engine import Database

PASTE_NAME = "从 Excel 粘贴的内容"
MAX_ROWS = 20_000  # a paste is a few rows to a few hundred; a whole file is imported as a file
REQUIRED = (Col.NAME, Col.ID_NUMBER, Col.AMOUNT)


@dataclass(frozen=True)
class PastedBlock:
    rows: tuple[tuple[str, ...], ...]  # as pasted, its header row (if any) included
    has_header: bool
    columns: tuple[Col | None, ...]  # what each column holds: from the header, else guessed


def read_block(db: Database, text: str) -> PastedBlock:
    """The clipboard's text as rows, and what each column is (its header's word, else a guess)."""
    rows = split_clipboard(text)
    if not rows:
        raise ServiceError("剪贴板里没有可以粘贴的内容：请先在 Excel 中选中要粘贴的行，按 Ctrl+C 复制")
    if len(rows) > MAX_ROWS:
        raise ServiceError(f"一次粘贴了 {len(rows):,} 行，太多了：请把这些行另存为 Excel 文件，用“导入”导入")
    named = header_of(rows)
    if named is not None:
        return PastedBlock(tuple(map(tuple, rows)), True, tuple(named))
    known = {s.name for s in list_subsidies(db)}
    return PastedBlock(tuple(map(tuple, rows)), False, tuple(guess_columns(rows, known)))


def import_block(
    db: Database,
    block: PastedBlock,
    columns: tuple[Col | None, ...],
    village: str,
    actor: str,
    month: dt.date | None = None,
    subsidy: str | None = None,
    dry_run: bool = False,
    progress: Progress = no_progress,
    cancelled: CancelCheck = never,
) -> ImportResult:
    """Check (dry_run) or import the block's data rows with the columns as the clerk confirmed them."""
    chosen = [col for col in columns if col is not None]
    missing = [col.label for col in REQUIRED if col not in chosen]
    if missing:
        raise ServiceError(f"请指定哪一列是{'、'.join(missing)}（在每列上方的选择框中选）")
    twice = sorted({col.label for col in chosen if chosen.count(col) > 1})
    if twice:
        raise ServiceError(f"“{'、'.join(twice)}”指定给了不止一列，请只留一列")
    data = block.rows[1:] if block.has_header else block.rows
    header = [col.label if col is not None else "" for col in columns]
    grid: list[list[object]] = [list[object](header)]
    grid.extend(list[object](row) for row in data)
    digest = hashlib.sha256("\n".join("\t".join(map(str, row)) for row in grid).encode("utf-8")).hexdigest()
    tabular = TabularFile(path=Path(PASTE_NAME), sha256=digest, sheets=[Sheet("粘贴", grid)])
    request = ImportRequest(
        path=Path(PASTE_NAME), village=village, month=month, subsidy=subsidy, dry_run=dry_run, grid=tabular,
        # Pasted with its header: the grid is numbered as pasted. Without: our header was put above it.
        row_shift=0 if block.has_header else -1,
    )
    try:
        return import_payouts(db, request, actor, progress, cancelled)
    except ImportRefused as refused:  # said of what was pasted, not of a file
        raise ImportRefused(_of_paste(refused.message), [_of_paste(line) for line in refused.problems]) from refused


def _of_paste(text: str) -> str:
    return text.replace(f"文件“{PASTE_NAME}”，", "粘贴的内容").replace(f"文件“{PASTE_NAME}”", "粘贴的内容")
