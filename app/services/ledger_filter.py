"""What the ledger is filtered by: plain data, so the window can hold one before the database layer
(SQLAlchemy) is even imported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_SORT = "period"


@dataclass(frozen=True)
class LedgerFilter:
    village_id: int | None = None
    period: dt.date | None = None
    text: str = ""  # part of a name, or pinyin initials ("zs" finds 张三)
    subsidy_type_id: int | None = None
    group_id: int | None = None
