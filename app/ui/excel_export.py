"""“导出 Excel”: the ledger as filtered on screen, masked for the channel the clerk picks.

openpyxl is imported only when an export runs: it is heavy, and start-up time is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.core.disclosure import Channel, policy_for
from app.core.money import format_yuan
from app.outputs.masked_rows import mask_records
from app.services.ledger import LedgerFilter, ledger_rows
from app.storage.engine import Database
from app.ui.table_helpers import ask_choice

CHANNEL_CHOICES = {
    f"{Channel.WALL.label}（姓名完整，身份证号遮掩）": Channel.WALL,
    f"{Channel.ONLINE.label}（姓名也遮掩，用于上网、发群、外送）": Channel.ONLINE,
}


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    title: str
    filter: LedgerFilter
    channel: Channel


def ask_channel(parent: QWidget) -> Channel | None:
    # Preselected: the stricter channel, for a file that may leave the village.
    online = next(label for label, channel in CHANNEL_CHOICES.items() if channel is Channel.ONLINE)
    label = ask_choice(parent, "导出 Excel", "导出的表格给谁看？个人信息按所选范围遮掩：", "下一步",
                       list(CHANNEL_CHOICES), current=online)
    return CHANNEL_CHOICES.get(label) if label is not None else None


def export_ledger(db: Database, request: ExportRequest) -> str:
    """Worker side. Returns the sentence the clerk reads when it is done."""
    from app.outputs.ledger_xlsx import write_ledger_xlsx

    records = ledger_rows(db, request.filter)
    rows = mask_records(records, policy_for(request.channel))
    write_ledger_xlsx(request.path, request.title, rows, request.channel)
    total = sum(row.amount_fen for row in rows)
    return f"已导出 {len(rows)} 条，合计 {format_yuan(total, thousands=True)} 元：{request.path}"
