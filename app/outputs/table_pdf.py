"""A titled table on as many pages as it takes: the archive's filing index and other plain lists.

The same rules as the bulletin sheet (domain.md, "Printed forms"): fonts through the glyph-checked
chain (a missing character stops the print naming the row), Chinese wrapped by app.core.cjk_wrap,
the column header repeated on every page, rows never split, 第 x 页 / 共 y 页 on every page.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.core.disclosure import for_output, published
from app.outputs import pdf_text
from app.outputs.atomic import write_bytes
from app.outputs.fonts import FontChain, MissingGlyph, chain
from app.outputs.pdf_dates import stamp

PAGE_SIZES = {
    ("A4", "portrait"): portrait(A4), ("A4", "landscape"): landscape(A4),
    ("A3", "portrait"): portrait(A3), ("A3", "landscape"): landscape(A3),
}
MARGIN_X = 15 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 18 * mm
PAD = 2.5


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    weight: float
    align: str = "left"  # left / center / right
    nowrap: bool = False  # codes, numbers and dates: as wide as their widest cell, never broken


@dataclass
class TableDocument:
    title: str
    columns: list[Column]
    rows: list[dict[str, str]]
    row_label: str = "name"  # the key that names a row when a character has no glyph
    subtitle_left: str = ""
    subtitle_right: str = ""
    footer_left: str = ""
    footer_right: str = ""  # small type: e.g. the channel, so a stray copy can be recognised
    intro: list[str] = field(default_factory=list)  # paragraphs above the table on the first page
    closing: list[str] = field(default_factory=list)  # paragraphs under the table on the last page
    size: str = "A4"
    orientation: str = "portrait"
    body_size: float = 9.5
    title_size: float = 16.0
    published: tuple[str, ...] = ()  # numbers from the settings printed on purpose (disclosure.published)
    watermark: str = ""  # across every page, e.g. a draft that must not be posted
    made_on: dt.date | None = None  # the PDF's creation date (pdf_dates), today when not given


@dataclass
class _Row:
    cells: list[list[str]]
    height: float


class _Layout:
    def __init__(self, doc: TableDocument) -> None:
        self.doc = doc
        self.width, self.height = PAGE_SIZES[(doc.size, doc.orientation)]
        self.body: FontChain = chain("body")
        self.title: FontChain = chain("title")
        self.leading = doc.body_size * 1.3
        usable = self.usable = self.width - 2 * MARGIN_X
        self.widths = self._widths(usable)
        self.xs = [MARGIN_X]
        for w in self.widths[:-1]:
            self.xs.append(self.xs[-1] + w)

    def _widths(self, usable: float) -> list[float]:
        """Weights share the page, but a `nowrap` column first gets the width of its widest cell."""
        columns = self.doc.columns
        if not columns:
            return []
        size = self.doc.body_size
        total = sum(c.weight for c in columns)
        by_weight = [usable * c.weight / total for c in columns]
        need = {
            i: max(self.body.width(for_output(t), size) for t in {c.header, *(row.get(c.key, "") for row in self.doc.rows)})
            + 2 * PAD + 1
            for i, c in enumerate(columns) if c.nowrap
        }
        rest = [i for i in range(len(columns)) if i not in need]
        if not rest or sum(need.values()) >= usable:
            return by_weight
        widths = [max(need[i], by_weight[i]) if i in need else 0.0 for i in range(len(columns))]
        left = usable - sum(widths[i] for i in need)
        share = sum(columns[i].weight for i in rest)
        for i in rest:
            widths[i] = left * columns[i].weight / share
        return widths

    def row_height(self, lines: int) -> float:
        return max(lines, 1) * self.leading + 2 * PAD

    def measure(self, row: dict[str, str]) -> _Row:
        try:
            cells = [pdf_text.lines(self.body, self.doc.body_size, row.get(c.key, ""), w - 2 * PAD)
                     for c, w in zip(self.doc.columns, self.widths)]
        except MissingGlyph as exc:
            raise MissingGlyph(row.get(self.doc.row_label, ""), exc.characters) from exc
        return _Row(cells, self.row_height(max(len(cell) for cell in cells)))

    def header_lines(self) -> list[list[str]]:
        return [pdf_text.lines(self.title, self.doc.body_size, c.header, w - 2 * PAD)
                for c, w in zip(self.doc.columns, self.widths)]

    def header_height(self) -> float:
        return self.row_height(max(len(lines) for lines in self.header_lines())) if self.doc.columns else 0.0

    def paragraph_lines(self, paragraphs: list[str], size: float) -> list[str]:
        """Paragraphs wrapped to the table's width: a long line must not run off the page."""
        return [line for text in paragraphs for line in pdf_text.lines(self.body, size, text, self.usable)]

    @property
    def intro_lines(self) -> list[str]:
        return self.paragraph_lines(self.doc.intro, self.doc.body_size + 1)

    @property
    def closing_lines(self) -> list[str]:
        return self.paragraph_lines(self.doc.closing, self.doc.body_size + 1)

    def paginate(self) -> list[list[_Row]]:
        header = self.header_height()
        intro = len(self.intro_lines) * self.leading * 1.6 + (4 * mm if self.doc.intro else 0)
        first_top = self.height - MARGIN_TOP - self.doc.title_size - 26 - intro
        later_top = self.height - MARGIN_TOP - 18
        closing = len(self.closing_lines) * self.leading * 1.6 + (6 * mm if self.doc.closing else 0)
        pages: list[list[_Row]] = [[]]
        room = first_top - header - MARGIN_BOTTOM
        for row in (self.measure(r) for r in self.doc.rows):
            if row.height > room and pages[-1]:
                pages.append([])
                room = later_top - header - MARGIN_BOTTOM
            pages[-1].append(row)
            room -= row.height
        later_room = later_top - header - MARGIN_BOTTOM
        rows_on_last = pages[-1]
        if closing > room and rows_on_last:
            # The closing lines (result, signatures, seal) take the last rows with them to a new page:
            # a page of signatures alone could be swapped.
            moved = rows_on_last[-2:]
            if sum(r.height for r in moved) + closing <= later_room:
                del rows_on_last[-len(moved):]
                if not rows_on_last:
                    pages.pop()
                pages.append(moved)
                room = later_room - sum(r.height for r in moved)
            else:
                pages.append([])
        elif closing > room:
            pages.append([])
        if len(pages) > 1 and len(pages[-1]) == 1 and len(pages[-2]) > 2 and pages[-2][-1].height <= room:
            pages[-1].insert(0, pages[-2].pop())  # no page holds a single row
        return pages


def render_table(doc: TableDocument, out: Path) -> int:
    """Write the PDF atomically; returns the page count."""
    return render_tables([doc], out)


def render_tables(docs: list[TableDocument], out: Path) -> int:
    """Several lists in one PDF, each from a new page with its own 第 x 页 / 共 y 页 (e.g. one filing
    index per retention period); written atomically; returns the page count."""
    with published(*(number for doc in docs for number in doc.published)):
        layouts = [_Layout(doc) for doc in docs]
        paginated = [layout.paginate() for layout in layouts]
        buffer = io.BytesIO()  # written to disk in one go: a full disk leaves no half file
        first = layouts[0]
        canvas = Canvas(buffer, pagesize=(first.width, first.height), invariant=1, pageCompression=1,
                        initialFontName=first.body.primary)
        canvas.setTitle(for_output(docs[0].title))
        stamp(canvas, docs[0].made_on)
        canvas.setAuthor("村务公开助手")
        for layout, pages in zip(layouts, paginated):
            canvas.setPageSize((layout.width, layout.height))
            for number, rows in enumerate(pages, start=1):
                _paint(canvas, layout, rows, number, len(pages))
                canvas.showPage()
        canvas.save()
        write_bytes(out, buffer.getvalue())
        return sum(len(pages) for pages in paginated)


def _watermark(c: Canvas, layout: _Layout, text: str) -> None:
    """Light and diagonal, under the content: a draft stays legible for review and unfit for the wall."""
    angle = math.radians(35)
    room = min(0.7 * layout.width / math.cos(angle), 0.7 * layout.height / math.sin(angle))
    size = room / max(layout.title.width(text, 1.0), 1.0)
    c.saveState()
    c.translate(layout.width / 2, layout.height / 2)
    c.rotate(math.degrees(angle))
    c.setFillGray(0.82)
    pdf_text.draw(c, layout.title, size, 0, -size / 3, text, "center")
    c.restoreState()


def _paint(c: Canvas, layout: _Layout, rows: list[_Row], number: int, total: int) -> None:
    doc, size = layout.doc, layout.doc.body_size
    if doc.watermark:
        _watermark(c, layout, doc.watermark)
    y = layout.height - MARGIN_TOP
    if number == 1:
        y -= doc.title_size
        pdf_text.draw(c, layout.title, doc.title_size, layout.width / 2, y, doc.title, "center")
        y -= size + 10
        pdf_text.draw(c, layout.body, size, MARGIN_X, y, doc.subtitle_left)
        pdf_text.draw(c, layout.body, size, layout.width - MARGIN_X, y, doc.subtitle_right, "right")
        y -= 6
        for line in layout.intro_lines:
            y -= layout.leading * 1.6
            pdf_text.draw(c, layout.body, size + 1, MARGIN_X, y, line)
        y -= 4 * mm if doc.intro else 0
    else:
        y -= size
        pdf_text.draw(c, layout.title, size, MARGIN_X, y, doc.title + "（续）")
        y -= 8
    if doc.columns and (rows or number == 1):  # a page holding only the closing lines has no empty header
        y = _paint_row(c, layout, _Row(layout.header_lines(), layout.header_height()), y, heading=True)
    for row in rows:
        y = _paint_row(c, layout, row, y)
    if number == total:
        y -= 6 * mm
        for line in layout.closing_lines:
            y -= layout.leading * 1.6
            pdf_text.draw(c, layout.body, size + 1, MARGIN_X, y, line)
    foot = MARGIN_BOTTOM - 10 * mm
    pdf_text.draw(c, layout.body, 9, MARGIN_X, foot, doc.footer_left)
    pdf_text.draw(c, layout.body, 9, layout.width / 2, foot, f"第 {number} 页 / 共 {total} 页", "center")
    pdf_text.draw(c, layout.body, 6.5, layout.width - MARGIN_X, foot, doc.footer_right, "right")


def _paint_row(c: Canvas, layout: _Layout, row: _Row, top: float, heading: bool = False) -> float:
    size = layout.doc.body_size
    if heading:
        c.setFillGray(0.9)
        c.rect(MARGIN_X, top - row.height, sum(layout.widths), row.height, stroke=0, fill=1)
        c.setFillGray(0)
    font = layout.title if heading else layout.body
    for column, x, w, lines in zip(layout.doc.columns, layout.xs, layout.widths, row.cells):
        align = "center" if heading else column.align
        anchor = {"left": x + PAD, "center": x + w / 2, "right": x + w - PAD}[align]
        for i, line in enumerate(lines):
            pdf_text.draw(c, font, size, anchor, top - PAD - size - i * layout.leading, line, align)
    c.setLineWidth(0.5)
    c.rect(MARGIN_X, top - row.height, sum(layout.widths), row.height, stroke=1, fill=0)
    for x in layout.xs[1:]:
        c.line(x, top, x, top - row.height)
    return top - row.height
