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
