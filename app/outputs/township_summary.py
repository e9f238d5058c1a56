"""The township summary sheet printed with `bulletin --all`: per village, count and total per type."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from app.core.disclosure import Channel
from app.core.money import format_yuan
from app.core.periods import format_month_zh
from app.outputs.bulletin_model import BulletinSheet, Section, SheetMeta, SheetRow

COLUMNS = (("serial", "序号", 0.08), ("subsidy", "补贴项目", 0.47), ("count", "人次", 0.15), ("amount", "金额(元)", 0.30))
_ORDINALS = "一二三四五六七八九十"


def _ordinal(index: int) -> str:
    if index < 10:
        return _ORDINALS[index]
    tens, ones = divmod(index + 1, 10)
    return (_ORDINALS[tens - 1] if tens > 1 else "") + "十" + (_ORDINALS[ones - 1] if ones else "")


def summary_sheet(
    township: str,
    period: dt.date,
    villages: Sequence[BulletinSheet],
    posting: tuple[dt.date, dt.date],
) -> BulletinSheet:
    sections = []
    for index, sheet in enumerate(villages):
        rows = tuple(
            SheetRow({"serial": str(n), "subsidy": s.subsidy, "count": str(s.count),
                      "amount": format_yuan(s.subtotal_fen, thousands=True)}, s.subtotal_fen)
            for n, s in enumerate(sheet.sections, start=1)
        )
        sections.append(Section(f"{_ordinal(index)}、{sheet.meta.village}", sheet.meta.village, False,
                                sheet.total_count, sheet.total_fen, rows))
    meta = SheetMeta(
        village="",
        township=township,
        period=period,
        posting_start=posting[0],
        posting_end=posting[1],
        channel=Channel.WALL,
        heading=f"{township}{format_month_zh(period)}惠民惠农补贴资金发放汇总表",
        scope="乡镇公开栏、政务网站",
    )
    return BulletinSheet(
        meta=meta,
        columns=COLUMNS,
        sections=tuple(sections),
        total_count=sum(s.count for s in sections),
        total_fen=sum(s.subtotal_fen for s in sections),
        signatures=("制表人：", "审核人：", "分管领导："),
    )
