"""Reading a county payout list (一卡通发放明细) once it is a grid of cells.

Pure: takes rows of cell values (str, float, int, date, datetime or None) exactly as the sheet has
them, finds the header under title and unit rows, maps the varying header names of domain.md,
skips blank, 合计 and signature rows, and validates every data row. Every problem names the row as
Excel shows it, the column letter and header, and the reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple, Sequence

from app.core import idnumber, money, names
from app.core.periods import format_month_zh, month_of

Cell = object
_HEADER_SEARCH_ROWS = 40
_PROGRESS_EVERY = 2000


class Col(str, enum.Enum):
    SERIAL = "serial"
    NAME = "name"
    ID_NUMBER = "id_number"
    GROUP = "group"
    SUBSIDY = "subsidy"
    STANDARD = "standard"
    AMOUNT = "amount"
    PAY_DATE = "pay_date"
    ACCOUNT = "account"
    PHONE = "phone"
    NOTE = "note"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Col.SERIAL: "序号",
    Col.NAME: "姓名",
    Col.ID_NUMBER: "身份证号",
    Col.GROUP: "组别",
    Col.SUBSIDY: "补贴项目",
    Col.STANDARD: "发放标准",
    Col.AMOUNT: "发放金额",
    Col.PAY_DATE: "发放日期",
    Col.ACCOUNT: "银行账号",
    Col.PHONE: "联系电话",
    Col.NOTE: "备注",
}

# Header names seen on county exports (domain.md, "Subsidy payouts"), after normalization.
HEADER_NAMES: dict[Col, tuple[str, ...]] = {
    Col.SERIAL: ("序号", "编号", "顺序号"),
    Col.NAME: ("姓名", "户主姓名", "领取人姓名", "补贴对象姓名", "收款人姓名", "享受人员姓名", "户主", "领款人", "收款人"),
    Col.ID_NUMBER: ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "户主身份证号", "身份证件号码"),
    Col.GROUP: ("组别", "村民小组", "所在村组", "村组", "组", "所属组", "小组"),
    Col.SUBSIDY: ("补贴项目", "资金名称", "补贴名称", "补贴类别", "项目名称", "补贴类型", "资金项目"),
    Col.STANDARD: ("发放标准", "补贴标准", "标准"),
    Col.AMOUNT: ("发放金额", "补贴金额", "金额", "实发金额", "发放金额合计", "补贴资金", "应发金额"),
    Col.PAY_DATE: ("发放日期", "发放时间", "打卡日期", "发放年月"),
    Col.ACCOUNT: ("银行账号", "社保卡号", "一卡通账号", "银行卡号", "账号", "卡号", "一卡通卡号", "存折账号"),
    Col.PHONE: ("联系电话", "电话", "手机号", "手机号码", "联系方式"),
    Col.NOTE: ("备注", "说明"),
}
_HEADER_LOOKUP = {text: col for col, texts in HEADER_NAMES.items() for text in texts}
_UNIT_SUFFIX = re.compile(r"[(（\[【]?(元|人民币元|单位:?元)[)）\]】]?$")
_TOTAL_WORDS = ("合计", "总计", "小计", "累计")
_FOOTER_WORDS = ("制表人", "制表", "审核人", "审核", "负责人", "经办人", "签字", "签章", "盖章", "复核", "填表人", "监督电话")
_FOOTNOTE_START = ("注：", "注:", "说明：", "说明:", "备注：", "备注:")


@dataclass(frozen=True)
class Problem:
    """One reason why the file cannot be imported."""

    message: str
    row: int | None = None  # as Excel shows it (1-based)
    column: str | None = None  # "C"
    header: str | None = None  # the file's own header text

    def describe(self, file_name: str = "") -> str:
        where = []
        if file_name:
            where.append(f"文件“{file_name}”")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"{self.column} 列" + (f"（{self.header}）" if self.header else ""))
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class PayoutRow(NamedTuple):
    """A validated data row; the service still resolves subsidy, person and duplicates against the DB.

    A NamedTuple: a 100,000-row file builds 100,000 of them, and frozen dataclasses are slow to build.
    """

    row: int
    name: str
    id_number: str
    amount_fen: int
    period: dt.date
    subsidy: str
    pay_date: dt.date | None = None
    group: str = ""
    standard: str = ""
    account: str = ""
    phone: str = ""
    note: str = ""


@dataclass
class ParsedTable:
    rows: list[PayoutRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    header_row: int | None = None
    columns: dict[Col, int] = field(default_factory=dict)
    headers: dict[Col, str] = field(default_factory=dict)
    skipped_rows: int = 0

    def column_ref(self, col: Col) -> tuple[str | None, str | None]:
        index = self.columns.get(col)
        if index is None:
            return None, None
        return column_letter(index), self.headers.get(col)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def normalize_header(cell: Cell) -> str:
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    text = re.sub(r"\s+", "", text)
    text = text.replace("*", "").replace("★", "")
    return _UNIT_SUFFIX.sub("", text).strip(":：")


def match_header(cell: Cell) -> Col | None:
    return _HEADER_LOOKUP.get(normalize_header(cell))


def find_header(rows: Sequence[Sequence[Cell]]) -> tuple[int, dict[Col, int], dict[Col, str]] | None:
    """The first row (0-based) among the top rows that names at least a name and an amount or ID column."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[Col, int] = {}
        headers: dict[Col, str] = {}
        for position, cell in enumerate(row):
            col = match_header(cell)
            if col is not None and col not in columns:
                columns[col] = position
                headers[col] = str(cell).strip()
        if Col.NAME in columns and (Col.AMOUNT in columns or Col.ID_NUMBER in columns):
            return index, columns, headers
    return None


def cell_text(cell: Cell) -> str:
    if cell is None or cell == "":
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, str):
        return _text(cell)
    return unicodedata.normalize("NFKC", str(cell)).strip()


@functools.lru_cache(maxsize=4096)
def _text(cell: str) -> str:
    # Column values repeat (subsidy names, groups, standards): normalize each distinct one once.
    return unicodedata.normalize("NFKC", cell).strip()


def _is_blank(row: Sequence[Cell]) -> bool:
    return all(cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _ends_table(row: Sequence[Cell], table: "ParsedTable") -> bool:
    """The 合计 row or the signature lines: never a row that carries an ID number."""
    if cell_text(_cell(row, table, Col.ID_NUMBER)):
        return False
    texts = [cell_text(cell) for cell in row if isinstance(cell, str) and cell.strip()]
    return bool(texts) and (_is_total_row(texts) or _is_footer_row(texts))


def _refuse_data_below(rows: Sequence[Sequence[Cell]], start: int, table: "ParsedTable") -> None:
    """Rows with an ID under the 合计 row would be silently lost: name them instead."""
    letter, header = table.column_ref(Col.ID_NUMBER)
    for index in range(start, len(rows)):
        if len(cell_text(_cell(rows[index], table, Col.ID_NUMBER))) >= 15:
            table.problems.append(
                Problem("合计行或签字行下面还有数据行，请把它移到合计行之上或删除", row=index + 1, column=letter, header=header)
            )


def _is_total_row(texts: list[str]) -> bool:
    first_words = [t.replace(" ", "") for t in texts if t][:3]
    return any(word.startswith(_TOTAL_WORDS) or word in _TOTAL_WORDS for word in first_words)


def _is_footer_row(texts: list[str]) -> bool:
    joined = "".join(texts).replace(" ", "")
    if joined.startswith(_FOOTNOTE_START):
        return True
    return any(word + "：" in joined or word + ":" in joined for word in _FOOTER_WORDS)


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class CellError(ValueError):
    pass


def parse_pay_date(cell: Cell) -> tuple[dt.date | None, dt.date | None]:
    """(pay date, month) from a 发放日期 cell; a 发放年月 cell such as 2026-10 gives only the month."""
    if cell is None or cell == "":
        return None, None
    if isinstance(cell, dt.datetime):
        return cell.date(), month_of(cell.date())
    if isinstance(cell, dt.date):
        return cell, month_of(cell)
    return _parse_date_text(cell_text(cell))


@functools.lru_cache(maxsize=1024)
def _parse_date_text(text: str) -> tuple[dt.date | None, dt.date | None]:
    if not text:
        return None, None
    for pattern in (_DATE_TEXT, _DATE_COMPACT):
        match = pattern.match(text)
        if match:
            try:
                day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError as exc:
                raise CellError(f"发放日期“{text}”不是真实日期") from exc
            return day, month_of(day)
    match = _MONTH_TEXT.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return None, dt.date(int(match.group(1)), int(match.group(2)), 1)
    raise CellError(f"发放日期“{text}”看不懂，应为 2026-10-15 这样的日期")


def _account_text(cell: Cell, label: str) -> str:
    if isinstance(cell, str) and cell.isdigit():
        return cell
    if isinstance(cell, float) and abs(cell) >= 1e15:
        raise CellError(f"{label}被存成了数字，后几位已丢失，请把该列设为“文本”")
    return re.sub(r"[\s-]", "", cell_text(cell))


def _group_text(cell: Cell) -> str:
    text = cell_text(cell)
    return f"{text}组" if text.isdigit() else text


@dataclass(frozen=True)
class ParseOptions:
    month: dt.date | None = None  # the --month given by the clerk
    subsidy: str | None = None  # the --subsidy given by the clerk
    today: dt.date | None = None


def parse_rows(
    rows: Sequence[Sequence[Cell]],
    options: ParseOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedTable:
    table = ParsedTable()
    found = find_header(rows)
    if found is None:
        table.problems.append(
            Problem("找不到表头：前 40 行中没有同时含“姓名”和“身份证号”或“发放金额”的一行，请确认这是补贴发放明细表")
        )
        return table
    header_index, table.columns, table.headers = found
    table.header_row = header_index + 1
    _check_columns(table, options)
    if table.problems:
        return table
    today = options.today or dt.date.today()
    total = len(rows)
    # Every row is padded to `width`; a column the file lacks points at the padding's last (None) cell.
    width = max(table.columns.values()) + 2
    positions = {col: table.columns.get(col, width - 1) for col in Col}
    for index in range(header_index + 1, total):
        if progress and index % _PROGRESS_EVERY == 0:
            progress(index, total)
        row = rows[index]
        if _is_blank(row):
            table.skipped_rows += 1
            continue
        if _ends_table(row, table):
            _refuse_data_below(rows, index + 1, table)
            break
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        _parse_data_row(table, index + 1, row, positions, options, today)
    if progress:
        progress(total, total)
    if not table.rows and not table.problems:
        table.problems.append(Problem("表头下面没有任何数据行", row=table.header_row))
    return table


def _check_columns(table: ParsedTable, options: ParseOptions) -> None:
    for required in (Col.NAME, Col.ID_NUMBER, Col.AMOUNT):
        if required not in table.columns:
            table.problems.append(
                Problem(f"表头中没有“{required.label}”列", row=table.header_row)
            )
    if Col.SUBSIDY not in table.columns and not options.subsidy:
        table.problems.append(
            Problem("文件中没有“补贴项目”列，请指定补贴项目（命令行用 --subsidy）", row=table.header_row)
        )
    if Col.PAY_DATE not in table.columns and options.month is None:
        table.problems.append(
            Problem("文件中没有“发放日期”列，请指定月份（命令行用 --month YYYY-MM）", row=table.header_row)
        )


def _cell(row: Sequence[Cell], table: ParsedTable, col: Col) -> Cell:
    index = table.columns.get(col, _ABSENT)
    return row[index] if index < len(row) else None


_ABSENT = 1 << 30  # a column index no row reaches


def _parse_data_row(
    table: ParsedTable,
    row_number: int,
    row: Sequence[Cell],
    at: dict[Col, int],
    options: ParseOptions,
    today: dt.date,
) -> None:
    problems: list[Problem] = []

    def fail(col: Col, message: str) -> None:
        letter, header = table.column_ref(col)
        problems.append(Problem(message, row=row_number, column=letter, header=header))

    name = id_number = ""
    amount_fen = 0
    pay_date: dt.date | None = None
    month: dt.date | None = None
    try:
        name = names.validate(row[at[Col.NAME]])
    except names.NameError_ as exc:
        fail(Col.NAME, str(exc))
    try:
        checked = idnumber.validate(_id_cell(row[at[Col.ID_NUMBER]]), today=today)
        id_number = checked.number
        for warning in checked.warnings:
            letter, header = table.column_ref(Col.ID_NUMBER)
            table.warnings.append(Problem(warning, row=row_number, column=letter, header=header))
    except idnumber.IdNumberError as exc:
        fail(Col.ID_NUMBER, str(exc))
    try:
        amount_fen = money.parse_fen(_money_cell(row[at[Col.AMOUNT]]))
    except money.MoneyError as exc:
        fail(Col.AMOUNT, str(exc))
    try:
        pay_date, month = parse_pay_date(row[at[Col.PAY_DATE]])
        period = _period(month, pay_date, options, fail)
    except CellError as exc:
        fail(Col.PAY_DATE, str(exc))
        period = None
    subsidy = cell_text(row[at[Col.SUBSIDY]]) or (options.subsidy or "")
    if not subsidy:
        fail(Col.SUBSIDY, "补贴项目为空")
    account = phone = ""
    try:
        account = _account_text(row[at[Col.ACCOUNT]], "银行账号")
    except CellError as exc:
        fail(Col.ACCOUNT, str(exc))
    try:
        phone = _account_text(row[at[Col.PHONE]], "联系电话")
    except CellError as exc:
        fail(Col.PHONE, str(exc))
    if problems or period is None:
        table.problems.extend(problems)
        return
    table.rows.append(
        PayoutRow(
            row=row_number,
            name=name,
            id_number=id_number,
            amount_fen=amount_fen,
            period=period,
            subsidy=subsidy,
            pay_date=pay_date,
            group=_group_text(row[at[Col.GROUP]]),
            standard=cell_text(row[at[Col.STANDARD]]),
            account=account,
            phone=phone,
            note=cell_text(row[at[Col.NOTE]]),
        )
    )


def _id_cell(cell: Cell) -> Cell:
    # A numeric cell has lost its digits (Excel keeps 15); idnumber.validate rejects floats.
    return cell if cell != "" else None


def _money_cell(cell: Cell) -> Cell:
    return None if cell == "" else cell


def _period(
    month: dt.date | None,
    pay_date: dt.date | None,
    options: ParseOptions,
    fail: Callable[[Col, str], None],
) -> dt.date | None:
    """The payout's month is its pay date's month; --month only fills in where the file has none."""
    if month is None:
        if options.month is None:
            fail(Col.PAY_DATE, "发放日期为空，且没有指定月份")
        return options.month
    if options.month is not None and month != options.month:
        shown = pay_date.isoformat() if pay_date else format_month_zh(month)
        fail(Col.PAY_DATE, f"发放日期 {shown} 不在指定的月份（{format_month_zh(options.month)}）内")
        return None
    return month


def find_duplicates(rows: Iterable[PayoutRow]) -> list[Problem]:
    """Within one file: one person paid twice for one type and month, or one ID under two names."""
    problems: list[Problem] = []
    first_seen: dict[tuple[str, str, dt.date], int] = {}
    name_of: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = (row.id_number, row.subsidy, row.period)
        if key in first_seen:
            problems.append(
                Problem(
                    f"{row.name} 在 {format_month_zh(row.period)} 的“{row.subsidy}”与第 {first_seen[key]} 行重复",
                    row=row.row,
                )
            )
        else:
            first_seen[key] = row.row
        known = name_of.setdefault(row.id_number, (row.name, row.row))
        if known[0] != row.name:
            problems.append(
                Problem(
                    f"同一身份证号在第 {known[1]} 行是“{known[0]}”，这里却是“{row.name}”，请核对",
                    row=row.row,
                )
            )
    return problems
