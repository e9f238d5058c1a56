"""Render a BulletinSheet to PDF: A4 landscape (A3 optional), embedded font subsets.

Layout is computed first (every row measured, pages filled greedily, rows never split, a section
heading never left alone at the foot of a page, the column header repeated on every page), so the
page count is known before anything is drawn. `invariant` output: printing the same sheet twice gives
the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.core.money import format_yuan
from app.core.periods import format_month_zh
from app.core.disclosure import for_output, published
from app.outputs import pdf_text
from app.outputs.bulletin_model import BulletinSheet
from app.outputs.fonts import FontChain, MissingGlyph, chain

PAGE_SIZES = {"A4": landscape(A4), "A3": landscape(A3)}
MARGIN_X = 14 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 16 * mm
BODY = 9.5
LEADING = 12.5
PAD = 3.0
TITLE = 18.0
SUBTITLE = 10.5
SIGNATURE_HEIGHT = 34 * mm
RIGHT_ALIGNED = {"amount", "count"}
CENTERED = {"serial", "pay_date", "group"}


@dataclass
class Row:
    kind: str  # "data", "span", "total"
    height: float
    cells: list[list[str]] = field(default_factory=list)  # data: wrapped lines per column
    text: list[str] = field(default_factory=list)  # span: wrapped lines
    keep_with_next: bool = False
    bold: bool = False


@dataclass
class Page:
    rows: list[Row]
    first: bool
    signatures: bool = False


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    column_x: tuple[float, ...]
    column_w: tuple[float, ...]

    @property
    def table_width(self) -> float:
        return self.width - 2 * MARGIN_X


def _geometry(sheet: BulletinSheet, size: str) -> Geometry:
    width, height = PAGE_SIZES[size]
    usable = width - 2 * MARGIN_X
    share = sum(column[2] for column in sheet.columns)
    widths = [usable * column[2] / share for column in sheet.columns]
    xs = [MARGIN_X]
    for w in widths[:-1]:
        xs.append(xs[-1] + w)
    return Geometry(width, height, tuple(xs), tuple(widths))


def _row_height(line_count: int) -> float:
    return max(line_count, 1) * LEADING + 2 * PAD


def _span(body: FontChain, text: str, geometry: Geometry, **kw: object) -> Row:
    wrapped = pdf_text.lines(body, BODY, text, geometry.table_width - 2 * PAD)
    return Row("span", _row_height(len(wrapped)), text=wrapped, **kw)  # type: ignore[arg-type]


def _build_rows(sheet: BulletinSheet, geometry: Geometry, body: FontChain) -> list[Row]:
    rows: list[Row] = []
    keys = [column[0] for column in sheet.columns]
    for section in sheet.sections:
        summary = f"共 {section.count} 人次，小计 {format_yuan(section.subtotal_fen, thousands=True)} 元"
        if section.sensitive:
            rows.append(_span(body, f"{section.heading}　{summary}（涉及个人隐私，只公开人数和金额）", geometry, bold=True))
            continue
        rows.append(_span(body, f"{section.heading}　{summary}", geometry, keep_with_next=True, bold=True))
        for sheet_row in section.rows:
            try:
                wrapped = [
                    pdf_text.lines(body, BODY, sheet_row.cells[key], geometry.column_w[i] - 2 * PAD)
                    for i, key in enumerate(keys)
                ]
            except MissingGlyph as exc:
                raise MissingGlyph(
                    f"{section.subsidy}第 {sheet_row.cells.get('serial', '')} 行 {sheet_row.cells.get('name', '')}",
                    exc.characters,
                ) from exc
            rows.append(Row("data", _row_height(max(len(w) for w in wrapped)), cells=wrapped))
    rows.append(
        _span(
            body,
            f"合计：共 {sheet.total_count} 人次，金额 {sheet.total_text} 元（大写：{sheet.total_capital}）",
            geometry,
            bold=True,
        )
    )
    if sheet.corrections:
        rows.append(_span(body, "更正说明（上月公开表张贴后更正的发放记录）", geometry, keep_with_next=True, bold=True))
        for number, c in enumerate(sheet.corrections, start=1):
            reason = f"；原因：{c.reason}" if c.reason else ""
            rows.append(
                _span(
                    body,
                    f"{number}. {c.name}　{c.subsidy}　{format_month_zh(c.period)}　原 {format_yuan(c.old_fen, True)} 元，"
                    f"更正为 {format_yuan(c.new_fen, True)} 元{reason}",
                    geometry,
                )
            )
    return rows


def _title_height() -> float:
    return TITLE + 8 + SUBTITLE + 10


def _paginate(rows: list[Row], geometry: Geometry) -> list[Page]:
    header = _row_height(1)
    bottom = MARGIN_BOTTOM
    pages: list[Page] = []
    index = 0
    while index < len(rows) or not pages:
        first = not pages
        top = geometry.height - MARGIN_TOP - (_title_height() if first else SUBTITLE + 8)
        available = top - bottom - header
        page_rows: list[Row] = []
        while index < len(rows):
            row = rows[index]
            need = row.height
            if row.keep_with_next and index + 1 < len(rows):
                need += rows[index + 1].height
            if page_rows and need > available:
                break
            page_rows.append(row)
            available -= row.height
            index += 1
        pages.append(Page(page_rows, first))
    if available < SIGNATURE_HEIGHT:
        pages.append(Page([], False))
    pages[-1].signatures = True
    return pages


class _Painter:
    def __init__(self, canvas: Canvas, sheet: BulletinSheet, geometry: Geometry) -> None:
        self.c = canvas
        self.sheet = sheet
        self.g = geometry
        self.body = chain("body")
        self.title = chain("title")

    def page(self, page: Page, number: int, total: int) -> None:
        y = self.g.height - MARGIN_TOP
        meta = self.sheet.meta
        if page.first:
            y -= TITLE
            pdf_text.draw(self.c, self.title, TITLE, self.g.width / 2, y, meta.title, "center")
            y -= SUBTITLE + 8
            posting = (
                f"公开时间：自 {meta.posting_start.year}年{meta.posting_start.month}月{meta.posting_start.day}日"
                f" 至 {meta.posting_end.year}年{meta.posting_end.month}月{meta.posting_end.day}日"
            )
            place = f"乡镇：{meta.township}" + (f"　　村：{meta.village}" if meta.village else "")
            pdf_text.draw(self.c, self.body, SUBTITLE, MARGIN_X, y, place)
            pdf_text.draw(self.c, self.body, SUBTITLE, self.g.width - MARGIN_X, y, posting, "right")
            y -= 10
        else:
            y -= SUBTITLE
            pdf_text.draw(self.c, self.title, SUBTITLE, MARGIN_X, y, meta.title + "（续）")
            y -= 8
        if page.rows:
            y = self._header(y)
        for row in page.rows:
            y = self._row(row, y)
        if page.signatures:
            self._signatures(y - 6 * mm)
        self._footer(number, total)

    def _header(self, top: float) -> float:
        height = _row_height(1)
        self.c.setFillGray(0.9)
        self.c.rect(MARGIN_X, top - height, self.g.table_width, height, stroke=0, fill=1)
        self.c.setFillGray(0)
        for (key, label, _), x, w in zip(self.sheet.columns, self.g.column_x, self.g.column_w):
            pdf_text.draw(self.c, self.title, BODY, x + w / 2, top - PAD - BODY, label, "center")
        self._grid(top, height, data=True)
        return top - height

    def _row(self, row: Row, top: float) -> float:
        if row.kind == "span":
            font = self.title if row.bold else self.body
            for i, line in enumerate(row.text):
                pdf_text.draw(self.c, font, BODY, MARGIN_X + PAD, top - PAD - BODY - i * LEADING, line)
            self._grid(top, row.height, data=False)
            return top - row.height
        for (key, _, _), x, w, cell in zip(self.sheet.columns, self.g.column_x, self.g.column_w, row.cells):
            for i, line in enumerate(cell):
                baseline = top - PAD - BODY - i * LEADING
                if key in RIGHT_ALIGNED:
                    pdf_text.draw(self.c, self.body, BODY, x + w - PAD, baseline, line, "right")
                elif key in CENTERED:
                    pdf_text.draw(self.c, self.body, BODY, x + w / 2, baseline, line, "center")
                else:
                    pdf_text.draw(self.c, self.body, BODY, x + PAD, baseline, line)
        self._grid(top, row.height, data=True)
        return top - row.height

    def _grid(self, top: float, height: float, data: bool) -> None:
        self.c.setLineWidth(0.5)
        self.c.rect(MARGIN_X, top - height, self.g.table_width, height, stroke=1, fill=0)
        if data:
            for x in self.g.column_x[1:]:
                self.c.line(x, top, x, top - height)

    def _signatures(self, top: float) -> None:
        y = top - SUBTITLE
        labels = self.sheet.signatures
        thirds = self.g.table_width / max(len(labels), 1)
        for i, label in enumerate(labels):
            x = MARGIN_X + i * thirds
            pdf_text.draw(self.c, self.body, SUBTITLE, x, y, label)
            self.c.line(x + self.body.width(label, SUBTITLE) + 2, y - 2, x + thirds - 10 * mm, y - 2)
        y -= 12 * mm
        seal = "（村民委员会盖章）" if self.sheet.meta.village else "（盖章）"
        pdf_text.draw(self.c, self.body, SUBTITLE, self.g.width - MARGIN_X - 50 * mm, y, seal)
        pdf_text.draw(self.c, self.body, SUBTITLE, self.g.width - MARGIN_X - 50 * mm, y - 8 * mm, "　　年　　月　　日")

    def _footer(self, number: int, total: int) -> None:
        y = MARGIN_BOTTOM - 9 * mm
        meta = self.sheet.meta
        if meta.supervision_phone:
            pdf_text.draw(self.c, self.body, 9, MARGIN_X, y, f"监督电话：{meta.supervision_phone}")
        pdf_text.draw(self.c, self.body, 9, self.g.width / 2, y, f"第 {number} 页 / 共 {total} 页", "center")
        # Small type, so a stray copy shows which masking it carries.
        pdf_text.draw(self.c, self.body, 6.5, self.g.width - MARGIN_X, y, f"发布范围：{meta.channel.label}", "right")


def layout(sheet: BulletinSheet, size: str = "A4") -> list[Page]:
    geometry = _geometry(sheet, size)
    return _paginate(_build_rows(sheet, geometry, chain("body")), geometry)


def render_bulletin(
    sheet: BulletinSheet,
    out: Path,
    size: str = "A4",
    on_page: Callable[[int, int], None] | None = None,
) -> int:
    """Write the PDF atomically; returns the page count."""
    with published(sheet.meta.supervision_phone):
        return _render(sheet, out, size, on_page)


def _render(sheet: BulletinSheet, out: Path, size: str, on_page: Callable[[int, int], None] | None) -> int:
    geometry = _geometry(sheet, size)
    pages = _paginate(_build_rows(sheet, geometry, chain("body")), geometry)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".part")
    canvas = Canvas(
        str(temporary),
        pagesize=(geometry.width, geometry.height),
        invariant=1,
        pageCompression=1,
        initialFontName=chain("body").primary,  # else every page preamble names a non-embedded Helvetica
    )
    canvas.setTitle(for_output(sheet.meta.title))
    canvas.setAuthor("村务公开助手")
    painter = _Painter(canvas, sheet, geometry)
    for number, page in enumerate(pages, start=1):
        painter.page(page, number, len(pages))
        canvas.showPage()
        if on_page:
            on_page(number, len(pages))
    canvas.save()
    temporary.replace(out)
    return len(pages)
