"""Resident identity numbers (居民身份证号码), GB 11643-1999.

Validity is exactly what domain.md says: 18 characters, a real birth date and the right
ISO 7064 MOD 11-2 check character. The region code is deliberately *not* a validity test
(codes of merged or renamed counties stay on people's IDs): a code that was never issued earns a
warning, one that ever was is fine whatever the birth year (app/core/regions.py).

Nothing here calls a validator library: python-stdnum's region lookup raised KeyError for codes its
table holds without a county, and a library must not be able to crash an import (issue 12).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from typing import NamedTuple

from app.core import regions
from app.core.text_rules import fold_digits

ID_LENGTH = 18
LEGACY_LENGTH = 15
_EARLIEST_BIRTH_YEAR = 1880

# Excel turns a long number typed as a number into "1.40123199001E+17": the last digits are gone.
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$", re.IGNORECASE)


class IdNumberError(ValueError):
    """An ID number that must not be stored; the message is for the clerk (Chinese)."""


class IdCheck(NamedTuple):
    # A NamedTuple, not a frozen dataclass: an import builds one per distinct number (190,000 at
    # 300,000 rows) and a frozen dataclass takes several times as long to build.
    number: str
    warnings: tuple[str, ...] = ()


_PLAIN = re.compile(r"[0-9]{17}[0-9X]")


def normalize(raw: str) -> str:
    """Trim spaces (ASCII and full-width), fold every Unicode decimal digit (full-width ７, Arabic-Indic
    ٧…) to ASCII, upper-case a trailing x: the same person is one number however it was typed."""
    if _PLAIN.fullmatch(raw):
        return raw  # the common case, kept cheap for 100,000-row files
    text = fold_digits(unicodedata.normalize("NFKC", str(raw)))
    return re.sub(r"\s+", "", text).upper()


# ISO 7064 MOD 11-2 as GB 11643-1999 states it: weight 2^(17-i) mod 11 for digit i.
_WEIGHTS = tuple(pow(2, 17 - index, 11) for index in range(17))
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The check character (0-9 or X) for the first 17 ASCII digits.

    Σ dᵢ·2^(17-i) ≡ 2·Σ dᵢ·13^(16-i) (mod 11), since 13 ≡ 2: the sum is twice the digits read in
    base 13, which int() does in C (a tenth of the time of the weighted sum; a test holds the two equal).
    """
    return _CHECK[2 * int(first17, 13) % 11]


def check_character_by_weights(first17: str) -> str:
    """The same character by the standard's weighted sum: the reference the fast form is tested against."""
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def validate(raw: object, today: dt.date | None = None) -> IdCheck:
    """Return the normalized 18-character number, or raise IdNumberError (Chinese message).

    No cache here: the import checks each distinct cell of a column once (payout_table), which a
    bounded cache could not do for 300,000 rows of mostly distinct numbers.
    """
    if raw.__class__ is str and _PLAIN.fullmatch(raw):
        number = raw  # the common case: 18 ASCII characters as they should be, nothing to refuse by form
    else:
        number = _plain_form(raw)
    birth = birth_date(number)
    today = today or dt.date.today()
    if birth is None or birth > today or birth.year < _EARLIEST_BIRTH_YEAR:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不是真实日期")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError("身份证号校验位不对（最后一位应为 " + expected + "），请核对是否录错")
    if not region_known(number):
        return IdCheck(number, (f"地区码 {number[:6]} 不是 1980 年以来用过的任何县级行政区划代码，请核对身份证号",))
    return IdCheck(number)


def _plain_form(raw: object) -> str:
    """The number normalized to 18 ASCII characters, or IdNumberError saying what is wrong with its form."""
    if raw is None:
        raise IdNumberError("身份证号为空")
    if isinstance(raw, float):
        raise IdNumberError("身份证号被存成了数字，后几位已丢失，请把该列设为“文本”后重新录入")
    if isinstance(raw, int):
        # An int keeps its digits but never an X, and a leading zero is impossible: accept via text.
        raw = str(raw)
    number = normalize(str(raw))
    if not number:
        raise IdNumberError("身份证号为空")
    if _SCIENTIFIC.match(number):
        raise IdNumberError("身份证号被 Excel 存成了科学计数法，后几位已丢失，请把该列设为“文本”后重新录入")
    if len(number) == LEGACY_LENGTH and number.isascii() and number.isdigit():
        raise IdNumberError("这是 15 位旧身份证号，请向本人核实后改为 18 位新号码")
    if len(number) != ID_LENGTH:
        raise IdNumberError(f"身份证号应为 18 位，这里是 {len(number)} 位")
    if not _PLAIN.fullmatch(number):  # ASCII only: str.isdigit() also accepts ² and other non-decimal digits
        raise IdNumberError("身份证号只能由数字和末位的 X 组成")
    return number


def is_valid(text: str) -> bool:
    """True when text is an 18-character ID with a real birth date and the right check character."""
    try:
        validate(text)
    except IdNumberError:
        return False
    return True


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def region_known(number: str) -> bool:
    """True when the number's region code was ever issued (the birth year plays no part)."""
    return regions.ever_issued(number[:6])
