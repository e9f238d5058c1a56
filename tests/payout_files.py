"""Builders of county-style payout files (xlsx, xls, CSV) for the tests and benchmarks.

Real county exports carry a merged title row and a unit row above the header, blank rows, a 合计 row
and signature lines below the table (domain.md, "Subsidy payouts"); these builders do the same.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from openpyxl import Workbook

from app.core.synthetic import SyntheticPerson

HEADER = ("序号", "姓名", "身份证号码", "所在村组", "资金名称", "发放标准", "补贴金额(元)", "发放日期", "社保卡号", "联系电话", "备注")


@dataclass
class Line:
    name: object
    id_number: object
    amount: object
    subsidy: object = "最低生活保障金"
    pay_date: object = "2026-10-15"
    group: object = "3组"
    standard: object = "560元/月"
    account: object = ""
    phone: object = ""
    note: object = ""

    def cells(self, serial: int) -> list[object]:
        return [serial, self.name, self.id_number, self.group, self.subsidy, self.standard,
                self.amount, self.pay_date, self.account, self.phone, self.note]


def lines_for(people: Sequence[SyntheticPerson], amount: object = "560.00", **kw: object) -> list[Line]:
    return [Line(p.name, p.id_number, amount, account=p.account, phone=p.phone, **kw) for p in people]


@dataclass
class Layout:
    title: str = "桃源村2026年10月惠民惠农补贴资金发放明细表"
    unit: str = "单位：元"
    header: Sequence[str] = HEADER
    blank_after: int | None = 2  # a blank row inside the table after this many lines
    total_row: bool = True
    signatures: bool = True
    extra_rows: list[list[object]] = field(default_factory=list)


def grid(lines: Sequence[Line], layout: Layout | None = None) -> list[list[object]]:
    """The sheet as rows; the header lands on row 3 (Excel numbering), data from row 4."""
    layout = layout or Layout()
    rows: list[list[object]] = [[layout.title], [layout.unit], list(layout.header)]
    for index, line in enumerate(lines, start=1):
        rows.append(line.cells(index))
        if layout.blank_after is not None and index == layout.blank_after:
            rows.append([])
    rows.extend(layout.extra_rows)
    if layout.total_row:
        rows.append(["合计", "", "", "", "", "", "见上", "", "", "", ""])
    if layout.signatures:
        rows.append([])
        rows.append(["制表人：", "", "", "审核人：", "", "", "村务监督委员会：", "", "", "", ""])
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if rows and len(rows[0]) == 1:  # a title row: merged across the table, as counties do
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    workbook.save(path)
    return path


def write_xls(path: Path, rows: list[list[object]]) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("发放明细")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
            else:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path
