"""The bulletin sheet as an Excel workbook, laid out like the printed sheet.

Same title, posting period, sections with counts and subtotals, sensitive types as totals only, grand
total with 大写, signature line and channel note. Amounts are numbers (so the township can add them
up) and every other cell is text written through app.outputs.xlsx_cells.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.core.disclosure import published
from app.core.money import format_yuan
from app.core.periods import format_month_zh
from app.outputs.bulletin_model import BulletinSheet
from app.outputs.xlsx_cells import Money, put
from app.outputs.xlsx_sheet import print_landscape, save_atomically

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")
_WIDTH_SCALE = 120  # relative column width → Excel character width


def _date_zh(day) -> str:  # noqa: ANN001
    return f"{day.year}年{day.month}月{day.day}日"


def write_bulletin_xlsx(sheet: BulletinSheet, path: Path) -> Path:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "公开表"
    keys = [key for key, _, _ in sheet.columns]
    last = get_column_letter(len(keys))
    row = 1

    def span(text: str, bold: bool = False, border: bool = True, align: str = "left") -> None:
        nonlocal row
        ws.merge_cells(f"A{row}:{last}{row}")
        put(ws, row, 1, text, font=Font(bold=bold), alignment=Alignment(horizontal=align, vertical="center", wrap_text=True))
        if border:
            for column in range(1, len(keys) + 1):
                ws.cell(row=row, column=column).border = _BORDER
        row += 1

    amount_column = keys.index("amount") + 1

    def amount_row(text: str, fen: int, after: str = "") -> None:
        """Text, the amount as a number in its column, text: the column adds up to the grand total."""
        nonlocal row
        if amount_column > 1:
            ws.merge_cells(f"A{row}:{get_column_letter(amount_column - 1)}{row}")
        put(ws, row, 1, text, font=Font(bold=True), alignment=Alignment(horizontal="left", vertical="center", wrap_text=True))
        put(ws, row, amount_column, Money(fen), font=Font(bold=True), alignment=Alignment(horizontal="right"))
        if amount_column < len(keys):
            ws.merge_cells(f"{get_column_letter(amount_column + 1)}{row}:{last}{row}")
            put(ws, row, amount_column + 1, after, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True))
        for column in range(1, len(keys) + 1):
            ws.cell(row=row, column=column).border = _BORDER
        row += 1

    meta = sheet.meta
    span(meta.title, bold=True, border=False, align="center")
    ws.cell(row=1, column=1).font = Font(name="黑体", size=16, bold=True)
    ws.row_dimensions[1].height = 30
    place = f"乡镇：{meta.township}" + (f"　村：{meta.village}" if meta.village else "")
    span(f"{place}　　公开时间：自 {_date_zh(meta.posting_start)} 至 {_date_zh(meta.posting_end)}", border=False)
    header_row = row
    for index, (_, label, width) in enumerate(sheet.columns, start=1):
        put(ws, row, index, label, font=Font(bold=True), fill=_HEADER_FILL, border=_BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        ws.column_dimensions[get_column_letter(index)].width = max(6, width * _WIDTH_SCALE)
    row += 1
    for section in sheet.sections:
        summary = f"共 {section.count} 人次，小计 {format_yuan(section.subtotal_fen, thousands=True)} 元"
        summary += "".join(f"　{label}：{text}" for label, text in (("发放单位", section.issuer), ("政策依据", section.basis))
                           if text)
        if section.sensitive:
            # No rows stand for this section, so its subtotal is the number in the amount column.
            amount_row(f"{section.heading}　{summary}", section.subtotal_fen, "涉及个人隐私，只公开人数和金额")
            continue
        span(f"{section.heading}　{summary}", bold=True)
        for sheet_row in section.rows:
            for index, key in enumerate(keys, start=1):
                value = Money(sheet_row.amount_fen) if key == "amount" else sheet_row.cells[key]
                horizontal = "right" if key in ("amount", "count") else "center" if key in ("serial", "pay_date", "group") else "left"
                put(ws, row, index, value, border=_BORDER,
                    alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=True))
            row += 1
    amount_row(f"合计：共 {sheet.total_count} 人次，金额 {sheet.total_text} 元", sheet.total_fen, f"大写：{sheet.total_capital}")
    if sheet.corrections:
        span("更正说明（上月公开表张贴后更正的发放记录）", bold=True)
        for number, c in enumerate(sheet.corrections, start=1):
            reason = f"；原因：{c.reason}" if c.reason else ""
            span(f"{number}. {c.name}　{c.subsidy}　{format_month_zh(c.period)}　原 {format_yuan(c.old_fen, True)} 元，"
                 f"更正为 {format_yuan(c.new_fen, True)} 元{reason}")
    row += 1
    span("　　　　".join(label + "__________" for label in sheet.signatures), border=False)
    footer = f"发布范围：{meta.scope_text}（个人信息已按规定遮掩）"
    if meta.supervision_phone:
        footer = f"监督电话：{meta.supervision_phone}　　" + footer
    with published(meta.supervision_phone):
        span(footer, border=False, align="right")
    print_landscape(ws, header_row)
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    return save_atomically(workbook, path)
