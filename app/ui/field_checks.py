"""Live checks for the entry dialog: the core's own rules, run on every keystroke.

Each check returns a Verdict whose message is what the clerk reads next to the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.core import idnumber, money, names
from app.core.money import format_yuan, to_capital
from app.core.periods import format_month_zh


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str = ""
    warning: bool = False  # acceptable, but worth a second look


def check_id_number(text: str) -> Verdict:
    try:
        checked = idnumber.validate(text)
    except idnumber.IdNumberError as exc:
        return Verdict(False, str(exc))
    if checked.warnings:
        return Verdict(True, "；".join(checked.warnings), warning=True)
    return Verdict(True, "身份证号有效")


def check_amount(text: str) -> Verdict:
    try:
        fen = money.parse_fen(text)
    except money.MoneyError as exc:
        return Verdict(False, str(exc))
    return Verdict(True, f"{format_yuan(fen, thousands=True)} 元（{to_capital(fen)}）")


def check_name(text: str) -> Verdict:
    try:
        names.validate(text)
    except names.NameError_ as exc:
        return Verdict(False, str(exc))
    return Verdict(True)


def check_pay_date(pay_date: dt.date | None, month: dt.date) -> Verdict:
    if pay_date is not None and pay_date.replace(day=1) != month:
        return Verdict(False, f"发放日期不在 {format_month_zh(month)} 内")
    return Verdict(True)
