"""The filing index (归档文件目录, DA/T 22-2015 §9.3) as PDF (A4 portrait) and as Excel for the township."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from app.outputs.table_pdf import Column, TableDocument, render_table

# DA/T 22-2015's columns; 件号 leads because the clerk finds a piece by it on the filing stamp.
COLUMNS = [
    Column("number", "件号", 5, "center"),
    Column("code", "档号", 22),
    Column("doc_number", "文号", 9),
    Column("responsible", "责任者", 14),
    Column("title", "题名", 25),
    Column("date", "日期", 9, "center"),
    Column("secrecy", "密级", 5, "center"),
    Column("pages", "页数", 5, "center"),
    Column("remark", "备注", 13),
]


@dataclass(frozen=True)
class IndexRow:
    """One line of the index: plain text, as printed (the service composes the 档号)."""

    number: str
    code: str
    doc_number: str
    responsible: str
    title: str
    date: str
    pages: int
    remark: str

    def cells(self) -> dict[str, str]:
        return {"number": self.number, "code": self.code, "doc_number": self.doc_number,
                "responsible": self.responsible, "title": self.title, "date": self.date,
                "secrecy": "", "pages": str(self.pages), "remark": self.remark}


def _as_date(text: str) -> dt.date | str:
    """DA/T 22's YYYYMMDD as a date; a partial date (a month, a year) stays text."""
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return text


def index_title(village: str, year: int, month: int | None) -> str:
    return f"{village}{year}年{f'{month}月' if month else ''}归档文件目录"


def render_index_pdf(village: str, fonds: str, year: int, month: int | None, rows: Sequence[IndexRow],
                     out: Path) -> int:
    doc = TableDocument(
        title=index_title(village, year, month),
        columns=COLUMNS,
        rows=[row.cells() for row in rows],
        row_label="title",
        subtitle_left=f"全宗号：{fonds}　　年度：{year}",
        subtitle_right=f"共 {len(rows)} 件",
        footer_left=village,
        body_size=8.5,
    )
    return render_table(doc, out)


def write_index_xlsx(village: str, fonds: str, year: int, month: int | None, rows: Sequence[IndexRow],
                     out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from app.outputs.xlsx_cells import Value, put
    from app.outputs.xlsx_sheet import print_landscape, save_atomically

    workbook = Workbook()
    ws = workbook.active
    ws.title = "归档文件目录"
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    put(ws, 1, 1, index_title(village, year, month), font=Font(name="黑体", size=16, bold=True),
        alignment=Alignment(horizontal="center"))
    ws.merge_cells(f"A2:{last}2")
    put(ws, 2, 1, f"全宗号：{fonds}　　年度：{year}　　共 {len(rows)} 件")
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_row = 3
    for index, column in enumerate(COLUMNS, start=1):
        put(ws, header_row, index, column.header, font=Font(bold=True), border=border,
            alignment=Alignment(horizontal="center"))
        ws.column_dimensions[get_column_letter(index)].width = max(6, column.weight * 1.6)
    for offset, row in enumerate(rows, start=1):
        cells: dict[str, Value] = dict(row.cells())
        # 件号 stays text (0031 as written); 页数 is a count and 日期 a date shown as DA/T's YYYYMMDD.
        cells["pages"] = row.pages
        cells["date"] = _as_date(row.date)
        for index, column in enumerate(COLUMNS, start=1):
            put(ws, header_row + offset, index, cells[column.key], border=border,
                number_format="yyyymmdd" if column.key == "date" and cells["date"] else None,
                alignment=Alignment(horizontal=column.align, wrap_text=True))
    print_landscape(ws, header_row, orientation="portrait")
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    return save_atomically(workbook, out)
