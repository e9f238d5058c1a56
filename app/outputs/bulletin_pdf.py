"""Render a BulletinSheet to PDF: A4 landscape (A3 optional), embedded font subsets.

Layout is computed first (every row measured, pages filled greedily, rows never split, a section
heading never left alone at the foot of a page, the column header repeated on every page), so the
page count is known before anything is drawn. `invariant` output: printing the same sheet twice gives
the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.core.disclosure import for_output, published
from app.core.money import format_yuan
from app.core.periods import format_month_zh
from app.outputs import pdf_text
from app.outputs.atomic import write_bytes
from app.outputs.bulletin_model import BulletinSheet
from app.outputs.fonts import FontChain, MissingGlyph, chain
from app.outputs.pdf_dates import stamp
from app.outputs.sheet_type import A4_TYPE, PAGE_SIZES, TYPES, Typography, continued_height, row_height, title_height

RIGHT_ALIGNED = {"amount", "count", "area", "rate"}
CENTERED = {"serial", "pay_date", "group"}
# Never wrapped: a number, a date or a name broken over two lines is misread on the wall.
UNBROKEN = {"serial", "name", "id_number", "amount", "pay_date", "count", "area", "rate"}
NAME_SHARE = 0.16  # a name wider than this share of the table breaks at its "·" (阿卜杜热合曼·买买提)


@dataclass
class Row:
    kind: str  # "data", "span"
    height: float
    cells: list[list[str]] = field(default_factory=list)  # data: wrapped lines per column
    text: list[str] = field(default_factory=list)  # span: wrapped lines
    keep_with_next: bool = False
    bold: bool = False
    total: bool = False  # the grand total: always on the page with the signatures


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
    type: Typography = A4_TYPE

    @property
    def table_width(self) -> float:
        return self.width - 2 * self.type.margin_x


def _natural_widths(sheet: BulletinSheet, measure: Callable[[str], float]) -> dict[str, float]:
    """The widest content of each column (header included), one line, measured in the body font."""
    widest: dict[str, float] = {}
    seen: dict[str, set[str]] = {key: set() for key, _, _ in sheet.columns}
    for key, label, _ in sheet.columns:
        widest[key] = measure(label)
    for section in sheet.sections:
        for row in section.rows:
            for key in seen:
                text = row.cells[key]
                if text not in seen[key]:
                    seen[key].add(text)
                    widest[key] = max(widest[key], measure(text))
    return widest


def _name_floor(sheet: BulletinSheet, measure: Callable[[str], float]) -> float:
    """The widest part of a name between its "·": a name may break there and nowhere else."""
    parts = {part for section in sheet.sections for row in section.rows for part in _name_parts(row.cells["name"])}
    return max((measure(part) for part in parts), default=0.0)


def _name_parts(name: str) -> list[str]:
    pieces = name.split("·")
    return [piece + "·" for piece in pieces[:-1]] + [pieces[-1]]


def _geometry(sheet: BulletinSheet, size: str, body: FontChain | None = None) -> Geometry:
    """Column widths from content: what must stay on one line gets its width, the rest share what is left."""
    width, height = PAGE_SIZES[size]
    kind = TYPES[size]
    usable = width - 2 * kind.margin_x
    font = body or chain("body")
    cache: dict[str, float] = {}

    def measure(text: str) -> float:
        if text not in cache:
            cache[text] = font.width(text, kind.body) + 2 * kind.pad + 1
        return cache[text]

    natural = _natural_widths(sheet, measure)
    keys = [key for key, _, _ in sheet.columns]
    if "name" in natural:
        cap = max(usable * NAME_SHARE, _name_floor(sheet, measure))
        natural["name"] = min(natural["name"], cap)
    fixed = {key: natural[key] for key in keys if key in UNBROKEN}
    flexible = {key: natural[key] for key in keys if key not in UNBROKEN}
    room = usable - sum(fixed.values())
    widths = dict(fixed)
    if sum(flexible.values()) <= room:  # everything fits on one line: every column gets air alike
        spare = room - sum(flexible.values())
        share = sum(natural[key] for key in keys)
        widths = {key: natural[key] + spare * natural[key] / share for key in keys}
    else:  # water-filling: narrow columns keep their width, wide ones share the rest and wrap
        pending = dict(flexible)
        left = room
        while pending:
            fair = left / len(pending)
            narrow = {key: want for key, want in pending.items() if want <= fair}
            if not narrow:
                for key, label, _ in sheet.columns:
                    if key in pending:  # never narrower than four characters or its own header
                        widths[key] = max(measure("四个汉字"), min(natural[key], measure(label)), fair)
                break
            for key, want in narrow.items():
                widths[key] = want
                left -= want
                del pending[key]
    total = sum(widths[key] for key in keys)
    if total > usable:  # fixed columns alone are wider than the paper: shrink all alike
        widths = {key: w * usable / total for key, w in widths.items()}
    xs = [kind.margin_x]
    for key in keys[:-1]:
        xs.append(xs[-1] + widths[key])
    return Geometry(width, height, tuple(xs), tuple(widths[key] for key in keys), kind)


def _span(body: FontChain, text: str, geometry: Geometry, **kw: object) -> Row:
    kind = geometry.type
    wrapped = pdf_text.lines(body, kind.body, text, geometry.table_width - 2 * kind.pad)
    return Row("span", row_height(len(wrapped), kind), text=wrapped, **kw)  # type: ignore[arg-type]


def _cell_lines(body: FontChain, key: str, text: str, width: float, kind: Typography) -> list[str]:
    if key == "name" and body.width(text, kind.body) > width and "·" in text:
        lines: list[str] = []
        for part in _name_parts(text):
            if lines and body.width(lines[-1] + part, kind.body) <= width:
                lines[-1] += part
            else:
                lines.append(part)
        return lines
    return pdf_text.lines(body, kind.body, text, width)


def _build_rows(sheet: BulletinSheet, geometry: Geometry, body: FontChain) -> list[Row]:
    rows: list[Row] = []
    kind = geometry.type
    keys = [column[0] for column in sheet.columns]
    for section in sheet.sections:
        summary = f"共 {section.count} 人次，小计 {format_yuan(section.subtotal_fen, thousands=True)} 元"
        source = "　".join(part for part in (section.issuer and f"发放单位：{section.issuer}",
                                               section.basis and f"政策依据：{section.basis}") if part)
        if section.sensitive:
            text = f"{section.heading}　{summary}（涉及个人隐私，只公开人数和金额）" + (f"　{source}" if source else "")
            rows.append(_span(body, text, geometry, bold=True))
            continue
        heading = f"{section.heading}　{summary}" + (f"　{source}" if source else "")
        rows.append(_span(body, heading, geometry, keep_with_next=True, bold=True))
        for sheet_row in section.rows:
            try:
                wrapped = [
                    _cell_lines(body, key, sheet_row.cells[key], geometry.column_w[i] - 2 * kind.pad, kind)
                    for i, key in enumerate(keys)
                ]
            except MissingGlyph as exc:
                raise MissingGlyph(
                    f"{section.subsidy}第 {sheet_row.cells.get('serial', '')} 行 {sheet_row.cells.get('name', '')}",
                    exc.characters,
                ) from exc
            rows.append(Row("data", row_height(max(len(w) for w in wrapped), kind), cells=wrapped))
    rows.append(
        _span(
            body,
            f"合计：共 {sheet.total_count} 人次，金额 {sheet.total_text} 元（大写：{sheet.total_capital}）",
            geometry,
            bold=True,
            total=True,
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


def _fill(rows: list[Row], geometry: Geometry, breaks: set[int]) -> tuple[list[Page], list[int], float]:
    """Greedy pages (a row never split, a heading never last), breaking before every index in `breaks`.

    Returns the pages, the index of each page's first row, and the room left on the last page."""
    kind = geometry.type
    header = row_height(1, kind)
    pages: list[Page] = []
    starts: list[int] = []
    index = 0
    available = 0.0
    while index < len(rows) or not pages:
        first = not pages
        top = geometry.height - kind.margin_top - (title_height(kind) if first else continued_height(kind))
        available = top - kind.margin_bottom - header
        page_rows: list[Row] = []
        starts.append(index)
        while index < len(rows):
            row = rows[index]
            if page_rows and index in breaks:
                break
            need = row.height
            if row.keep_with_next and index + 1 < len(rows):
                need += rows[index + 1].height
            if page_rows and need > available:
                break
            page_rows.append(row)
            available -= row.height
            index += 1
        pages.append(Page(page_rows, first))
    return pages, starts, available


def _tail_start(rows: list[Row], end: int) -> int:
    """Where the last page should begin so that it holds the last two data rows (and their heading)."""
    total = next(i for i, row in enumerate(rows) if row.total) if any(r.total for r in rows) else end
    data = [i for i in range(total) if rows[i].kind == "data"]
    start = data[-2] if len(data) >= 2 else (data[-1] if data else total)
    while start > 0 and rows[start - 1].keep_with_next:
        start -= 1
    return start


def _paginate(rows: list[Row], geometry: Geometry) -> list[Page]:
    """Pages such that the signature block shares its page with the grand total and the last data
    rows (a last page of signatures alone could be swapped), and no page holds a single data row."""
    kind = geometry.type
    pages, starts, left = _fill(rows, geometry, set())
    all_data = sum(row.kind == "data" for row in rows)
    data_on_last = sum(row.kind == "data" for row in pages[-1].rows)
    if left < kind.signature_height or data_on_last < min(2, all_data):
        # Start the last page at the last two data rows (with their heading): the greedy pages
        # before it only get shorter, so none of them can end up with a single row either.
        tail = _tail_start(rows, len(rows))
        if tail not in (0, starts[-1]):
            trial, trial_starts, trial_left = _fill(rows, geometry, {tail})
            if trial_starts[-1] == tail:  # else the tail is longer than a page (very long corrections)
                pages, starts, left = trial, trial_starts, trial_left
    if left < kind.signature_height:
        pages.append(Page([], False))
    pages[-1].signatures = True
    return pages


class _Painter:
    def __init__(self, canvas: Canvas, sheet: BulletinSheet, geometry: Geometry) -> None:
        self.c = canvas
        self.sheet = sheet
        self.g = geometry
        self.t = geometry.type
        self.body = chain("body")
        self.title = chain("title")

    def page(self, page: Page, number: int, total: int) -> None:
        t = self.t
        y = self.g.height - t.margin_top
        meta = self.sheet.meta
        if page.first:
            y -= t.title
            pdf_text.draw(self.c, self.title, t.title, self.g.width / 2, y, meta.title, "center")
            y -= t.subtitle + 8
            posting = (
                f"公开时间：自 {meta.posting_start.year}年{meta.posting_start.month}月{meta.posting_start.day}日"
                f" 至 {meta.posting_end.year}年{meta.posting_end.month}月{meta.posting_end.day}日"
            )
            place = f"乡镇：{meta.township}" + (f"　　村：{meta.village}" if meta.village else "")
            pdf_text.draw(self.c, self.body, t.subtitle, t.margin_x, y, place)
            pdf_text.draw(self.c, self.body, t.subtitle, self.g.width - t.margin_x, y, posting, "right")
            y -= 10
        else:
            y -= t.subtitle
            pdf_text.draw(self.c, self.title, t.subtitle, t.margin_x, y, meta.title + "（续）")
            y -= 8
        if page.rows:
            y = self._header(y)
        for row in page.rows:
            y = self._row(row, y)
        if page.signatures:
            self._signatures(y - 5 * mm * (t.body / A4_TYPE.body))
        self._footer(number, total)

    def _header(self, top: float) -> float:
        t = self.t
        height = row_height(1, t)
        self.c.setFillGray(0.9)
        self.c.rect(t.margin_x, top - height, self.g.table_width, height, stroke=0, fill=1)
        self.c.setFillGray(0)
        for (key, label, _), x, w in zip(self.sheet.columns, self.g.column_x, self.g.column_w):
            pdf_text.draw(self.c, self.title, t.body, x + w / 2, top - t.pad - t.body, label, "center")
        self._grid(top, height, data=True)
        return top - height

    def _row(self, row: Row, top: float) -> float:
        t = self.t
        if row.kind == "span":
            font = self.title if row.bold else self.body
            for i, line in enumerate(row.text):
                pdf_text.draw(self.c, font, t.body, t.margin_x + t.pad, top - t.pad - t.body - i * t.leading, line)
            self._grid(top, row.height, data=False)
            return top - row.height
        for (key, _, _), x, w, cell in zip(self.sheet.columns, self.g.column_x, self.g.column_w, row.cells):
            for i, line in enumerate(cell):
                baseline = top - t.pad - t.body - i * t.leading
                if key in RIGHT_ALIGNED:
                    pdf_text.draw(self.c, self.body, t.body, x + w - t.pad, baseline, line, "right")
                elif key in CENTERED:
                    pdf_text.draw(self.c, self.body, t.body, x + w / 2, baseline, line, "center")
                else:
                    pdf_text.draw(self.c, self.body, t.body, x + t.pad, baseline, line)
        self._grid(top, row.height, data=True)
        return top - row.height

    def _grid(self, top: float, height: float, data: bool) -> None:
        self.c.setLineWidth(0.5)
        self.c.rect(self.t.margin_x, top - height, self.g.table_width, height, stroke=1, fill=0)
        if data:
            for x in self.g.column_x[1:]:
                self.c.line(x, top, x, top - height)

    def _signatures(self, top: float) -> None:
        t = self.t
        scale = t.body / A4_TYPE.body
        y = top - t.subtitle
        labels = self.sheet.signatures
        thirds = self.g.table_width / max(len(labels), 1)
        for i, label in enumerate(labels):
            x = t.margin_x + i * thirds
            pdf_text.draw(self.c, self.body, t.subtitle, x, y, label)
            self.c.line(x + self.body.width(label, t.subtitle) + 2, y - 2, x + thirds - 10 * mm * scale, y - 2)
        y -= 10 * mm * scale
        seal = "（村民委员会盖章）" if self.sheet.meta.village else "（盖章）"
        x = self.g.width - t.margin_x - 50 * mm * scale
        pdf_text.draw(self.c, self.body, t.subtitle, x, y, seal)
        pdf_text.draw(self.c, self.body, t.subtitle, x, y - 7 * mm * scale, "　　年　　月　　日")

    def _footer(self, number: int, total: int) -> None:
        t = self.t
        small = 9 * t.body / A4_TYPE.body
        y = t.margin_bottom - 8 * mm * (t.body / A4_TYPE.body)
        meta = self.sheet.meta
        if meta.supervision_phone:
            pdf_text.draw(self.c, self.body, small, t.margin_x, y, f"监督电话：{meta.supervision_phone}")
        pdf_text.draw(self.c, self.body, small, self.g.width / 2, y, f"第 {number} 页 / 共 {total} 页", "center")
        # Small type, so a stray copy shows which masking it carries.
        scope = f"发布范围：{meta.scope_text}"
        right = self.g.width - t.margin_x
        pdf_text.draw(self.c, self.body, small * 0.72, right, y, scope, "right")
        if meta.audit_anchor:
            # A posted sheet pins the audit log: `cunwu audit verify --code` checks the log still holds it.
            gap = self.body.width(scope, small * 0.72) + 4 * mm * (t.body / A4_TYPE.body)
            pdf_text.draw(self.c, self.body, small, right - gap, y, f"操作日志校验码：{meta.audit_anchor}", "right")


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
    buffer = io.BytesIO()  # written to disk in one go: a full disk leaves no half file
    canvas = Canvas(
        buffer,
        pagesize=(geometry.width, geometry.height),
        invariant=1,
        pageCompression=1,
        initialFontName=chain("body").primary,  # else every page preamble names a non-embedded Helvetica
    )
    canvas.setTitle(for_output(sheet.meta.title))
    stamp(canvas, sheet.meta.made_on)
    canvas.setAuthor("村务公开助手")
    painter = _Painter(canvas, sheet, geometry)
    for number, page in enumerate(pages, start=1):
        painter.page(page, number, len(pages))
        canvas.showPage()
        if on_page:
            on_page(number, len(pages))
    canvas.save()
    write_bytes(out, buffer.getvalue())
    return len(pages)
