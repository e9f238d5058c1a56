"""Drawing Chinese text on a ReportLab canvas through a font chain, and wrapping it to a width.

Every string of every PDF Cunwu makes passes here, so here it passes the disclosure gate's sink
(before wrapping, so that a number split over two lines is still seen whole).
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from app.core.cjk_wrap import wrap
from app.core.disclosure import for_output
from app.outputs.fonts import FontChain


def draw(canvas: Canvas, chain: FontChain, size: float, x: float, y: float, text: str, align: str = "left") -> None:
    if not text:
        return
    text = for_output(text)
    runs = chain.runs(text)
    if align != "left":
        width = chain.width(text, size)
        x = x - width if align == "right" else x - width / 2
    for face, part in runs:
        canvas.setFont(face, size)
        canvas.drawString(x, y, part)
        x += canvas.stringWidth(part, face, size)


def lines(chain: FontChain, size: float, text: str, width: float) -> list[str]:
    return wrap(for_output(text), width, lambda part: chain.width(part, size))
