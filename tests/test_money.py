"""Money from what clerks type, in integer 分; totals in 大写 (domain.md, "Subsidy payouts")."""

import pytest

from app.core.money import MoneyError, format_yuan, parse_fen, to_capital


@pytest.mark.parametrize(
    "typed, fen",
    [
        ("1234.5", 123450),
        ("1,234.50", 123450),
        ("1234.50元", 123450),
        ("１２３４．５０", 123450),
        ("￥560", 56000),
        (" 0.01 ", 1),
        (560, 56000),
        (12.3, 1230),
        (0.1 + 0.2, 30),  # binary float noise from an Excel formula cell
        ("1234.500", 123450),  # trailing zeros are not a third decimal
    ],
)
def test_accepted_amounts(typed, fen):
    assert parse_fen(typed) == fen


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("-5", "负数"),
        ("", "为空"),
        (None, "为空"),
        ("五百元", "不是数字"),
        ("12.3.4", "不是数字"),
        ("1.234", "两位小数"),
        (1.234, "两位小数"),
        ("0", "不能为 0"),
    ],
)
def test_rejected_amounts(typed, reason):
    with pytest.raises(MoneyError, match=reason):
        parse_fen(typed)


@pytest.mark.parametrize(
    "fen, capital",
    [
        (1230000, "壹万贰仟叁佰元整"),
        (100005, "壹仟元零伍分"),
        (10050, "壹佰元伍角整"),
        (1234056, "壹万贰仟叁佰肆拾元伍角陆分"),
        (100100000, "壹佰万零壹仟元整"),
        (1000100, "壹万零壹元整"),
        (101000000, "壹佰零壹万元整"),
        (5, "伍分"),
        (0, "零元整"),
        (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ],
)
def test_capital_numerals(fen, capital):
    assert to_capital(fen) == capital


def test_format_yuan_never_goes_through_float():
    assert format_yuan(123456789012345, thousands=True) == "1,234,567,890,123.45"
    assert format_yuan(5) == "0.05"
