"""公开表预览: choose village, month, channel, paper and posting period; preview, print, save, post.

The PDF is produced by the same renderer as the CLI and shown through pypdfium2, so what the clerk
sees is what prints. Rendering runs off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
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
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import Channel
from app.core.periods import format_month, format_month_zh
from app.services.village_settings import SettingsMissing
from app.storage.engine import Database
from app.ui import messages, pdf_pages
from app.ui.background import Task, TaskRunner
from app.ui.table_helpers import fit_to_screen


def _render(db: Database, request: dict, out: Path) -> tuple[str, int, str]:
    """Worker side: the sheet as the CLI makes it, into the dialog's temporary folder."""
    from app.outputs.bulletin_pdf import render_bulletin
    from app.services.bulletin import sheet_for

    sheet = sheet_for(db, request["village"], request["period"], request["channel"], request["start"], request["end"])
    pages = render_bulletin(sheet, out, request["size"])
    return str(out), pages, f"共 {sheet.total_count} 人次，合计 {sheet.total_text} 元"


def _write_excel(db: Database, request: dict, target: Path) -> None:
    from app.outputs.bulletin_xlsx import write_bulletin_xlsx
    from app.services.bulletin import sheet_for

    sheet = sheet_for(db, request["village"], request["period"], request["channel"], request["start"], request["end"])
    write_bulletin_xlsx(sheet, target)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class BulletinPreviewDialog(QDialog):
    rendered = Signal()
    posted = Signal()  # the posting was registered: the month is locked
    printed = Signal()  # a print, PDF or Excel copy was recorded in the operation log

    def __init__(self, db: Database, village: str, period: dt.date, actor: str, parent: QWidget | None = None,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        from app.services.bulletin import default_posting_period, village_names

        self.db, self.actor = db, actor
        # Every database call and the rendering run here, off the GUI thread: the window's runner, or
        # the dialog's own when it is opened alone.
        self.runner = runner or TaskRunner(self)
        self._tasks: list[Task] = []
        self.settings_dialog: QDialog | None = None
        self.pdf_path: Path | None = None
        self.pages = 0
        self.page_index = 0
        self._folder = tempfile.TemporaryDirectory(prefix="cunwu-preview-")
        self._renders = 0
        self.setWindowTitle("公开表预览与打印")
        fit_to_screen(self, 1100, 780)  # on 1366×768 at 125%: what the screen has room for

        self.village = QComboBox()
        self.village.addItem(village)  # the others arrive from the worker
        self._start(lambda task: village_names(db), self._names_arrived)
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
        form.addRow("月份（如 2026-10）：", self.month)
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
        db = self.db
        self._set_ready(False)
        self.refresh_button.setEnabled(False)
        self.status.setText("正在生成公开表……")
        self._start(lambda task: _render(db, request, out), self._rendered, self._render_failed)

    def _start(self, work, on_success, on_failure=None) -> None:
        on_failure = on_failure or (lambda error: messages.failed(self, "公开表", "没有做成", error))
        self._tasks = [task for task in self._tasks if task.running]
        self._tasks.append(self.runner.start(work, on_success=on_success, on_failure=on_failure, lane="print"))

    def _names_arrived(self, names: list[str]) -> None:
        shown = self.village.currentText()
        self.village.clear()
        self.village.addItems(names)
        self.village.setCurrentText(shown)

    def _render_failed(self, error: BaseException) -> None:
        if isinstance(error, SettingsMissing):  # said with a way to fill them in (app.ui.settings_dialog)
            self._missing(error)
        else:
            self._failed(messages.error_text(error))

    def _rendered(self, result: tuple[str, int, str]) -> None:
        path, pages, summary = result
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

    def _missing(self, error: SettingsMissing) -> None:
        self.refresh_button.setEnabled(True)
        self.explain_missing(error)

    def explain_missing(self, error: SettingsMissing) -> None:
        """The sheet lacks settings (监督电话, 乡镇名称…): say which, offer “去填写”; once they are saved,
        the preview is made again."""
        from app.ui.settings_dialog import offer_settings

        offer_settings(self, error, on_saved=self.refresh)

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

    def resizeEvent(self, event) -> None:
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
        self._record("打印", printed)

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
            self._record("另存为 PDF", self.pages)

    def _record(self, how: str, pages: int) -> None:
        """Into the operation log, off the GUI thread: the month's sheet is in someone's hands."""
        from app.services.bulletin import record_printed

        request = self.request()
        if request is None:
            return
        db, actor = self.db, self.actor
        self._start(lambda task: record_printed(db, request["village"], request["period"], how, pages,
                                                request["channel"], actor), lambda _: self.printed.emit())

    def save_excel(self) -> None:
        request = self.request()
        if request is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, "导出 Excel", self._default_name(".xlsx"), "Excel 文件 (*.xlsx)")
        if not target:
            return
        db = self.db
        self.status.setText("正在导出……")
        self._start(lambda task: _write_excel(db, request, Path(target)),
                    lambda _: self._exported(target), self._excel_failed)

    def _exported(self, target: str) -> None:
        self.status.setText(f"已导出：{target}")
        self._record("导出 Excel", 0)

    def _excel_failed(self, error: BaseException) -> None:
        if isinstance(error, SettingsMissing):
            self.explain_missing(error)
        elif isinstance(error, OSError):
            self.status.setText("")
            messages.warn(self, "没有导出", f"Excel 文件无法写入（可能正在 Excel 中打开）：{messages.error_text(error)}")
        else:
            messages.failed(self, "没有导出", "导出时出错", error)

    def register_posting(self) -> None:
        request = self.request()
        if request is None:
            return
        dialog = PostingDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if not messages.confirm(
            self, "确认登记张贴",
            f"登记后，{request['village']}{format_month_zh(request['period'])}的发放记录将被锁定，"
            "以后只能通过“更正”修改。确定登记吗？", "登记",
        ):
            return
        args = (self.db, request["village"], request["period"], dialog.posted_on(), dialog.posted_by(),
                self.actor, request["start"], request["end"], dialog.photo())
        self._publish(args, backdate=False)

    def _publish(self, args: tuple, backdate: bool) -> None:
        from app.services.bulletin import publish

        self.status.setText("正在登记……")
        self._start(lambda task: publish(*args, backdate=backdate), self._published,
                    lambda error: self._publish_failed(args, error))

    def _publish_failed(self, args: tuple, error: BaseException) -> None:
        from app.services.bulletin import Backdated

        self.status.setText("")
        if isinstance(error, Backdated):
            if messages.confirm(self, "补登张贴", error.message, "确认补登"):
                self._publish(args, backdate=True)
        elif isinstance(error, SettingsMissing):
            self.explain_missing(error)
        else:
            messages.failed(self, "无法登记", "登记时出错", error)

    def _published(self, info) -> None:
        self.status.setText(f"已登记张贴（{info.posted_on.isoformat()}，{info.posted_by}），该月发放记录已锁定")
        self.posted.emit()

    def done(self, result: int) -> None:
        """Closed however (关闭, Esc, the window's close box): a render still running is dropped, so
        nothing arrives for a dialog whose temporary files are gone."""
        for task in self._tasks:
            task.drop()
        if self.runner.parent() is self:
            self.runner.shutdown()  # its own runner: wait for its worker
        self._folder.cleanup()
        super().done(result)


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
