"""PDF pages as QImages (pypdfium2): the preview and the printer show exactly the PDF, one renderer."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrinter

POINTS_PER_INCH = 72


def page_count(pdf_path: Path) -> int:
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(document)
    finally:
        document.close()


def page_width_points(pdf_path: Path, index: int) -> float:
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return document[index].get_width()
    finally:
        document.close()


def render_page(pdf_path: Path, index: int, dpi: float) -> QImage:
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        bitmap = document[index].render(scale=dpi / POINTS_PER_INCH)
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_BGR888)
        return image.copy()  # detach from pdfium's buffer before it is freed
    finally:
        document.close()


def print_pdf(pdf_path: Path, printer: QPrinter) -> int:
    """Paint every page (or the chosen range) on the printer; returns the pages printed."""
    total = page_count(pdf_path)
    first, last = printer.fromPage(), printer.toPage()
    pages = range(first - 1, last) if first and last else range(total)
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("打印机无法开始打印，请检查打印机是否连接")
    printed = 0
    try:
        dpi = min(printer.resolution(), 300)
        for number, index in enumerate(pages):
            if index >= total:
                break
            if number:
                printer.newPage()
            image = render_page(pdf_path, index, dpi)
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), _keep_aspect())
            painter.setViewport(QRect(target.x(), target.y(), scaled.width(), scaled.height()))
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(target)
            printed += 1
    finally:
        painter.end()
    return printed


def _keep_aspect():  # noqa: ANN202
    from PySide6.QtCore import Qt

    return Qt.AspectRatioMode.KeepAspectRatio
