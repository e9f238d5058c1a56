"""The filing index (归档文件目录, DA/T 22-2015 §9.3) as PDF (A4 portrait) and as Excel for the township."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from app.outputs.table_pdf import Column, TableDocument, render_tables

# DA/T 22-2015 §9.3's columns, in its order; 序号 counts within one list, the 件号 is inside the 档号.
COLUMNS = [
    Column("serial", "序号", 4, "center", nowrap=True),
    Column("code", "档号", 20, nowrap=True),
    Column("doc_number", "文号", 9, nowrap=True),
    Column("responsible", "责任者", 12),
    Column("title", "题名", 24),
    Column("date", "日期", 8, "center", nowrap=True),
    Column("secrecy", "密级", 4, "center", nowrap=True),
    Column("pages", "页数", 4, "center", nowrap=True),
    Column("remark", "备注", 16),
]
RETENTION_ORDER = ("永久", "定期30年", "定期10年")


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
    retention: str = ""  # 永久 / 定期30年 / 定期10年
    category: str = ""

    def cells(self, serial: int = 0) -> dict[str, str]:
        return {"serial": str(serial) if serial else self.number, "code": self.code, "doc_number": self.doc_number,
                "responsible": self.responsible, "title": self.title, "date": self.date,
                "secrecy": "", "pages": str(self.pages), "remark": self.remark}


@dataclass(frozen=True)
class IndexList:
    """One list of the index: one year, one retention period (and one category where used)."""

    retention: str
    category: str
    rows: tuple[IndexRow, ...]

    @property
    def heading(self) -> str:
        return f"保管期限：{self.retention}" + (f"　类别：{self.category}" if self.category else "")


def index_lists(rows: Sequence[IndexRow]) -> list[IndexList]:
    """DA/T 22-2015: pieces are numbered and listed within one year and one retention period (and
    category): never one list mixing them, where 件号 0001 would stand three times."""
    groups: dict[tuple[str, str], list[IndexRow]] = {}
    for row in rows:
        groups.setdefault((row.retention, row.category), []).append(row)

    def order(key: tuple[str, str]) -> tuple[int, str]:
        retention, category = key
        return (RETENTION_ORDER.index(retention) if retention in RETENTION_ORDER else len(RETENTION_ORDER), category)

    return [IndexList(retention, category, tuple(items)) for (retention, category), items in sorted(groups.items(), key=lambda kv: order(kv[0]))]


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
    lists = index_lists(rows) or [IndexList("", "", ())]
    docs = [
        TableDocument(
            title=index_title(village, year, month),
            columns=COLUMNS,
            rows=[row.cells(serial) for serial, row in enumerate(group.rows, start=1)],
            row_label="title",
            subtitle_left=f"全宗号：{fonds}　　年度：{year}　　{group.heading}",
            subtitle_right=f"共 {len(group.rows)} 件，{sum(r.pages for r in group.rows)} 页",
            footer_left=village,
            body_size=8.5,
        )
        for group in lists
    ]
    return render_tables(docs, out)


def write_index_xlsx(village: str, fonds: str, year: int, month: int | None, rows: Sequence[IndexRow],
                     out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from app.outputs.xlsx_cells import Value, put
    from app.outputs.xlsx_sheet import print_landscape, save_atomically

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(COLUMNS))
    header_row = 3
    for group in index_lists(rows) or [IndexList("", "", ())]:
        ws = workbook.create_sheet((group.retention or "归档文件目录") + (f"-{group.category}" if group.category else ""))
        ws.merge_cells(f"A1:{last}1")
        put(ws, 1, 1, index_title(village, year, month), font=Font(name="黑体", size=16, bold=True),
            alignment=Alignment(horizontal="center"))
        ws.merge_cells(f"A2:{last}2")
        put(ws, 2, 1, f"全宗号：{fonds}　　年度：{year}　　{group.heading}　　共 {len(group.rows)} 件")
        for index, column in enumerate(COLUMNS, start=1):
            put(ws, header_row, index, column.header, font=Font(bold=True), border=border,
                alignment=Alignment(horizontal="center"))
            ws.column_dimensions[get_column_letter(index)].width = max(6, column.weight * 1.6)
        for serial, row in enumerate(group.rows, start=1):
            cells: dict[str, Value] = dict(row.cells(serial))
            # 序号 and 页数 are counts and 日期 a date shown as DA/T's YYYYMMDD; 档号 keeps its 件号 as written.
            cells["serial"], cells["pages"], cells["date"] = serial, row.pages, _as_date(row.date)
            for index, column in enumerate(COLUMNS, start=1):
                put(ws, header_row + serial, index, cells[column.key], border=border,
                    number_format="yyyymmdd" if column.key == "date" and cells["date"] else None,
                    alignment=Alignment(horizontal=column.align, wrap_text=True))
        print_landscape(ws, header_row, orientation="portrait")
        ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    return save_atomically(workbook, out)
