"""Rows of a draft notice's table typed in or pasted from Excel/WPS, checked like an import.

A block pasted from a spreadsheet is tab-separated text, a row a line. It is read all or nothing:
one bad cell and no row is taken, and every problem names the pasted row and the column (as the
import names the Excel row and column, README "An import is all or nothing"). The cells obey the
import's rules: no control, format or bidi character; no cell that a spreadsheet would run as a
formula; an ID number of 18 characters with a real birth date and the right check character
(GB 11643-1999, domain.md "Masking personal identifiers"; a number Excel turned into 1.4E+17 or a
15-digit legacy number refused, never repaired); amounts exact to the 分; text no longer than its
column.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core import idnumber, money
from app.core.payout_table import Col, match_header
from app.core.text_rules import FORMULA_START, describe, fold_digits, is_control, is_format
from app.services import audit
from app.services.errors import ServiceError
from app.services.notices import RowInput, _add_rows, _notice, _require_draft, _rows
from app.storage.engine import Database

# The columns of a notice's table, in the order a typed or pasted row gives them.
COLUMNS = ("姓名", "身份证号", "组别", "项目", "金额（元）", "备注")
NAME, ID_NUMBER, GROUP, ITEM, AMOUNT, NOTE = range(len(COLUMNS))
# The lengths of NoticeRow's columns (app/storage/models.py): longer text is refused, never cut.
LENGTHS = {NAME: 60, GROUP: 50, ITEM: 100, NOTE: 300}
MAX_AMOUNT_FEN = 100_000_000  # 1,000,000.00 yuan a line, as the import
MAX_ROWS = 5000
_HEADER_COLUMNS = {Col.NAME: NAME, Col.ID_NUMBER: ID_NUMBER, Col.GROUP: GROUP, Col.SUBSIDY: ITEM,
                   Col.AMOUNT: AMOUNT, Col.NOTE: NOTE}
_SHOWN = 24


def _shown(text: str) -> str:
    text = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text[: _SHOWN * 2])
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def split_paste(text: str) -> list[list[str]]:
    """Clipboard text from Excel/WPS as rows of cells: lines split by tabs; a quoted cell (Excel quotes
    a cell with a line break in it) keeps its text; blank lines at the end dropped."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted, at_start, i = False, True, 0
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text[i + 1:i + 2] == '"':
                cell.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                cell.append(ch)
        elif ch == '"' and at_start:
            quoted = True
        elif ch == "\t":
            row.append("".join(cell))
            cell, at_start = [], True
            i += 1
            continue
        elif ch == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_start = [], [], True
            i += 1
            continue
        else:
            cell.append(ch)
        at_start = False
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    while rows and all(not c.strip() for c in rows[-1]):
        rows.pop()
    return rows


# Words that name a column inside a longer heading (救助金额, 申请人姓名, 所在组…), tried in this order.
_HEADER_WORDS = (("身份证", ID_NUMBER), ("证件号", ID_NUMBER), ("姓名", NAME), ("金额", AMOUNT), ("备注", NOTE),
                 ("说明", NOTE), ("项目", ITEM), ("组", GROUP))


def _header_column(cell: str) -> int | None:
    col = match_header(cell)
    if col in _HEADER_COLUMNS:
        return _HEADER_COLUMNS[col]
    text = cell.strip()
    if text in COLUMNS:
        return COLUMNS.index(text)
    return next((column for word, column in _HEADER_WORDS if word in text), None)


def _header_map(cells: Sequence[str]) -> tuple[dict[int, int], list[str]] | None:
    """A pasted header row (姓名, 身份证号…): which pasted column goes to which of ours, and the
    headings it could not place."""
    found: dict[int, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        column = _header_column(cell) if cell.strip() else None
        if column is not None and column not in found.values():
            found[index] = column
        elif cell.strip():
            unknown.append(f"第 {index + 1} 列“{_shown(cell.strip())}”")
    if NAME not in found.values() or len(found) < 2:
        return None
    return found, unknown


def _cell_problem(column: int, raw: str) -> tuple[str, str | int | None]:
    """(problem or "", the cell's value as stored)."""
    hidden = [ch for ch in raw.strip() if is_control(ch) or is_format(ch)]
    if hidden and not (column == NOTE and all(ch == "\n" for ch in hidden)):
        ch = next(c for c in hidden if column != NOTE or c != "\n")
        return f"含有看不见的{describe(ch)}，请在 Excel 中删除后重新粘贴", None
    text = raw.strip()
    if text.startswith(FORMULA_START) and column != AMOUNT:
        return f"“{_shown(text)}”以 {text[0]} 开头，像是 Excel 公式，不能加入；请只粘贴公式算出的值", None
    if column == ID_NUMBER:
        if not text:
            return "", ""
        try:
            return "", idnumber.validate(text).number
        except idnumber.IdNumberError as exc:
            return str(exc), None  # the number itself is not repeated: a message must not carry it
    if column == AMOUNT:
        if not text:
            return "", None
        if text.startswith(FORMULA_START) and not text.startswith("-"):
            return f"“{_shown(text)}”以 {text[0]} 开头，像是 Excel 公式，不能加入；请只粘贴公式算出的值", None
        try:
            fen = money.parse_fen(fold_digits(text)) if len(text) <= 24 else None
        except money.MoneyError as exc:
            return str(exc), None
        if fen is None:
            return f"“{_shown(text)}”不是数字", None
        if fen > MAX_AMOUNT_FEN:
            return (f"金额 {money.format_yuan(fen, thousands=True)} 元超过单笔上限 "
                    f"{money.format_yuan(MAX_AMOUNT_FEN, thousands=True)} 元，请核对"), None
        return "", fen
    limit = LENGTHS[column]
    if len(text) > limit:
        return f"“{_shown(text)}”有 {len(text)} 个字，超过 {limit} 个字的上限，请删减（不会自动截断）", None
    if column == GROUP and text.isascii() and text.isdigit():
        text += "组"  # 3 → 3组, as the import reads a group
    return "", text


def check_cells(cells: Sequence[Sequence[str]], where: str = "粘贴的第 {row} 行") -> list[RowInput]:
    """Rows of cells in COLUMNS' order (or under a header row naming them) as notice rows, all or none.

    `where` names a row for the clerk ({row}: 1-based among the rows given, header included). Refused
    (ServiceError, one problem per cell) when any cell is wrong; blank rows are skipped."""
    rows = [list(r) for r in cells]
    mapping = {i: i for i in range(len(COLUMNS))}
    first = 0
    problems: list[str] = []
    if rows:
        header = _header_map(rows[0])
        if header is not None:
            (mapping, unknown), first = header, 1
            if unknown:
                problems.append(f"{where.format(row=1)}（标题行）：{'、'.join(unknown)}不知道对应哪一列"
                                f"（可用的列：{'、'.join(COLUMNS)}），请删去这些列或改标题后重新粘贴")
                raise ServiceError("粘贴的列对不上，一行也没有加入", problems)
    if len(rows) - first > MAX_ROWS:
        raise ServiceError(f"一次最多加入 {MAX_ROWS} 行，这里有 {len(rows) - first} 行")
    found: list[RowInput] = []
    for number, row in enumerate(rows[first:], start=first + 1):
        if all(not c.strip() for c in row):
            continue
        label = where.format(row=number)
        extra = [i for i, c in enumerate(row) if c.strip() and i not in mapping]
        if extra:
            problems.append(f"{label}：有 {len(row)} 列，多出的第 {extra[0] + 1} 列“{_shown(row[extra[0]].strip())}”"
                            f"不知道是什么（应为：{'、'.join(COLUMNS)}）")
            continue
        values: dict[int, str | int | None] = {}
        for index, raw in enumerate(row):
            column = mapping[index]
            problem, value = _cell_problem(column, raw)
            if problem:
                problems.append(f"{label}“{COLUMNS[column]}”列：{problem}")
            values[column] = value
        if not str(values.get(NAME) or "").strip() and not any(p.startswith(f"{label}“姓名”") for p in problems):
            problems.append(f"{label}“姓名”列：姓名不能为空")
        amount = values.get(AMOUNT)
        found.append(RowInput(
            name=str(values.get(NAME) or ""), id_number=str(values.get(ID_NUMBER) or ""),
            group=str(values.get(GROUP) or ""), item=str(values.get(ITEM) or ""),
            amount_fen=amount if isinstance(amount, int) else None,
            note=str(values.get(NOTE) or ""),
        ))
    if problems:
        raise ServiceError(f"有 {len(problems)} 处要改，一行也没有加入", problems)
    if not found:
        raise ServiceError("没有可加入的行：请先录入或粘贴姓名等内容")
    return found


def check_paste(text: str) -> list[RowInput]:
    """A block copied from Excel/WPS, checked all or nothing (see check_cells)."""
    return check_cells(split_paste(text))


def add_typed_rows(db: Database, notice_id: int, cells: Sequence[Sequence[str]], actor: str,
                   where: str = "第 {row} 行") -> int:
    """Add typed or pasted rows to a draft notice's table, all or none, in one audited transaction;
    returns how many were added."""
    rows = check_cells(cells, where)
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        _require_draft(notice)
        existing = _rows(session, notice_id)
        _add_rows(session, notice_id, rows, first=len(existing) + 1)
        audit.record(session, actor, "add_rows", "notice", notice_id,
                     after={"typed": len(rows), "names": [r.name for r in rows]})
        return len(rows)


def remove_row(db: Database, notice_id: int, position: int, reason: str, actor: str) -> None:
    """Take a row out of a draft notice's table (with a reason); the rows after it move up."""
    if not reason.strip():
        raise ServiceError("删除附表行必须写明原因")
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        _require_draft(notice)
        rows = _rows(session, notice_id)
        target = next((r for r in rows if r.position == position), None)
        if target is None:
            raise ServiceError(f"附表中没有第 {position} 行")
        session.delete(target)
        session.flush()
        for row in rows:
            if row.position > position:
                row.position -= 1
                session.add(row)
        audit.record(session, actor, "remove_row", "notice", notice_id,
                     before={"row": position, "name": target.name}, after={"reason": reason.strip()[:300]})
