"""The monthly bulletin-board sheet (惠民惠农补贴资金发放公开表) as plain data, already masked.

One section per subsidy type with its count and subtotal; sensitive types (the SubsidyType flag)
appear as a count and a total only; a grand total in figures and in 大写; columns that are empty for
the whole month are dropped; corrections made after the previous sheet are listed (更正说明).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from app.core.ledger_record import LedgerRecord
from app.core.disclosure import Channel, MaskPolicy, scrub_free_text
from app.core.money import format_yuan, to_capital
from app.core.payout_table import format_area
from app.core.periods import format_month_zh
from app.outputs.masked_rows import mask_record

# (key, header, relative width); 序号, 姓名, 身份证号 and 发放金额 are always shown. The subsidy is
# the section's heading, not a column repeating it on every row; the PDF measures widths from content.
COLUMNS = (
    ("serial", "序号", 0.05),
    ("name", "姓名", 0.09),
    ("id_number", "身份证号", 0.17),
    ("group", "组别", 0.07),
    ("standard", "发放标准", 0.11),
    ("area", "补贴面积（亩）", 0.08),  # shown only when the county file had the area and the rate
    ("rate", "补贴标准（元/亩）", 0.08),
    ("amount", "发放金额(元)", 0.10),
    ("pay_date", "发放日期", 0.10),
    ("note", "备注", 0.17),
)
ALWAYS_SHOWN = {"serial", "name", "id_number", "amount"}
_CHINESE_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class SheetMeta:
    village: str
    township: str
    period: dt.date
    posting_start: dt.date
    posting_end: dt.date
    channel: Channel
    supervision_phone: str = ""
    heading: str = ""  # overrides the usual title (township summary)
    scope: str = ""  # overrides 发布范围 (the township summary hangs at the township and goes online)
    made_on: dt.date | None = None  # the PDF's creation date: the posting day of a posted sheet, else today
    # A posted sheet's anchor in the audit chain, printed in its footer ("KMTX-ACPR-DEFH（第 12 条）"):
    # the paper pins the log (`cunwu audit verify --code`). Empty on a sheet not yet posted.
    audit_anchor: str = ""

    @property
    def scope_text(self) -> str:
        return self.scope or self.channel.label

    @property
    def title(self) -> str:
        return self.heading or f"{self.village}{format_month_zh(self.period)}惠民惠农补贴资金发放公开表"


@dataclass(frozen=True)
class SheetRow:
    cells: dict[str, str]
    amount_fen: int = 0


@dataclass(frozen=True)
class Section:
    heading: str
    subsidy: str
    sensitive: bool
    count: int
    subtotal_fen: int
    rows: tuple[SheetRow, ...] = ()
    basis: str = ""  # 政策依据, from the subsidy type
    issuer: str = ""  # 发放单位/主管部门, where the subsidy type has one


@dataclass(frozen=True)
class CorrectionLine:
    name: str
    subsidy: str
    period: dt.date
    old_fen: int
    new_fen: int
    reason: str
    sensitive: bool = False


@dataclass(frozen=True)
class BulletinSheet:
    meta: SheetMeta
    columns: tuple[tuple[str, str, float], ...]
    sections: tuple[Section, ...]
    total_count: int
    total_fen: int
    corrections: tuple[CorrectionLine, ...] = field(default=())
    signatures: tuple[str, ...] = ("制表人：", "审核人：", "村务监督委员会意见：")

    @property
    def total_text(self) -> str:
        return format_yuan(self.total_fen, thousands=True)

    @property
    def total_capital(self) -> str:
        return to_capital(self.total_fen)


def _ordinal(index: int) -> str:
    if index < len(_CHINESE_ORDINALS):
        return _CHINESE_ORDINALS[index]
    return str(index + 1)


def build_sheet(
    records: Iterable[LedgerRecord],
    policy: MaskPolicy,
    meta: SheetMeta,
    corrections: Sequence[CorrectionLine] = (),
    bases: Mapping[str, str] | None = None,
    issuers: Mapping[str, str] | None = None,
) -> BulletinSheet:
    """Records must come in print order (ledger.fetch_all): subsidy type, group, name."""
    def basis_of(subsidy: str) -> str:
        return scrub_free_text((bases or {}).get(subsidy, ""))

    def issuer_of(subsidy: str) -> str:
        return scrub_free_text((issuers or {}).get(subsidy, ""))

    by_subsidy: dict[str, list[LedgerRecord]] = {}
    for record in records:
        by_subsidy.setdefault(record.subsidy, []).append(record)
    sections: list[Section] = []
    shown_rows: list[SheetRow] = []
    for index, (subsidy, items) in enumerate(by_subsidy.items()):
        sensitive = items[0].sensitive
        count, subtotal = len(items), sum(r.amount_fen for r in items)
        heading = f"{_ordinal(index)}、{subsidy}"
        if sensitive:
            sections.append(Section(heading, subsidy, True, count, subtotal, basis=basis_of(subsidy),
                                    issuer=issuer_of(subsidy)))
            continue
        rows = []
        for serial, record in enumerate(items, start=1):
            shown = mask_record(record, policy)
            cells = {
                "serial": str(serial),
                "name": shown.name,
                "id_number": shown.id_number,
                "group": shown.group,
                "subsidy": shown.subsidy,
                "standard": shown.standard,
                "amount": format_yuan(record.amount_fen, thousands=True),
                "pay_date": shown.pay_date,
                "note": shown.note,
                "area": format_area(record.area_e4),
                "rate": format_yuan(record.rate_fen) if record.rate_fen is not None else "",
            }
            rows.append(SheetRow(cells, record.amount_fen))
        shown_rows.extend(rows)
        sections.append(Section(heading, subsidy, False, count, subtotal, tuple(rows), basis=basis_of(subsidy),
                                issuer=issuer_of(subsidy)))
    columns = tuple(
        column
        for column in COLUMNS
        if column[0] in ALWAYS_SHOWN or any(row.cells[column[0]] for row in shown_rows)
    )
    masked_corrections = tuple(
        CorrectionLine(
            name=scrub_free_text(policy.rules(c.sensitive).name(c.name)),
            subsidy=c.subsidy,
            period=c.period,
            old_fen=c.old_fen,
            new_fen=c.new_fen,
            reason="" if c.sensitive else scrub_free_text(c.reason),
            sensitive=c.sensitive,
        )
        for c in corrections
    )
    return BulletinSheet(
        meta=meta,
        columns=columns,
        sections=tuple(sections),
        total_count=sum(s.count for s in sections),
        total_fen=sum(s.subtotal_fen for s in sections),
        corrections=masked_corrections,
    )
