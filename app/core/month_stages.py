"""The stages of a village's month and the clerk's next step in each (the window's 本月工作 page):
plain data, so the page can be built before the database layer is loaded. Computed by
app.services.month_status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum


class Stage(Enum):
    NOT_IMPORTED = "未导入"
    TO_CHECK = "待核对"
    TO_PREVIEW = "待预览"
    TO_POST = "待张贴"
    POSTED = "已张贴"
    FILED = "已归档"


class NextStep(Enum):
    IMPORT = "导入本月发放明细"
    CHECK = "核对标出的记录"
    PREVIEW = "预览、打印公开表"
    POST = "登记张贴"
    FILE = "装盒并打印档案盒签"
    NONE = "本月已完成"


_NEXT = {
    Stage.NOT_IMPORTED: NextStep.IMPORT, Stage.TO_CHECK: NextStep.CHECK, Stage.TO_PREVIEW: NextStep.PREVIEW,
    Stage.TO_POST: NextStep.POST,
    Stage.POSTED: NextStep.FILE, Stage.FILED: NextStep.NONE,
}


@dataclass(frozen=True)
class MonthState:
    village_id: int
    village: str
    period: dt.date
    stage: Stage
    payouts: int
    total_fen: int
    to_check: int  # rows above the plausibility threshold
    posted_on: dt.date | None
    corrections_waiting: int  # to be listed on the next posted sheet
    due_items: tuple[tuple[str, str, str], ...]  # (item, requirement, status label) the catalog asks for
    overdue: int

    @property
    def next_step(self) -> NextStep:
        return _NEXT[self.stage]
