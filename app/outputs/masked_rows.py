"""Ledger records → display rows, masked for one channel. Every output goes through here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from app.core.disclosure import MaskPolicy, PersonFields, scrub_free_text
from app.core.money import format_yuan
from app.core.periods import format_month
from app.core.ledger_record import LedgerRecord

# Keys of `payouts list --format json` (kept: automation and acceptance checks use them).
JSON_KEYS = ("name", "id_number", "group", "subsidy", "period", "amount", "pay_date")
HEADERS = {
    "name": "姓名",
    "id_number": "身份证号",
    "group": "组别",
    "subsidy": "补贴项目",
    "period": "月份",
    "amount": "发放金额(元)",
    "pay_date": "发放日期",
    "standard": "发放标准",
    "note": "备注",
}


@dataclass(frozen=True)
class DisplayRow:
    name: str
    id_number: str
    group: str
    subsidy: str
    period: str
    amount: str
    pay_date: str
    standard: str
    note: str
    amount_fen: int
    sensitive: bool

    def as_dict(self, keys: Iterable[str] = JSON_KEYS) -> dict[str, str]:
        return {key: getattr(self, key) for key in keys}


def mask_record(record: LedgerRecord, policy: MaskPolicy) -> DisplayRow:
    fields = policy.apply(
        PersonFields(
            name=record.name,
            id_number=record.id_number,
            phone=record.phone,
            account=record.account,
            group=record.group or "",
            note=record.note,
        ),
        sensitive=record.sensitive,
    )
    return DisplayRow(
        name=fields.name,
        id_number=fields.id_number,
        group=fields.group,
        subsidy=scrub_free_text(record.subsidy),
        period=format_month(record.period),
        amount=format_yuan(record.amount_fen),
        pay_date=record.pay_date.isoformat() if record.pay_date else "",
        standard=scrub_free_text(record.standard),
        note=fields.note,
        amount_fen=record.amount_fen,
        sensitive=record.sensitive,
    )


def mask_records(records: Iterable[LedgerRecord], policy: MaskPolicy) -> list[DisplayRow]:
    return [mask_record(record, policy) for record in records]
