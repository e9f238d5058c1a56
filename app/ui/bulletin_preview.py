"""公开表预览: choose village, month, channel, paper and posting period; preview, print, save, post.

The PDF is produced by the same renderer as the CLI and shown through pypdfium2, so what the clerk
sees is what prints. Rendering runs off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import Channel
from app.core.periods import format_month, format_month_zh
from app.storage.engine import Database
from app.ui import messages, pdf_pages


class _RenderSignals(QObject):
    done = Signal(str, int, str)  # pdf path, pages, summary
    failed = Signal(str)


class _RenderJob(QRunnable):
    def __init__(self, db: Database, request: dict, out: Path) -> None:
        super().__init__()
        self.db, self.request, self.out = db, request, out
        self.signals = _RenderSignals()

    def run(self) -> None:
        from app.outputs.bulletin_pdf import render_bulletin
        from app.services.bulletin import sheet_for

        try:
            sheet = sheet_for(self.db, self.request["village"], self.request["period"], self.request["channel"],
                              self.request["start"], self.request["end"])
            pages = render_bulletin(sheet, self.out, self.request["size"])
            summary = f"共 {sheet.total_count} 人次，合计 {sheet.total_text} 元"
            self.signals.done.emit(str(self.out), pages, summary)
        except Exception as exc:  # shown to the clerk: Chinese, through the gate
            from app.ui import crash
            from app.ui.messages import error_text

            if crash.is_unexpected(exc):
                crash.log_only(exc, "bulletin preview failed")  # the traceback, for whoever helps
            self.signals.failed.emit(error_text(exc))


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class BulletinPreviewDialog(QDialog):
    rendered = Signal()

    def __init__(self, db: Database, village: str, period: dt.date, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.services.bulletin import default_posting_period, village_names

        self.db, self.actor = db, actor
        self.pdf_path: Path | None = None
        self.pages = 0
        self.page_index = 0
        self._folder = tempfile.TemporaryDirectory(prefix="cunwu-preview-")
        self._renders = 0
        self.setWindowTitle("公开表预览与打印")
        self.resize(1100, 780)

        self.village = QComboBox()
        self.village.addItems(village_names(db))
        self.village.setCurrentText(village)
        self.month = QLineEdit(format_month(period))
        self.channel = QComboBox()
        for item in Channel:
            self.channel.addItem(item.label, item.value)
        self.size = QComboBox()
        self.size.addItems(["A4", "A3"])
        start, end = default_posting_period(period)
        self.start = QDateEdit(_qdate(start))
        self.end = QDateEdit(_qdate(end))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")

        form = QFormLayout()
        form.addRow("村：", self.village)
        form.addRow("月份（YYYY-MM）：", self.month)
        form.addRow("发布范围：", self.channel)
        form.addRow("纸张：", self.size)
        form.addRow("公开时间 自：", self.start)
        form.addRow("至：", self.end)

        self.refresh_button = QPushButton("生成预览")
        self.previous_button = QPushButton("上一页")
        self.next_button = QPushButton("下一页")
        self.page_label = QLabel("")
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为 PDF…")
        self.excel_button = QPushButton("导出 Excel…")
        self.post_button = QPushButton("登记已张贴…")
        self.status = QLabel("")
        self.status.setWordWrap(True)

        controls = QVBoxLayout()
        controls.addLayout(form)
        for button in (self.refresh_button, self.print_button, self.save_button, self.excel_button, self.post_button):
            controls.addWidget(button)
        controls.addWidget(self.status)
        controls.addStretch(1)

        self.view = QLabel("点击“生成预览”")
        self.view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll = scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        navigation.addWidget(self.page_label, 1)
        navigation.addWidget(self.next_button)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addLayout(navigation)

        layout = QHBoxLayout(self)
        side = QWidget()
        side.setLayout(controls)
        side.setFixedWidth(300)
        layout.addWidget(side)
        layout.addLayout(right, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.previous_button.clicked.connect(lambda: self.show_page(self.page_index - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page_index + 1))
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_pdf)
        self.excel_button.clicked.connect(self.save_excel)
        self.post_button.clicked.connect(self.register_posting)
        self._set_ready(False)

    # --- rendering ---------------------------------------------------------------------------

    def request(self) -> dict | None:
        from app.core.periods import PeriodError, parse_month

        try:
            period = parse_month(self.month.text())
        except PeriodError as exc:
            self.status.setText(str(exc))
            return None
        return {
            "village": self.village.currentText(),
            "period": period,
            "channel": self.channel.currentData(),
            "size": self.size.currentText(),
            "start": _pydate(self.start.date()),
            "end": _pydate(self.end.date()),
        }

    def refresh(self) -> None:
        request = self.request()
        if request is None:
            return
        self._renders += 1
        out = Path(self._folder.name) / f"sheet-{self._renders}.pdf"
        job = _RenderJob(self.db, request, out)
        job.signals.done.connect(self._rendered)
        job.signals.failed.connect(self._failed)
        self._set_ready(False)
        self.refresh_button.setEnabled(False)
        self.status.setText("正在生成公开表……")
        QThreadPool.globalInstance().start(job)

    def _rendered(self, path: str, pages: int, summary: str) -> None:
        self.pdf_path, self.pages = Path(path), pages
        self.status.setText(f"已生成 {pages} 页，{summary}")
        self.refresh_button.setEnabled(True)
        self._set_ready(True)
        self.show_page(0)
        self.rendered.emit()

    def _failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(message)
        messages.warn(self, "无法生成公开表", message)

    def show_page(self, index: int) -> None:
        if not self.pdf_path or not 0 <= index < self.pages:
            return
        self.page_index = index
        image = pdf_pages.render_page(self.pdf_path, index, self._fit_dpi())
        self.view.setPixmap(QPixmap.fromImage(image))
        self.page_label.setText(f"第 {index + 1} 页 / 共 {self.pages} 页")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index + 1 < self.pages)

    def _fit_dpi(self) -> float:
        """The page fills the view's width: no sideways scrolling to read a row."""
        available = max(self.scroll.viewport().width() - 8, 200)
        width_inches = pdf_pages.page_width_points(self.pdf_path, self.page_index) / pdf_pages.POINTS_PER_INCH
        return available / width_inches

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        if self.pdf_path:
            self.show_page(self.page_index)

    def _set_ready(self, ready: bool) -> None:
        for button in (self.print_button, self.save_button, self.excel_button, self.post_button,
                       self.previous_button, self.next_button):
            button.setEnabled(ready)

    # --- actions -----------------------------------------------------------------------------

    def print_sheet(self) -> None:
        if not self.pdf_path:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setFromTo(1, self.pages)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印公开表")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            printed = pdf_pages.print_pdf(self.pdf_path, printer)
        except RuntimeError as exc:
            messages.warn(self, "打印失败", messages.error_text(exc))
            return
        self.status.setText(f"已送打印机 {printed} 页")

    def _default_name(self, suffix: str) -> str:
        request = self.request() or {}
        period = request.get("period")
        month = format_month(period) if period else ""
        return f"{self.village.currentText()}-{month}-公开表{suffix}"

    def save_pdf(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "另存为 PDF", self._default_name(".pdf"), "PDF 文件 (*.pdf)")
        if target and self.pdf_path:
            shutil.copyfile(self.pdf_path, target)
            self.status.setText(f"已保存：{target}")

    def save_excel(self) -> None:
        from app.outputs.bulletin_xlsx import write_bulletin_xlsx
        from app.services.bulletin import sheet_for

        request = self.request()
        if request is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, "导出 Excel", self._default_name(".xlsx"), "Excel 文件 (*.xlsx)")
        if not target:
            return
        sheet = sheet_for(self.db, request["village"], request["period"], request["channel"], request["start"], request["end"])
        write_bulletin_xlsx(sheet, Path(target))
        self.status.setText(f"已导出：{target}")

    def register_posting(self) -> None:
        from app.services.bulletin import Backdated, publish
        from app.services.errors import ServiceError

        request = self.request()
        if request is None:
            return
        dialog = PostingDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        answer = QMessageBox.question(
            self,
            "确认登记张贴",
            f"登记后，{request['village']}{format_month_zh(request['period'])}的发放记录将被锁定，"
            "以后只能通过“更正”修改。确定登记吗？",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        args = (self.db, request["village"], request["period"], dialog.posted_on(), dialog.posted_by(),
                self.actor, request["start"], request["end"], dialog.photo())
        try:
            try:
                info = publish(*args)
            except Backdated as exc:
                if not messages.confirm(self, "补登张贴", exc.message, "确认补登"):
                    return
                info = publish(*args, backdate=True)
        except ServiceError as exc:
            messages.warn(self, "无法登记", exc.message)
            return
        self.status.setText(f"已登记张贴（{info.posted_on.isoformat()}，{info.posted_by}），该月发放记录已锁定")

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        QThreadPool.globalInstance().waitForDone(10_000)
        self._folder.cleanup()
        super().closeEvent(event)


class PostingDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记已张贴")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.by = QLineEdit()
        self.photo_path = QLineEdit()
        choose = QPushButton("选择照片…")
        choose.clicked.connect(self._choose)
        ok, cancel = QPushButton("登记"), QPushButton("取消")
        ok.clicked.connect(self._accept)
        cancel.clicked.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("张贴日期：", self.date)
        form.addRow("张贴人：", self.by)
        photo = QHBoxLayout()
        photo.addWidget(self.photo_path)
        photo.addWidget(choose)
        form.addRow("公开栏照片（可选）：", photo)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        form.addRow(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择公开栏照片", "", "图片 (*.jpg *.jpeg *.png)")
        if path:
            self.photo_path.setText(path)

    def _accept(self) -> None:
        if not self.by.text().strip():
            messages.warn(self, "请填写", "请填写张贴人")
            return
        if self.photo_path.text() and not Path(self.photo_path.text()).is_file():
            messages.warn(self, "找不到照片", "所选照片文件不存在")
            return
        self.accept()

    def posted_on(self) -> dt.date:
        return _pydate(self.date.date())

    def posted_by(self) -> str:
        return self.by.text().strip()

    def photo(self) -> Path | None:
        return Path(self.photo_path.text()) if self.photo_path.text() else None
