"""The creation date a PDF carries: the day the document is about, not 2000-01-01.

ReportLab's invariant mode (same sheet, same bytes) fixes every date to 2000-01-01. Cunwu keeps the
same bytes for the same day instead: a posted sheet carries its posting day, so reprinting it months
later still gives the file that was posted; anything else carries the day it was made.
"""

from __future__ import annotations

import datetime as dt

from reportlab.pdfgen.canvas import Canvas

CHINA = "+08'00'"  # where every village office is


def stamp(canvas: Canvas, day: dt.date | None = None) -> None:
    day = day or dt.date.today()
    canvas.setDateFormatter(lambda *_: f"D:{day:%Y%m%d}000000{CHINA}")
