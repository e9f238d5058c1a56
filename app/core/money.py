"""Money as integer 分 (fen). Parsing what clerks type, formatting, and 大写 (capital numerals)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_FEN_PER_YUAN = 100
# A float from an Excel cell that is this close to a whole 分 is that 分 (binary float noise).
_FLOAT_TOLERANCE_FEN = 1e-6
_CURRENCY_NOISE = re.compile(r"[元圆¥￥,，\s]|RMB|人民币", re.IGNORECASE)
_SIMPLE_AMOUNT = re.compile(r"^([0-9]+)(?:\.([0-9]{1,2}))?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]*)?$|^[+-]?\.[0-9]+$")


class MoneyError(ValueError):
    """An amount that cannot be stored; the message is for the clerk (Chinese)."""


def parse_fen(raw: object) -> int:
    """Parse an amount in yuan into 分. Accepts 1234.5, "1,234.50", "1234.50元", full-width digits.

    Empty, negative, zero, non-numeric and more-than-two-decimal amounts raise MoneyError.
    """
    if raw is None:
        raise MoneyError("金额为空")
    if isinstance(raw, bool):
        raise MoneyError("金额不是数字")
    if isinstance(raw, int):
        return _positive(raw * _FEN_PER_YUAN)
    if isinstance(raw, float):
        fen = raw * _FEN_PER_YUAN
        if abs(fen - round(fen)) > _FLOAT_TOLERANCE_FEN:
            raise MoneyError(f"金额 {raw} 超过两位小数（只能精确到分）")
        return _positive(round(fen))
    if isinstance(raw, str):
        plain = _SIMPLE_AMOUNT.match(raw)
        if plain:  # "560" or "560.5" or "560.50": the common case, without Decimal
            cents = (plain.group(2) or "").ljust(2, "0")
            return _positive(int(plain.group(1)) * _FEN_PER_YUAN + int(cents))
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        raise MoneyError("金额为空")
    cleaned = _CURRENCY_NOISE.sub("", text)
    if not _PLAIN_NUMBER.match(cleaned):
        raise MoneyError(f"金额“{text}”不是数字")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"金额“{text}”不是数字") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise MoneyError(f"金额“{text}”超过两位小数（只能精确到分）")
    return _positive(int(value * _FEN_PER_YUAN))


def _positive(fen: int) -> int:
    if fen < 0:
        raise MoneyError("金额不能为负数")
    if fen == 0:
        raise MoneyError("金额不能为 0")
    return fen


def format_yuan(fen: int, thousands: bool = False) -> str:
    """'1234.50' (or '1,234.50'): yuan with exactly two decimals, never through a float."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), _FEN_PER_YUAN)
    whole = f"{yuan:,}" if thousands else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def to_capital(fen: int) -> str:
    """人民币大写 per 《支付结算办法》 conventions: 壹万贰仟叁佰元整, 壹仟元零伍分, 壹佰元伍角整."""
    if fen < 0:
        return "负" + to_capital(-fen)
    yuan, cents = divmod(fen, _FEN_PER_YUAN)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts.append(_integer_capital(yuan) + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif yuan and fen_digit:
        parts.append("零")
    if fen_digit:
        parts.append(_DIGITS[fen_digit] + "分")
    else:
        parts.append("整")
    return "".join(parts)


def _integer_capital(number: int) -> str:
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    text = ""
    # A zero is read once wherever zeros stand between two non-zero digits, across groups too.
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _group_capital(group) + _GROUP_UNITS[index]
        pending_zero = group % 10 == 0
    return text


def _group_capital(group: int) -> str:
    text = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _SMALL_UNITS[position]
    return text
