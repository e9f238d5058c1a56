"""Reading a county payout list (一卡通发放明细) once it is a grid of cells.

Pure: takes rows of cell values (str, float, int, date, datetime or None) exactly as the sheet has
them, finds the header under title and unit rows, maps the varying header names of domain.md,
skips blank, 合计 and signature rows, and validates every data row. Every problem names the row as
Excel shows it, the column letter and header, and the reason in Chinese.

The rows are checked column by column, each distinct cell of a column once (app/core/distinct.py):
a county file repeats its items, dates and amounts and lists a person once per item, and a column the
file does not have is checked once, not once per row. Problems still come out row by row.

What a cell may hold is checked here, not cut or repaired later: every Unicode decimal digit is read
as its ASCII digit; text with control, format or bidi characters is refused with their position;
text longer than its database column is refused (LENGTHS); amounts must be finite, positive and at
most MAX_AMOUNT_FEN; dates lie between EARLIEST_DATE and a year after today.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import compress, repeat
from typing import NamedTuple

from app.core import idnumber, money, names
from app.core.distinct import check_each
from app.core.periods import format_month_zh, month_of
from app.core.text_rules import fold_digits, hidden_characters

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
    AREA = "area"  # 补贴面积（亩）, on subsidies paid by area
    RATE = "rate"  # 补贴标准（元/亩）

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
    Col.AREA: "补贴面积（亩）",
    Col.RATE: "补贴标准（元/亩）",
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
    Col.AREA: ("补贴面积", "面积", "计税面积", "确权面积", "种植面积", "耕地面积", "补贴面积亩", "面积亩"),
    Col.RATE: ("每亩补贴标准", "每亩补贴", "亩均补贴", "补贴单价", "单价", "每亩标准"),
}
# A header that names its unit per 亩 is the rate, whatever its words ("补贴标准（元/亩）" is not the
# free-text 发放标准); one in 亩 alone, beside 面积, is the area.
_PER_MU = re.compile(r"[(（\[【]?元/亩[)）\]】]?$")
_IN_MU = re.compile(r"[(（\[【]?亩[)）\]】]?$")
_HEADER_LOOKUP = {text: col for col, texts in HEADER_NAMES.items() for text in texts}

# The lengths of the database columns the text goes to (app/storage/models.py: VillagerGroup.name,
# Payout.standard and note, Person.account and phone; a test keeps them equal). Longer text is
# refused: cutting it would store something the county never sent.
LENGTHS: dict[Col, int] = {Col.GROUP: 50, Col.STANDARD: 100, Col.NOTE: 500, Col.ACCOUNT: 40, Col.PHONE: 40}
_SHORTEST = min(LENGTHS.values())  # text this short fits every column: no lookup for the common case
_SUBSIDY_LENGTH = 60  # SubsidyType.name: a longer text cannot name a known item
MAX_AMOUNT_FEN = 100_000_000  # 1,000,000.00 yuan: more on one line is a typing or export error
DEFAULT_PLAUSIBLE_FEN = 5_000_000  # 50,000 yuan: above it the import warns and names the rows
EARLIEST_DATE = dt.date(2000, 1, 1)  # before 一卡通 and before any ledger Cunwu keeps
_AMOUNT_TEXT_LENGTH = 40  # "1,000,000.00元" fits many times; longer is not an amount
_SHOWN = 20  # characters of a bad cell quoted back in a message
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d")  # any Unicode decimal digit but ASCII's


def _fold(text: str) -> str:
    """fold_digits, at the cost of one regex search for the common text that has nothing to fold."""
    if text.isascii() or not _FOREIGN_DIGIT.search(text):
        return text
    return fold_digits(text)
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
    sheet: str | None = None  # only when several sheets are imported together

    def describe(self, file_name: str = "") -> str:
        where = []
        if file_name:
            where.append(f"文件“{file_name}”")
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
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
    sheet: str = ""  # only when several sheets are imported together
    area_e4: int | None = None  # 1/10,000 亩
    rate_fen: int | None = None  # 分 per 亩


@dataclass
class ParsedTable:
    rows: list[PayoutRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    header_row: int | None = None
    columns: dict[Col, int] = field(default_factory=dict)
    headers: dict[Col, str] = field(default_factory=dict)
    skipped_rows: int = 0

    def warn(self, col: Col, row: int, message: str) -> None:
        letter, header = self.column_ref(col)
        self.warnings.append(Problem(message, row=row, column=letter, header=header))

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
    text = normalize_header(cell)
    if _PER_MU.search(text):
        return Col.RATE
    if _IN_MU.search(text) and "面积" in text:
        return Col.AREA
    return _HEADER_LOOKUP.get(text)


def find_header(rows: Sequence[Sequence[Cell]]) -> tuple[int, dict[Col, int], dict[Col, str]] | None:
    """The first row (0-based) among the top rows that names at least a name and an amount or ID column."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[Col, int] = {}
        headers: dict[Col, str] = {}
        for position, cell in enumerate(row):
            col = match_header(cell)
            if col is not None and col not in columns:
                columns[col] = position
                headers[col] = shown(re.sub(r"\s+", "", str(cell)))
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
    return _fold(unicodedata.normalize("NFKC", str(cell)).strip())


@functools.lru_cache(maxsize=4096)
def _text(cell: str) -> str:
    # Column values repeat (subsidy names, groups, standards): normalize each distinct one once.
    return _fold(unicodedata.normalize("NFKC", cell).strip())


def shown(text: str) -> str:
    """A cell's text as a message may quote it: invisible characters as U+XXXX, at most _SHOWN long."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text[: _SHOWN * 2])
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def hidden_problem(cell: Cell, allowed: str = "") -> str | None:
    """Why a text cell cannot be stored as it is: the invisible characters in it, with their position
    (1-based, in the cell as Excel shows it; spaces and line breaks around the text do not count)."""
    if not isinstance(cell, str) or cell.isprintable():
        return None  # isprintable() is False for every control and format character: the fast path
    return _hidden_problem(cell, allowed)


@functools.lru_cache(maxsize=1024)
def _hidden_problem(cell: str, allowed: str) -> str | None:
    core = cell.strip()
    offset = len(cell) - len(cell.lstrip())
    found = [(position + offset, what) for position, what in hidden_characters(core) if core[position - 1] not in allowed]
    if not found:
        return None
    position, what = found[0]
    more = f"（共 {len(found)} 处）" if len(found) > 1 else ""
    return f"第 {position} 个字符是看不见的{what}{more}，请在 Excel 中删除后重新导入"


def _limit_length(text: str, col: Col, label: str) -> str:
    limit = LENGTHS[col]
    if len(text) > limit:
        raise CellError(f"{label}“{shown(text)}”有 {len(text)} 个字，超过 {limit} 个字的上限，请删减（不会自动截断）")
    return text


def _is_blank(row: Sequence[Cell]) -> bool:
    return all(cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _ends_table(row: Sequence[Cell], table: ParsedTable) -> bool:
    """The 合计 row or the signature lines: never a row that carries an ID number."""
    if cell_text(_cell(row, table, Col.ID_NUMBER)):
        return False
    texts = [cell_text(cell) for cell in row if isinstance(cell, str) and cell.strip()]
    return bool(texts) and (_is_total_row(texts) or _is_footer_row(texts))


def _refuse_data_below(rows: Sequence[Sequence[Cell]], start: int, table: ParsedTable) -> None:
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
                raise CellError(f"发放日期“{shown(text)}”不是真实日期") from exc
            return day, month_of(day)
    match = _MONTH_TEXT.match(text) or re.match(r"^(\d{4})(\d{2})$", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return None, dt.date(int(match.group(1)), int(match.group(2)), 1)
    raise CellError(f"发放日期“{shown(text)}”看不懂，应为 2026-10-15 这样的日期")


def check_date_range(day: dt.date, today: dt.date, label: str = "发放日期") -> None:
    """Between EARLIEST_DATE and a year after today: 0001-01-01 or 9999-12-31 is a typing error."""
    latest = _one_year_after(today)
    if not EARLIEST_DATE <= day <= latest:
        raise CellError(f"{label} {day.isoformat()} 不在 {EARLIEST_DATE.isoformat()} 至 {latest.isoformat()} 之间，请核对")


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _account_text(cell: Cell, col: Col, label: str) -> str:
    if isinstance(cell, str) and cell.isascii() and cell.isdigit():
        return cell if len(cell) <= _SHORTEST else _limit_length(cell, col, label)
    if isinstance(cell, float) and (not math.isfinite(cell) or abs(cell) >= 1e15):
        raise CellError(f"{label}被存成了数字，后几位已丢失，请把该列设为“文本”")
    text = re.sub(r"[\s-]", "", cell_text(cell))
    return text if len(text) <= _SHORTEST else _limit_length(text, col, label)


def _group_text(cell: Cell) -> str:
    text = cell_text(cell)
    if text.isascii() and text.isdigit():
        text += "组"
    return text if len(text) <= _SHORTEST else _limit_length(text, Col.GROUP, "组别")


def _amount_fen(cell: Cell, plausible_max_fen: int) -> tuple[int, str | None]:
    """(分, warning or None). Floats from a sheet may be NaN, infinite or 1e20: refused by name."""
    if isinstance(cell, float) and not math.isfinite(cell):
        raise CellError("金额不是有效的数字（NaN 或无穷大），请改为实际金额")
    if isinstance(cell, str):
        if len(cell) > _AMOUNT_TEXT_LENGTH:
            raise CellError(f"金额“{shown(cell)}”不是数字")
        cell = _fold(cell)
    try:
        fen = money.parse_fen(cell)
    except money.MoneyError as exc:
        raise CellError(str(exc)) from exc
    if fen > MAX_AMOUNT_FEN:
        raise CellError(
            f"金额 {money.format_yuan(fen, thousands=True)} 元超过单笔上限 "
            f"{money.format_yuan(MAX_AMOUNT_FEN, thousands=True)} 元，请核对"
        )
    if fen > plausible_max_fen:
        return fen, (
            f"金额 {money.format_yuan(fen, thousands=True)} 元高于 "
            f"{money.format_yuan(plausible_max_fen, thousands=True)} 元，请核实是否录错"
        )
    return fen, None


MAX_AREA_E4 = 100_000 * 10_000  # 100,000 亩 on one line is no village household's land


def area_in_e4(cell: Cell) -> int | None:
    """An area in 亩 as an integer count of 1/10,000 亩; empty is None (not every row is paid by area)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, float) and not math.isfinite(cell):
        raise CellError("面积不是有效的数字（NaN 或无穷大）")
    text = _fold(str(cell).strip().removesuffix("亩")) if not isinstance(cell, (int, float)) else repr(cell)
    try:
        area = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise CellError(f"面积“{shown(str(cell))}”不是数字") from exc
    if not area.is_finite() or area < 0:
        raise CellError(f"面积“{shown(str(cell))}”不是有效的亩数")
    scaled = area * 10_000
    if scaled != scaled.to_integral_value():
        raise CellError(f"面积 {area} 亩超过四位小数，请核对")
    if scaled > MAX_AREA_E4:
        raise CellError(f"面积 {area} 亩超过单户上限 100,000 亩，请核对")
    return int(scaled)


def rate_in_fen(cell: Cell) -> int | None:
    """A rate in 元/亩 as 分 per 亩; empty is None."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, str):
        cell = _fold(cell.strip().removesuffix("元/亩").removesuffix("元"))
    if isinstance(cell, float) and not math.isfinite(cell):
        raise CellError("补贴标准（元/亩）不是有效的数字")
    try:
        return money.parse_fen(cell)
    except money.MoneyError as exc:
        raise CellError(f"补贴标准（元/亩）：{exc}") from exc


def format_area(area_e4: int | None) -> str:
    """12.35 for 123,500 (trailing zeros dropped, at least two decimals)."""
    if area_e4 is None:
        return ""
    text = f"{Decimal(area_e4) / 10_000:.4f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


@dataclass(frozen=True)
class ParseOptions:
    month: dt.date | None = None  # the --month given by the clerk
    subsidy: str | None = None  # the --subsidy given by the clerk
    today: dt.date | None = None
    plausible_max_fen: int = DEFAULT_PLAUSIBLE_FEN  # set by the township; above it, a warning


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
    numbers, data, end = _data_rows(rows, header_index, table, progress)
    _check_data_rows(table, numbers, data, options, today, progress, len(rows))
    if end is not None:
        _refuse_data_below(rows, end, table)
    if progress:
        progress(len(rows), len(rows))
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


_CHECKED_TEXT = (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.STANDARD, Col.AMOUNT, Col.PAY_DATE,
                 Col.ACCOUNT, Col.PHONE, Col.NOTE, Col.AREA, Col.RATE)
_LINE_BREAKS = "\n\r"  # Alt+Enter inside a note is ordinary; nowhere else
# A row's problems are told in this order, after its invisible characters (told in _CHECKED_TEXT order).
_FIELD_ORDER = (Col.NAME, Col.ID_NUMBER, Col.AMOUNT, Col.PAY_DATE, Col.SUBSIDY, Col.ACCOUNT, Col.PHONE,
                Col.GROUP, Col.STANDARD, Col.NOTE, Col.AREA, Col.RATE)
_CELL_ERRORS = (CellError, names.NameError_, idnumber.IdNumberError)


class _Bad(NamedTuple):
    """A cell's refusal (the row is not imported)."""

    message: str


class _Hidden(NamedTuple):
    """A cell refused for its invisible characters alone; `then` is what the field still says without
    the cell (only a --subsidy that is itself too long can still be refused then)."""

    message: str
    then: object


def _data_rows(
    rows: Sequence[Sequence[Cell]], header_index: int, table: ParsedTable, progress: Callable[[int, int], None] | None
) -> tuple[list[int], list[Sequence[Cell]], int | None]:
    """(Excel row numbers, rows) between the header and the 合计 or signature row, blank rows skipped,
    and the index after that end row when there is one. A row whose ID cell is plain ASCII text is
    neither blank nor an end row; only the others are looked at whole."""
    id_at = table.columns[Col.ID_NUMBER]
    total = len(rows)
    numbers: list[int] = []
    data: list[Sequence[Cell]] = []
    for index in range(header_index + 1, total):
        if progress and index % _PROGRESS_EVERY == 0:
            progress(index // 2, total)  # the first half of the work; the column checks are the other
        row = rows[index]
        cell = row[id_at] if id_at < len(row) else None
        if not (cell.__class__ is str and cell.isascii() and cell and not cell.isspace()):
            if _is_blank(row):
                table.skipped_rows += 1
                continue
            if _ends_table(row, table):
                return numbers, data, index + 1
        numbers.append(index + 1)
        data.append(row)
    return numbers, data, None


def _column(data: list[Sequence[Cell]], at: int, shortest: int) -> list[Cell]:
    """The column's cells; a row too short to reach it has None there (the row padded)."""
    if at < shortest:
        return list(map(operator.itemgetter(at), data))
    return [row[at] if at < len(row) else None for row in data]


def _cell_check(col: Col, options: ParseOptions, today: dt.date, visible: bool = False) -> Callable[[Cell], object]:
    """What one cell of a column says: its value, a _Bad or a _Hidden. Depends on the cell alone, so
    each distinct cell of a column is checked once (distinct.check_each). `visible`: the column is
    known to hold no invisible character, so no cell is looked at for them."""
    plausible = options.plausible_max_fen

    def subsidy_of(text: str, hidden: bool) -> object:
        subsidy = text or options.subsidy or ""
        if not subsidy:
            return "" if hidden else _Bad("补贴项目为空")
        if len(subsidy) > _SUBSIDY_LENGTH:
            return _Bad(f"补贴项目“{shown(subsidy)}”有 {len(subsidy)} 个字，不是补贴项目的名称")
        return subsidy

    def pay_date_of(cell: Cell) -> object:
        pay_date, month = parse_pay_date(cell)
        if pay_date is not None:
            check_date_range(pay_date, today)
        elif month is not None:
            check_date_range(month, today, "发放月份")
        said: list[str] = []
        period = _period(month, pay_date, options, lambda _col, message: said.append(message))
        return _Bad(said[0]) if said else (pay_date, period)

    def text_of(cell: Cell, label: str) -> str:
        text = cell_text(cell)
        return text if len(text) <= _SHORTEST else _limit_length(text, col, label)

    field: Callable[[Cell], object] = {
        Col.NAME: lambda cell: names.validate(_fold(cell) if isinstance(cell, str) else cell),
        Col.ID_NUMBER: lambda cell: idnumber.validate(_id_cell(cell), today=today),
        Col.AMOUNT: lambda cell: _amount_fen(_money_cell(cell), plausible),
        Col.PAY_DATE: pay_date_of,
        Col.SUBSIDY: lambda cell: subsidy_of(cell_text(cell), hidden=False),
        Col.ACCOUNT: lambda cell: _account_text(cell, Col.ACCOUNT, "银行账号"),
        Col.PHONE: lambda cell: _account_text(cell, Col.PHONE, "联系电话"),
        Col.GROUP: _group_text,
        Col.STANDARD: lambda cell: text_of(cell, "发放标准"),
        Col.NOTE: lambda cell: text_of(cell, "备注"),
        Col.AREA: area_in_e4,
        Col.RATE: rate_in_fen,
    }[col]
    allowed = _LINE_BREAKS if col is Col.NOTE else ""
    refusing = _refusing(field)
    if visible:
        return refusing

    def check(cell: Cell) -> object:
        # A cell with invisible characters is reported for them alone: any other message would quote them.
        hidden = hidden_problem(cell, allowed)
        if hidden is not None:
            return _Hidden(hidden, subsidy_of("", hidden=True) if col is Col.SUBSIDY else None)
        return refusing(cell)

    return check


def _refusing(field: Callable[[Cell], object]) -> Callable[[Cell], object]:
    def check(cell: Cell) -> object:
        try:
            return field(cell)
        except _CELL_ERRORS as exc:
            return _Bad(str(exc))

    return check


def _printable(cells: list[Cell]) -> bool:
    """No text cell of the column holds a control or format character: one test for the column."""
    return "".join([cell for cell in cells if cell.__class__ is str]).isprintable()


def _check_data_rows(
    table: ParsedTable,
    numbers: list[int],
    data: list[Sequence[Cell]],
    options: ParseOptions,
    today: dt.date,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    """Every data row checked column by column, each distinct cell once; a column the file does not
    have is checked once as an empty cell. Problems and warnings come out in row order, as a clerk
    reads the file; rows with a problem are not kept."""
    count = len(data)
    shortest = min(map(len, data), default=0)
    results: dict[Col, list] = {}
    refused: list[Col] = []
    id_warned = amount_warned = False
    for done, col in enumerate(_FIELD_ORDER, start=1):
        at = table.columns.get(col)
        if at is None:
            outcome = _cell_check(col, options, today)(None)
            results[col], distinct = [outcome] * count, [outcome]
        else:
            cells = _column(data, at, shortest)
            check = _cell_check(col, options, today, visible=_printable(cells))
            results[col], distinct = check_each(cells, check)
        if any(outcome.__class__ is _Bad or outcome.__class__ is _Hidden for outcome in distinct):
            refused.append(col)
        if col is Col.ID_NUMBER:
            id_warned = any(outcome.__class__ is idnumber.IdCheck and outcome.warnings for outcome in distinct)
        if col is Col.AMOUNT:
            amount_warned = any(outcome.__class__ is tuple and outcome[1] for outcome in distinct)
        if progress:
            progress(total // 2 + total * done // (2 * len(_FIELD_ORDER)), total)
    if id_warned or amount_warned:
        _warn(table, numbers, results[Col.ID_NUMBER], results[Col.AMOUNT])
    if refused:
        keep = _problems(table, numbers, results, refused)
        numbers = list(compress(numbers, keep))
        results = {col: list(compress(outcomes, keep)) for col, outcomes in results.items()}
    dates = results[Col.PAY_DATE]
    fields: dict[str, Iterable] = {
        "row": numbers,
        "name": results[Col.NAME],
        "id_number": [checked.number for checked in results[Col.ID_NUMBER]],
        "amount_fen": [amount[0] for amount in results[Col.AMOUNT]],
        "period": [date[1] for date in dates],
        "subsidy": results[Col.SUBSIDY],
        "pay_date": [date[0] for date in dates],
        "group": results[Col.GROUP],
        "standard": results[Col.STANDARD],
        "account": results[Col.ACCOUNT],
        "phone": results[Col.PHONE],
        "note": results[Col.NOTE],
        "sheet": repeat("", len(numbers)),
        "area_e4": results[Col.AREA],
        "rate_fen": results[Col.RATE],
    }
    table.rows = list(map(_new_row, zip(*(fields[name] for name in PayoutRow._fields), strict=False)))


# PayoutRow(*fields) runs NamedTuple's Python-level __new__ per row; tuple.__new__ takes the fields
# in PayoutRow's order (above) directly, in C.
_new_row = functools.partial(tuple.__new__, PayoutRow)


def _warn(table: ParsedTable, numbers: list[int], ids: list, amounts: list) -> None:
    """ID numbers from a region never issued, amounts above the plausibility threshold: in row order,
    whatever else the row has."""
    for number, checked, amount in zip(numbers, ids, amounts, strict=True):
        if checked.__class__ is idnumber.IdCheck:
            for warning in checked.warnings:
                table.warn(Col.ID_NUMBER, number, warning)
        if amount.__class__ is tuple and amount[1]:
            table.warn(Col.AMOUNT, number, amount[1])


def _problems(table: ParsedTable, numbers: list[int], results: dict[Col, list], refused: list[Col]) -> list[bool]:
    """Each refused row's problems (its invisible characters first), and which rows are kept."""
    hidden_order = [col for col in _CHECKED_TEXT if col in refused]
    where = {col: table.column_ref(col) for col in refused}
    keep = []
    for index, number in enumerate(numbers):
        said = []
        for col in hidden_order:
            outcome = results[col][index]
            if outcome.__class__ is _Hidden:
                said.append(Problem(outcome.message, row=number, column=where[col][0], header=where[col][1]))
        for col in refused:
            outcome = results[col][index]
            if outcome.__class__ is _Hidden:
                outcome = outcome.then
            if outcome.__class__ is _Bad:
                said.append(Problem(outcome.message, row=number, column=where[col][0], header=where[col][1]))
        table.problems.extend(said)
        keep.append(not said)
    return keep


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
        when = pay_date.isoformat() if pay_date else format_month_zh(month)
        fail(Col.PAY_DATE, f"发放日期 {when} 不在指定的月份（{format_month_zh(options.month)}）内")
        return None
    return month


def find_duplicates(rows: Iterable[PayoutRow], item: Callable[[str], str] = str) -> list[Problem]:
    """Within one file: one person paid twice for one type and month, or one ID under two names.

    `item` gives the subsidy item a name on the file stands for, so that 低保金 and 最低生活保障金 are
    one item here as they are in the database (whose unique index would otherwise fail mid-import).
    """
    rows = list(rows)
    items: dict[str, str] = {subsidy: item(subsidy) for subsidy in {row.subsidy for row in rows}}
    if _no_duplicates(rows, items):
        return []  # the usual answer, found in C; the loop below says where each duplicate is
    problems: list[Problem] = []
    # Rows, not their descriptions, are remembered: a message is written only for a duplicate.
    first_seen: dict[tuple[str, str, dt.date], PayoutRow] = {}
    name_of: dict[str, PayoutRow] = {}
    for row in rows:
        key = (row.id_number, items[row.subsidy], row.period)
        first = first_seen.get(key)
        if first is not None:
            problems.append(
                Problem(
                    f"{row.name} 在 {format_month_zh(row.period)} 的“{key[1]}”与{_where(first)}行重复"
                    + (f"（“{row.subsidy}”是“{key[1]}”的别名）" if key[1] != row.subsidy else ""),
                    row=row.row,
                    sheet=row.sheet or None,
                )
            )
        else:
            first_seen[key] = row
        known = name_of.setdefault(row.id_number, row)
        if known.name != row.name:
            problems.append(
                Problem(
                    f"同一身份证号在{_where(known)}行是“{known.name}”，这里却是“{row.name}”，请核对",
                    row=row.row,
                    sheet=row.sheet or None,
                )
            )
    return problems


def _no_duplicates(rows: list[PayoutRow], items: dict[str, str]) -> bool:
    """True when no (person, item, month) repeats and no ID number has two names."""
    ids = list(map(operator.attrgetter("id_number"), rows))
    keys = zip(ids, map(items.__getitem__, map(operator.attrgetter("subsidy"), rows)),
               map(operator.attrgetter("period"), rows), strict=True)
    if len(set(keys)) != len(rows):
        return False
    row_names = list(map(operator.attrgetter("name"), rows))
    name_of = dict(zip(ids, row_names, strict=True))
    return all(map(operator.eq, row_names, map(name_of.__getitem__, ids)))


def _where(row: PayoutRow) -> str:
    """How another message points back at this row: "第 4 " or "工作表“一月”第 4 " (before 行)."""
    return f"工作表“{row.sheet}”第 {row.row} " if row.sheet else f"第 {row.row} "
