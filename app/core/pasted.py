"""Rows pasted from Excel or WPS: the clipboard's text as a grid, and what each column holds.

Excel and WPS put a copied range on the clipboard as text: cells separated by tabs, rows by CR LF,
a cell holding a tab, a line break or a quote wrapped in quotes (the `excel-tab` dialect). A block
copied with its header row says what its columns are; one copied without it (the usual case: the
clerk selects the rows she needs) is read by its contents — an ID number with a valid check
character, a date, an amount, a 组 — and the clerk confirms or changes each guess before anything
is checked. Pure: no Qt, no database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Sequence

from app.core import idnumber
from app.core.payout_table import Col, find_header

_SAMPLE = 30  # cells looked at per column to guess it
_AMOUNT = re.compile(r"^[¥￥]?\s*\d{1,3}(,?\d{3})*(\.\d{1,2})?\s*元?$")
_DATE = re.compile(r"^(19|20)\d{2}([-/.年])\d{1,2}(\2|月)\d{1,2}日?$")
_MONTH = re.compile(r"^(19|20)\d{2}([-/.年])\d{1,2}月?$")
_GROUP = re.compile(r"^(第?[0-9一二三四五六七八九十]+(村民)?(小)?组|.{1,12}组)$")
_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134f·]{2,6}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ACCOUNT = re.compile(r"^\d{12,19}$")


def split_clipboard(text: str) -> list[list[str]]:
    """The grid Excel put on the clipboard; trailing empty rows and cells dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = [list(row) for row in csv.reader(io.StringIO(text), dialect="excel-tab")]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, cell in enumerate(row) if cell.strip()), default=0) for row in rows), default=0)
    return [row[:width] + [""] * (width - len(row)) for row in rows]


def header_of(rows: Sequence[Sequence[str]]) -> list[Col | None] | None:
    """The columns named by a header in the block's first row, or None when it has none."""
    if not rows:
        return None
    found = find_header([list(rows[0])])
    if found is None:
        return None
    _, columns, _ = found
    named: list[Col | None] = [None] * len(rows[0])
    for col, index in columns.items():
        named[index] = col
    return named


def _fraction(values: Sequence[str], test: Callable[[str], object]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _is_serial(values: Sequence[str]) -> bool:
    numbers = [int(v) for v in values if v.isdigit()]
    return len(numbers) == len(values) and numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else False


def guess_columns(rows: Sequence[Sequence[str]], subsidies: Collection[str] = ()) -> list[Col | None]:
    """Each column's meaning, read from its contents; None where nothing fits (the clerk decides)."""
    width = max((len(row) for row in rows), default=0)
    guesses: list[Col | None] = []
    taken: set[Col] = set()
    for index in range(width):
        values = [row[index].strip() for row in rows if index < len(row) and row[index].strip()][:_SAMPLE]
        guess = _guess(values, subsidies)
        if guess in taken:
            guess = None  # a second column of the same kind: the clerk says which
        if guess is not None:
            taken.add(guess)
        guesses.append(guess)
    return guesses


def _guess(values: Sequence[str], subsidies: Collection[str]) -> Col | None:
    if not values:
        return None
    checks: list[tuple[Col, float]] = [
        (Col.ID_NUMBER, _fraction(values, idnumber.is_valid)),
        (Col.PAY_DATE, _fraction(values, lambda v: bool(_DATE.match(v)))),
        (Col.PHONE, _fraction(values, lambda v: bool(_MOBILE.match(v)))),
        (Col.ACCOUNT, _fraction(values, lambda v: bool(_ACCOUNT.match(v)) and not _MOBILE.match(v))),
        (Col.SUBSIDY, _fraction(values, lambda v: v in subsidies)),
        (Col.GROUP, _fraction(values, lambda v: bool(_GROUP.match(v)))),
        (Col.NAME, _fraction(values, lambda v: bool(_NAME.match(v)))),
    ]
    best, share = max(checks, key=lambda check: check[1])
    if share >= 0.8:
        return best
    if _is_serial(values):
        return Col.SERIAL
    if _fraction(values, lambda v: bool(_AMOUNT.match(v))) >= 0.8:
        return Col.AMOUNT
    return None
