"""The only way a value enters a spreadsheet cell Cunwu writes.

- Text passes the disclosure gate's sink (app.core.disclosure.for_output) and is stored as a string
  cell, never as a formula: a value starting with = + - @ (OWASP's CSV-injection list) is a literal
  string with Excel's quote prefix, so editing the cell cannot turn it into a formula either.
  Characters XML cannot carry (NUL, escape…) are dropped instead of crashing the save.
- Money (integer 分) is a number with the format #,##0.00, so a township can add the column up;
  dates are dates (yyyy-mm-dd unless the form asks otherwise); counts are integers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from app.core.disclosure import for_output
from app.core.text_rules import FORMULA_START

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
# XML 1.0 has no place for C0 controls other than tab, line feed and carriage return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Money:
    """An amount in 分, to be written as a number of yuan."""

    __slots__ = ("fen",)

    def __init__(self, fen: int) -> None:
        self.fen = fen


Value = str | int | Money | dt.date | None


def cell_text(text: str) -> str:
    return _ILLEGAL.sub("", for_output(text))


def put(
    ws: Worksheet,
    row: int,
    column: int,
    value: Value,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
    fill: PatternFill | None = None,
) -> Cell:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Money):
        cell.value = Decimal(value.fen) / 100
        cell.number_format = number_format or MONEY_FORMAT
    elif isinstance(value, bool):
        raise TypeError("a flag is not a cell value")
    elif isinstance(value, (int, float)):
        cell.value = value
        if number_format:
            cell.number_format = number_format
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = number_format or DATE_FORMAT
    elif value is None or value == "":
        cell.value = None
    else:
        text = cell_text(str(value))
        cell.value = text
        cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; data is never one
        cell.number_format = number_format or TEXT_FORMAT
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    return cell


def put_row(ws: Worksheet, row: int, values: list[Value], **style: object) -> None:
    for column, value in enumerate(values, start=1):
        put(ws, row, column, value, **style)  # type: ignore[arg-type]
