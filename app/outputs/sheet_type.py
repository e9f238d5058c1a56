"""The bulletin sheet's type and paper, without ReportLab: what the filing of an imported table needs
to know its page count (estimated_pages) without loading the PDF machinery into the import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

mm = 72 / 25.4
PAGE_SIZES = {"A4": (297 * mm, 210 * mm), "A3": (420 * mm, 297 * mm)}  # landscape


@dataclass(frozen=True)
class Typography:
    """Sizes for one paper size: A3 is read from a step away, so everything grows with the paper."""

    body: float
    leading: float
    pad: float
    title: float
    subtitle: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    signature_height: float

    def scaled(self, factor: float) -> Typography:
        return Typography(*(value * factor for value in self.__dict__.values()))


A4_TYPE = Typography(body=9.0, leading=10.8, pad=1.5, title=17.0, subtitle=10.0, margin_x=12 * mm,
                     margin_top=10 * mm, margin_bottom=14 * mm, signature_height=30 * mm)
TYPES = {"A4": A4_TYPE, "A3": A4_TYPE.scaled(1.41)}  # A3 is A4 × √2


def row_height(line_count: int, kind: Typography = A4_TYPE) -> float:
    return max(line_count, 1) * kind.leading + 2 * kind.pad


def title_height(kind: Typography) -> float:
    return kind.title + 8 + kind.subtitle + 10


def continued_height(kind: Typography) -> float:
    return kind.subtitle + 8


def estimated_pages(data_rows: int, sections: int = 1, size: str = "A4") -> int:
    """Pages of a sheet of `data_rows` one-line rows in `sections` sections plus its total, by
    arithmetic (bulletin_pdf lays out real rows the same way; a test holds the two together)."""
    kind = TYPES[size]
    height = PAGE_SIZES[size][1]
    line = row_height(1, kind)
    first = height - kind.margin_top - title_height(kind) - kind.margin_bottom - line
    later = height - kind.margin_top - continued_height(kind) - kind.margin_bottom - line
    rows = data_rows + max(sections, 1) + 1
    per_first, per_later = int(first // line), int(later // line)
    if rows <= per_first:
        pages, on_last, room = 1, rows, first
    else:
        pages = 1 + math.ceil((rows - per_first) / per_later)
        on_last, room = rows - per_first - (pages - 2) * per_later, later
    if room - on_last * line < kind.signature_height:
        pages += 1  # the last rows move on with the signatures (bulletin_pdf._paginate)
    return pages
