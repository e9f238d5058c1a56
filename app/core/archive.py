"""Archive filing rules of DA/T 22-2015《归档文件整理规则》 (domain.md, "Archive filing").

Pieces (件) are numbered within a year, a retention period and a category; the archival code (档号)
is built from the village's settings as 全宗号-[门类代码·]年度-保管期限代码-[机构(问题)代码-]件号, e.g.
`J012-2026-D10-CW-0031` or `0194-WS·2016-D30-BGS-0001`. A part the village leaves out is left out
with its hyphen; the rest keeps its order.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

PIECE_DIGITS = 4  # 件号 is written with four digits (0001) in DA/T 22's examples
_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")


class ArchiveError(ValueError):
    """A filing value that the standard does not allow; the message is for the clerk (Chinese)."""


class Retention(str, enum.Enum):
    """保管期限 and its code (DA/T 22-2015 §6.1.3)."""

    PERMANENT = "Y"
    YEARS_30 = "D30"
    YEARS_10 = "D10"

    @property
    def label(self) -> str:
        return {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}[self.value]

    @classmethod
    def parse(cls, text: str) -> "Retention":
        cleaned = "".join(str(text).split())
        for item in cls:
            if cleaned in (item.value, item.value.lower(), item.label, item.name):
                return item
        raise ArchiveError(f"保管期限“{text}”不对，应为 永久、定期30年 或 定期10年（代码 Y、D30、D10）")


@dataclass(frozen=True)
class FondsSettings:
    """A village's filing settings: 全宗号, optional 门类代码 (e.g. WS 文书)."""

    fonds: str
    doc_class: str = ""

    def __post_init__(self) -> None:
        if not _CODE.match(self.fonds):
            raise ArchiveError(f"全宗号“{self.fonds}”不对：只能用字母和数字，最多 12 位（例如 J012）")
        if self.doc_class and not _CODE.match(self.doc_class):
            raise ArchiveError(f"门类代码“{self.doc_class}”不对：只能用字母和数字（例如 WS）")


def check_category_code(code: str) -> str:
    """机构(问题)代码, e.g. CW (财务), GK (村务公开); empty when the village does not use one."""
    code = code.strip().upper()
    if code and not _CODE.match(code):
        raise ArchiveError(f"类别代码“{code}”不对：只能用字母和数字（例如 CW）")
    return code


def format_piece_number(number: int) -> str:
    if not 1 <= number < 10 ** PIECE_DIGITS:
        raise ArchiveError(f"件号 {number} 超出范围（1 至 {10 ** PIECE_DIGITS - 1}）")
    return f"{number:0{PIECE_DIGITS}d}"


def archival_code(settings: FondsSettings, year: int, retention: Retention, category: str, number: int) -> str:
    """档号: 全宗号-[门类·]年度-保管期限-[类别-]件号."""
    year_part = f"{settings.doc_class}·{year}" if settings.doc_class else str(year)
    parts = [settings.fonds, year_part, retention.value]
    category = check_category_code(category)
    if category:
        parts.append(category)
    parts.append(format_piece_number(number))
    return "-".join(parts)


def filing_date(day: dt.date) -> str:
    """日期 as DA/T 22 writes it: eight digits, YYYYMMDD."""
    return day.strftime("%Y%m%d")


def piece_range(numbers: list[int]) -> str:
    """起止件号 of a box: '0001—0031'."""
    if not numbers:
        raise ArchiveError("盒内没有文件")
    return f"{format_piece_number(min(numbers))}—{format_piece_number(max(numbers))}"
