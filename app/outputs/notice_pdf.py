"""The notice sheet (公示, A4 portrait): body, the attached table masked for its channel, 备案 marks,
the review signatures, objections and how the notice ended.

domain.md "Masking" (one policy per channel, applied here like everywhere), "Public-notice items"
(村干部近亲属 shown as registered) and item 7 (the sheet shows who reviewed it: an unreviewed
draft says so in print).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from app.core.disclosure import Channel, PersonFields, disclose_objection, policy_for, scrub_free_text
from app.core.money import format_yuan, to_capital
from app.core.notices import ANONYMOUS, CADRE_RELATIVE_REMARK, Outcome
from app.outputs.table_pdf import Column, TableDocument, render_table

DRAFT_WATERMARK = "草稿·未经审核 不得张贴"
COLUMNS = [
    Column("serial", "序号", 0.5, "center"),
    Column("name", "姓名", 1.0),
    Column("id_number", "身份证号", 1.9),
    Column("group", "组别", 0.7, "center"),
    Column("item", "项目", 1.5),
    Column("amount", "金额(元)", 1.1, "right"),
    Column("note", "备注", 1.6),
]


@dataclass(frozen=True)
class NoticeLine:
    name: str
    id_number: str = ""
    group: str = ""
    item: str = ""
    amount_fen: int | None = None
    note: str = ""
    sensitive: bool = False
    cadre_relative: bool = False


@dataclass(frozen=True)
class Signature:
    role: str  # 拟稿人 / 村民委员会审核 / 村务监督委员会审核
    name: str
    on: dt.date


@dataclass(frozen=True)
class ObjectionLine:
    raised_by: str
    received_on: dt.date
    content: str
    handling: str
    outcome: Outcome


@dataclass(frozen=True)
class NoticeSheet:
    """What a printed notice shows, unmasked: the output masks it for the channel."""

    village: str
    township: str
    subject: str
    item_name: str
    rule_text: str
    body: str
    start: dt.date
    end: dt.date
    place: str
    supervision_phone: str
    state_label: str
    reviewed: bool
    lines: list[NoticeLine] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    objections: list[ObjectionLine] = field(default_factory=list)
    result: str = ""


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rows(sheet: NoticeSheet, channel: Channel) -> list[dict[str, str]]:
    policy = policy_for(channel)
    rows = []
    for number, line in enumerate(sheet.lines, start=1):
        masked = policy.apply(PersonFields(line.name, line.id_number, group=line.group, note=line.note), line.sensitive)
        note = "；".join(part for part in (CADRE_RELATIVE_REMARK if line.cadre_relative else "", masked.note) if part)
        rows.append({
            "serial": str(number), "name": masked.name, "id_number": masked.id_number, "group": masked.group,
            "item": scrub_free_text(line.item),
            "amount": format_yuan(line.amount_fen, thousands=True) if line.amount_fen is not None else "",
            "note": note,
        })
    return rows


def _closing(sheet: NoticeSheet, filing_copy: bool) -> list[str]:
    paragraphs = []
    amounts = [line.amount_fen for line in sheet.lines if line.amount_fen is not None]
    if amounts:
        total = sum(amounts)
        paragraphs.append(f"合计：共 {len(sheet.lines)} 人，金额 {format_yuan(total, thousands=True)} 元（大写：{to_capital(total)}）")
    relatives = sum(line.cadre_relative for line in sheet.lines)
    if relatives:
        paragraphs.append(f"以上对象中有村干部近亲属 {relatives} 人，已按规定备案（见备注栏）。")
    paragraphs.append(
        f"公示时间：自 {_zh(sheet.start)} 至 {_zh(sheet.end)}（{sheet.rule_text}）。张贴地点：{sheet.place}。"
        "公示期间如有异议，请向村民委员会或村务监督委员会反映，村民委员会在10日内答复。"
        + (f"监督电话：{sheet.supervision_phone}。" if sheet.supervision_phone else "")
    )
    if sheet.objections:
        paragraphs.append(f"公示期间共收到异议 {len(sheet.objections)} 件。")
    for number, o in enumerate(sheet.objections, start=1):
        shown = disclose_objection(o.received_on, o.outcome.label, o.raised_by or ANONYMOUS, o.content, o.handling,
                                   staff_copy=filing_copy)
        if not filing_copy:
            paragraphs.append(f"异议 {number}：{_zh(shown.received_on)} 收到，处理结果：{shown.outcome}")
            continue
        handled = f"处理情况：{shown.handling}；结果：{shown.outcome}" if o.outcome is not Outcome.OPEN else "正在处理"
        paragraphs.append(f"异议 {number}：{_zh(shown.received_on)} 收到，提出人：{shown.raised_by}；"
                          f"内容：{shown.content}；{handled}")
    if sheet.result:
        paragraphs.append(f"公示结果：{sheet.result}")
    if sheet.reviewed:
        paragraphs += [f"{s.role}：{s.name}（{_zh(s.on)}）" for s in sheet.signatures]
    else:
        paragraphs.append(f"【本公示当前为“{sheet.state_label}”，尚未经村民委员会和村务监督委员会审核，不得张贴】")
    paragraphs.append(f"{sheet.village}村民委员会（盖章）　　　　年　　月　　日")
    return paragraphs


def notice_document(sheet: NoticeSheet, channel: Channel | str = Channel.WALL, filing_copy: bool = False) -> TableDocument:
    """filing_copy: the copy kept in the archive box, with each objection's author and words;
    the posted sheets (wall, online) show objections as count, date and outcome only."""
    channel = Channel(channel)
    # Scrubbed whole, then split: a number broken over two lines of the body is still one number.
    intro = [p.strip() for p in scrub_free_text(sheet.body).splitlines() if p.strip()]
    intro.append(f"公开事项：{sheet.item_name}")
    return TableDocument(
        title=scrub_free_text(sheet.subject),
        columns=COLUMNS if sheet.lines else [],
        rows=_rows(sheet, channel),
        subtitle_left=f"乡镇：{sheet.township}　　村：{sheet.village}",
        subtitle_right=f"公示时间：自 {_zh(sheet.start)} 至 {_zh(sheet.end)}",
        footer_left=f"监督电话：{sheet.supervision_phone}" if sheet.supervision_phone else "",
        footer_right="存档联（内部留存，不得张贴）" if filing_copy else f"发布范围：{channel.label}",
        intro=intro,
        closing=_closing(sheet, filing_copy),
        size="A4",
        orientation="portrait",
        body_size=9.5,
        title_size=16.0,
        published=(sheet.supervision_phone,),
        watermark="" if sheet.reviewed else DRAFT_WATERMARK,
    )


def render_notice(sheet: NoticeSheet, out: Path, channel: Channel | str = Channel.WALL, filing_copy: bool = False) -> int:
    """Write the notice sheet atomically; returns the page count."""
    return render_table(notice_document(sheet, channel, filing_copy), out)
