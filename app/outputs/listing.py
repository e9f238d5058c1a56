"""Plain listings of masked rows for the terminal, CSV and JSON.

The terminal itself is gated (app.outputs.terminal); CSV adds the spreadsheet rule: it starts with
a UTF-8 BOM (Excel then reads Chinese correctly) and a cell from data that Excel would run as a
formula (= + - @ tab CR, OWASP's list) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence

from app.core.disclosure import for_output
from app.core.money import format_yuan
from app.core.text_rules import FORMULA_START
from app.outputs.masked_rows import HEADERS, JSON_KEYS, DisplayRow

TABLE_KEYS = ("name", "id_number", "group", "subsidy", "period", "amount", "pay_date", "note")
CSV_KEYS = ("name", "id_number", "group", "subsidy", "period", "amount", "pay_date", "standard", "note")


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - display_width(text))
    return space + text if right else text + space


# Between columns: a bar, which is not among the characters that may stand inside a number
# (app.core.text_rules): with spaces alone an amount and the pay date beside it ("560.00  2026-10-18")
# read as one 13-digit account to the terminal's gate, which masked them away.
COLUMN_GAP = " | "


def to_table(rows: Sequence[DisplayRow]) -> str:
    headers = [HEADERS[key] for key in TABLE_KEYS]
    body = [[getattr(row, key) for key in TABLE_KEYS] for row in rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in body]) for i, h in enumerate(headers)]
    amount_index = TABLE_KEYS.index("amount")
    lines = [COLUMN_GAP.join(_pad(h, widths[i], i == amount_index) for i, h in enumerate(headers)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for r in body:
        lines.append(COLUMN_GAP.join(_pad(cell, widths[i], i == amount_index) for i, cell in enumerate(r)).rstrip())
    total = sum(row.amount_fen for row in rows)
    lines.append(f"共 {len(rows)} 条，合计 {format_yuan(total, thousands=True)} 元")
    return "\n".join(lines)


BOM = "\ufeff"


def csv_cell(value: object) -> str:
    text = for_output("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV document, every cell through csv_cell."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def to_csv(rows: Sequence[DisplayRow]) -> str:
    return csv_text([HEADERS[key] for key in CSV_KEYS], ([getattr(row, key) for key in CSV_KEYS] for row in rows))


def to_json(rows: Sequence[DisplayRow]) -> str:
    return json.dumps([row.as_dict(JSON_KEYS) for row in rows], ensure_ascii=False, indent=2)
