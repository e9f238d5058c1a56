"""One payout with its person, unmasked: the plain data that services hand to outputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerRecord:
    payout_id: int
    person_id: int
    name: str
    id_number: str
    phone: str
    account: str
    group: str
    subsidy: str
    sensitive: bool
    period: dt.date
    amount_fen: int
    pay_date: dt.date | None
    standard: str
    note: str
    batch_id: int | None
    area_e4: int | None = None  # 1/10,000 亩, for subsidies paid by area
    rate_fen: int | None = None  # 分 per 亩
