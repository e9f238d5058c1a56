"""What every Excel file Cunwu writes shares: A4 landscape printing and a save that never leaves half a file."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.outputs.atomic import write_bytes


def print_landscape(ws: Worksheet, header_row: int, orientation: str = "landscape") -> None:
    """A4, one page wide, as long as it takes; the header row repeated on every printed page."""
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save_atomically(workbook: Workbook, path: Path | str) -> Path:
    """The workbook is made in memory and written in one go: a full disk fails cleanly, with no
    half-written file under the real name (openpyxl writing straight to disk would leave its zip open)."""
    workbook.properties.creator = "村务公开助手"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_bytes(path, buffer.getvalue())
