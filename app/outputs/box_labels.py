"""Box labels of DA/T 22-2015 §9.5 for the standard archive box (310 × 220 mm, spines 20–50 mm):
per box a cover (盒封面), a spine strip (盒脊) and the notes sheet (备考表), all on A4 portrait.

The spine strip is cut out and pasted on the box; its text runs top to bottom one character a line,
as a spine is read standing in the cabinet.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from app.core.cjk_wrap import tokens
from app.outputs.atomic import write_bytes

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# ReportLab is imported when labels are drawn, not when the services that name BoxLabel are loaded:
# the window's start-up must not pay for it.
mm = 72 / 25.4
A4 = (210 * mm, 297 * mm)
SPINE_WIDTH = 30 * mm  # the common 3 cm box
SPINE_HEIGHT = 220 * mm


@dataclass(frozen=True)
class BoxLabel:
    fonds_name: str  # 全宗名称: the village committee
    fonds: str  # 全宗号
    year: int
    retention: str  # 永久 / 定期30年 / 定期10年
    category: str
    box_number: int
    first: str  # 起止件号
    last: str
    piece_count: int
    organizer: str = ""
    checker: str = ""
    note: str = ""
    printed_on: dt.date | None = None
    page_count: int = 0

    @property
    def range_text(self) -> str:
        return f"{self.first}—{self.last}"

    def fields(self) -> list[tuple[str, str]]:
        return [("全宗号", self.fonds), ("年度", str(self.year)), ("保管期限", self.retention),
                ("起止件号", self.range_text), ("盒号", str(self.box_number))]


def render_labels(labels: Sequence[BoxLabel], out: Path) -> int:
    """Three pages a box: cover, spine, notes sheet. Returns the page count."""
    from reportlab.pdfgen.canvas import Canvas

    from app.outputs.fonts import chain

    buffer = io.BytesIO()  # written to disk in one go: a full disk leaves no half file
    body, title = chain("body"), chain("title")
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=body.primary)
    canvas.setTitle("档案盒封面、盒脊和备考表")
    from app.outputs.pdf_dates import stamp

    stamp(canvas, labels[0].printed_on if labels else None)
    canvas.setAuthor("村务公开助手")
    pages = 0
    for label in labels:
        for paint in (_cover, _spine, _notes):
            paint(canvas, label, body, title)
            canvas.showPage()
            pages += 1
    canvas.save()
    write_bytes(out, buffer.getvalue())
    return pages


def _cover(c: "Canvas", label: BoxLabel, body, title) -> None:  # noqa: ANN001 - font chains
    from app.outputs import pdf_text

    width, height = A4
    left, box_w, box_h = (width - 150 * mm) / 2, 150 * mm, 210 * mm
    top = height - 35 * mm
    c.setLineWidth(1)
    c.rect(left, top - box_h, box_w, box_h)
    pdf_text.draw(c, title, 22, width / 2, top - 40 * mm, "档　案　盒", "center")
    pdf_text.draw(c, body, 14, width / 2, top - 58 * mm, label.fonds_name, "center")
    y = top - 90 * mm
    for name, value in label.fields():
        pdf_text.draw(c, body, 14, left + 25 * mm, y, f"{name}：")
        pdf_text.draw(c, body, 14, left + 60 * mm, y, value)
        c.line(left + 58 * mm, y - 3, left + box_w - 25 * mm, y - 3)
        y -= 18 * mm


def _spine(c: "Canvas", label: BoxLabel, body, title) -> None:  # noqa: ANN001
    from app.outputs import pdf_text

    width, height = A4
    left, top = (width - SPINE_WIDTH) / 2, height - (height - SPINE_HEIGHT) / 2
    c.setDash(3, 3)  # the cutting line
    c.rect(left, top - SPINE_HEIGHT, SPINE_WIDTH, SPINE_HEIGHT)
    c.setDash()
    y = top - 12 * mm
    size = 12
    for name, value in label.fields():
        pdf_text.draw(c, title, 8, left + SPINE_WIDTH / 2, y, name, "center")
        y -= 6 * mm
        if name == "起止件号":
            for part in (label.first, "|", label.last):  # digits stay upright, one number a line
                pdf_text.draw(c, body, size, left + SPINE_WIDTH / 2, y, part, "center")
                y -= 6 * mm
        elif name == "保管期限":
            for part in tokens(value):  # Chinese runs down the spine a character a line, numbers stay whole
                pdf_text.draw(c, body, size, left + SPINE_WIDTH / 2, y, part, "center")
                y -= 5.5 * mm
        else:
            pdf_text.draw(c, body, size, left + SPINE_WIDTH / 2, y, value, "center")
            y -= 6 * mm
        c.line(left + 3 * mm, y + 2 * mm, left + SPINE_WIDTH - 3 * mm, y + 2 * mm)
        y -= 5 * mm
    pdf_text.draw(c, body, 9, width / 2, (height - SPINE_HEIGHT) / 2 - 8 * mm, "（沿虚线剪下，贴于档案盒盒脊）", "center")


def _notes(c: "Canvas", label: BoxLabel, body, title) -> None:  # noqa: ANN001
    from app.outputs import pdf_text

    width, height = A4
    left, right, top = 25 * mm, width - 25 * mm, height - 30 * mm
    pdf_text.draw(c, title, 20, width / 2, top, "备　考　表", "center")
    top -= 12 * mm
    box_h = 200 * mm
    c.rect(left, top - box_h, right - left, box_h)
    y = top - 10 * mm
    pdf_text.draw(c, body, 12, left + 6 * mm, y, "盒内文件情况说明：")
    y -= 9 * mm
    # DA/T 22-2015 §9.5: the notes sheet says how many pieces and pages the box holds.
    totals = f"本盒文件共 {label.piece_count} 件、{label.page_count} 页，件号 {label.range_text}，"
    text = totals + (label.note or f"{label.year}年度，保管期限{label.retention}。")
    for line in pdf_text.lines(body, 12, text, right - left - 20 * mm):
        pdf_text.draw(c, body, 12, left + 14 * mm, y, line)
        y -= 7 * mm
    y = top - box_h + 45 * mm
    for name, value in (("整理人", label.organizer), ("检查人", label.checker)):
        pdf_text.draw(c, body, 12, right - 75 * mm, y, f"{name}：{value}")
        c.line(right - 58 * mm, y - 3, right - 8 * mm, y - 3)
        y -= 12 * mm
    day = label.printed_on
    when = f"{day.year} 年 {day.month} 月 {day.day} 日" if day else "　　年　　月　　日"
    pdf_text.draw(c, body, 12, right - 75 * mm, y, f"日　期：{when}")
