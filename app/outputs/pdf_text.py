"""Drawing Chinese text on a ReportLab canvas through a font chain, and wrapping it to a width."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from app.core.cjk_wrap import wrap
from app.outputs.fonts import FontChain


def draw(canvas: Canvas, chain: FontChain, size: float, x: float, y: float, text: str, align: str = "left") -> None:
    if not text:
        return
    runs = chain.runs(text)
    if align != "left":
        width = chain.width(text, size)
        x = x - width if align == "right" else x - width / 2
    for face, part in runs:
        canvas.setFont(face, size)
        canvas.drawString(x, y, part)
        x += canvas.stringWidth(part, face, size)


def lines(chain: FontChain, size: float, text: str, width: float) -> list[str]:
    return wrap(text, width, lambda part: chain.width(part, size))
