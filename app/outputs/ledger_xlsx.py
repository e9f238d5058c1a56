"""The ledger as filtered on screen (any months, any types) as an Excel sheet: title, header, rows, totals, already masked.

The month's sheet for the wall board has its own layout (bulletin_xlsx).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from app.core.disclosure import Channel
from app.core.money import to_capital
from app.outputs.masked_rows import HEADERS, DisplayRow
from app.outputs.xlsx_cells import Money, put
from app.outputs.xlsx_sheet import print_landscape, save_atomically

EXPORT_KEYS = ("name", "id_number", "group", "subsidy", "standard", "amount", "pay_date", "note")
_WIDTHS = {"name": 12, "id_number": 22, "group": 10, "subsidy": 20, "standard": 16, "amount": 14, "pay_date": 12, "note": 24}
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_ledger_xlsx(
    path: Path,
    title: str,
    rows: Sequence[DisplayRow],
    channel: Channel,
    subtitle: str = "",
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "发放明细"
    columns = ["序号"] + [HEADERS[key] for key in EXPORT_KEYS]
    last = get_column_letter(len(columns))
    sheet.merge_cells(f"A1:{last}1")
    put(sheet, 1, 1, title, font=Font(name="黑体", size=16, bold=True),
        alignment=Alignment(horizontal="center", vertical="center"))
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells(f"A2:{last}2")
    put(sheet, 2, 1, subtitle or f"发布范围：{channel.label}（个人信息已按规定遮掩）", alignment=Alignment(horizontal="right"))
    header_row = 3
    for index, text in enumerate(columns, start=1):
        put(sheet, header_row, index, text, font=Font(bold=True), border=_BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    sheet.column_dimensions["A"].width = 6
    for index, key in enumerate(EXPORT_KEYS, start=2):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[key]
    amount_column = EXPORT_KEYS.index("amount") + 2
    for offset, row in enumerate(rows, start=1):
        put(sheet, header_row + offset, 1, offset, border=_BORDER)
        for index, key in enumerate(EXPORT_KEYS, start=2):
            # Amounts are numbers (a township adds them up); a masked ID and the rest stay text.
            value = Money(row.amount_fen) if key == "amount" else getattr(row, key)
            put(sheet, header_row + offset, index, value, border=_BORDER,
                alignment=Alignment(horizontal="right") if key == "amount" else None)
    total_row = header_row + len(rows) + 1
    total_fen = sum(row.amount_fen for row in rows)
    put(sheet, total_row, 1, "合计", font=Font(bold=True))
    put(sheet, total_row, 2, f"{len(rows)} 人次")
    put(sheet, total_row, amount_column, Money(total_fen), font=Font(bold=True), alignment=Alignment(horizontal="right"))
    put(sheet, total_row, amount_column + 1, f"大写：{to_capital(total_fen)}")
    for index in range(1, len(columns) + 1):
        sheet.cell(row=total_row, column=index).border = _BORDER
    print_landscape(sheet, header_row)
    return save_atomically(workbook, path)
