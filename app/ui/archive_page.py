"""“归档”: a village's filed pieces by year and month; add, void, attach evidence, print index and labels.

Thin: every read and write is a service call (app.services.archive), and every one, printing too, runs
off the GUI thread (app.ui.background).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.archive import Retention
from app.services import archive
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.date_inputs import DayEdit
from app.ui.table_helpers import ask_text, fill_rows, fit_to_screen, read_only_table, selected_index, with_suffix

HEADERS = ("件号", "档号", "日期", "题名", "页数", "保管期限", "盒号", "留痕", "备注")


class PieceDialog(QDialog):
    """登记一件纸质文件或扫描件."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记归档文件")
        form = QFormLayout(self)
        self.title = QLineEdit()
        self.date = DayEdit(dt.date.today())
        self.retention = QComboBox()
        for item in Retention:
            self.retention.addItem(item.label, item.value)
        self.retention.setCurrentIndex(2)
        self.pages = QSpinBox()
        self.pages.setRange(1, 9999)
        self.doc_number = QLineEdit()
        self.doc_number.setPlaceholderText("如 桃村发〔2026〕3号，没有可不填")
        self.responsible = QLineEdit()
        self.responsible.setPlaceholderText("不填则为本村村民委员会")
        self.remark = QLineEdit()
        for label, widget in (("题名：", self.title), ("日期：", self.date), ("保管期限：", self.retention),
                              ("页数：", self.pages), ("文号：", self.doc_number), ("责任者：", self.responsible),
                              ("备注：", self.remark)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox()
        buttons.addButton("登记", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ArchivePage(QDialog):
    def __init__(self, db: Database, village: str, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.village, self.actor = db, village, actor
        self.runner = TaskRunner(self)
        self.rows: list[archive.PieceInfo] = []
        self._reading: Task | None = None
        self.setWindowTitle(f"归档 — {village}")

        self.year = QSpinBox()
        self.year.setRange(2000, 2099)
        self.year.setValue(dt.date.today().year)
        self.month = QComboBox()
        self.month.addItem("全年", None)
        for month in range(1, 13):
            self.month.addItem(f"{month}月", month)
        top = QHBoxLayout()
        for widget in (QLabel("年度："), self.year, QLabel("月份："), self.month):
            top.addWidget(widget)
        top.addStretch(1)
        self.settings_button = QPushButton("归档设置…")
        top.addWidget(self.settings_button)

        self.table = read_only_table(HEADERS, stretch=HEADERS.index("题名"))

        actions = QHBoxLayout()
        self.add_button = QPushButton("登记文件…")
        self.attach_button = QPushButton("附照片/扫描件…")
        self.check_button = QPushButton("核对留痕")
        self.void_button = QPushButton("作废…")
        self.index_button = QPushButton("打印归档文件目录…")
        self.labels_button = QPushButton("装盒并打印盒签…")
        for button in (self.add_button, self.attach_button, self.check_button, self.void_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.index_button)
        actions.addWidget(self.labels_button)
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)

        self.year.valueChanged.connect(lambda *_: self.reload())
        self.month.currentIndexChanged.connect(lambda *_: self.reload())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.settings_button.clicked.connect(self.edit_settings)
        self.add_button.clicked.connect(self.add_piece)
        self.attach_button.clicked.connect(self.attach)
        self.check_button.clicked.connect(self.check)
        self.void_button.clicked.connect(self.void)
        self.index_button.clicked.connect(self.print_index)
        self.labels_button.clicked.connect(self.print_labels)
        fit_to_screen(self, 1100, 640)
        self.reload()

    # --- reading ---------------------------------------------------------------------------
    def reload(self, status: str | None = None) -> None:
        """Read the year's (or month's) pieces in a worker; then show `status`, else the count."""
        db, village, year, month = self.db, self.village, self.year.value(), self.month.currentData()
        if self._reading is not None:
            self._reading.drop()
        self._reading = self.runner.start(
            lambda task: archive.pieces(db, village, year, month)[1],
            on_success=lambda rows: self._listed(rows, status),
            on_failure=lambda error: self._failed("无法读取", "读取归档文件时出错", error),
            lane="read",
        )

    def _listed(self, rows: list[archive.PieceInfo], status: str | None) -> None:
        self._reading = None
        self.rows = rows
        fill_rows(self.table, [
            (piece.number, piece.code or "（未设全宗号）", piece.date, piece.title, str(piece.pages),
             piece.retention.label, str(piece.box_number or ""),
             f"{piece.evidence_count} 份" if piece.evidence_count else "", piece.remark)
            for piece in self.rows
        ])
        self.status.setText(status if status is not None else f"共 {len(self.rows)} 件")
        self._update_buttons()

    def _failed(self, title: str, what: str, error: BaseException) -> None:
        self.status.setText("")
        messages.failed(self, title, what, error)

    def selected(self) -> archive.PieceInfo | None:
        index = selected_index(self.table)
        return self.rows[index] if index is not None else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.attach_button, self.check_button, self.void_button):
            button.setEnabled(chosen)

    def _run(self, call: Callable[[], object], success: str) -> None:
        """A write in the worker; then the list again, and `success`. A refusal says why."""
        self.runner.start(lambda task: call(), on_success=lambda _: self.reload(status=success),
                          on_failure=lambda error: self._failed("没有完成", "保存时出错", error), lane="write")

    # --- writing ---------------------------------------------------------------------------
    def edit_settings(self) -> None:
        fonds = ask_text(self, "归档设置", "全宗号（如 J012）：", "下一步")
        if not fonds or not fonds.strip():
            return
        category = ask_text(self, "归档设置", "自动归档文件的类别代码（如 GK，可不填）：", "保存")
        if category is not None:
            db, village, actor = self.db, self.village, self.actor
            self._run(lambda: archive.configure(db, village, fonds, actor, default_category=category),
                      f"已设置全宗号 {fonds.strip()}")

    def add_piece(self) -> None:
        dialog = PieceDialog(self)
        if not dialog.exec():
            return
        db, village, actor = self.db, self.village, self.actor
        fields = dict(title=dialog.title.text(), doc_date=dialog.date.day(), retention=dialog.retention.currentData(),
                      pages=dialog.pages.value(), doc_number=dialog.doc_number.text(),
                      responsible=dialog.responsible.text(), remark=dialog.remark.text())
        self._run(lambda: archive.add_piece(db, village, actor, **fields), "已登记")

    def attach(self) -> None:
        piece = self.selected()
        if piece is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "选择照片或扫描件", "", "照片或扫描件 (*.jpg *.jpeg *.png *.pdf)")
        if path:
            db, actor = self.db, self.actor
            self._run(lambda: archive.attach_evidence(db, piece.id, Path(path), actor),
                      f"已为件号 {piece.number} 附上“{Path(path).name}”")

    def check(self) -> None:
        piece = self.selected()
        if piece is None:
            return
        db = self.db
        self.runner.start(lambda task: archive.check_evidence(db, piece.id),
                          on_success=lambda checks: self._checked(piece, checks),
                          on_failure=lambda error: self._failed("核对留痕", "核对时出错", error), lane="read")

    def _checked(self, piece: archive.PieceInfo, checks: list[archive.EvidenceCheck]) -> None:
        if not checks:
            messages.inform(self, "核对留痕", f"件号 {piece.number} 没有附照片或扫描件。")
        elif all(item.state == "完好" for item in checks):
            messages.inform(self, "核对留痕", f"件号 {piece.number} 的 {len(checks)} 份照片、扫描件都完好，未被改动。")
        else:
            messages.warn(self, "核对留痕", f"件号 {piece.number} 的留痕材料有问题：",
                          "\n".join(f"{item.state}：{item.file_name}" for item in checks if item.state != "完好"))

    def void(self) -> None:
        piece = self.selected()
        if piece is None:
            return
        reason = ask_text(self, "作废归档文件", f"作废件号 {piece.number}（件号不会再用）的原因：", "作废")
        if reason is not None:
            db, actor = self.db, self.actor
            self._run(lambda: archive.void_piece(db, piece.id, reason, actor), f"已作废件号 {piece.number}")

    # --- printing --------------------------------------------------------------------------
    def print_index(self) -> None:
        year, month = self.year.value(), self.month.currentData()
        name = f"{self.village}{year}年{f'{month}月' if month else ''}归档文件目录"
        path, _ = QFileDialog.getSaveFileName(self, "保存归档文件目录", f"{name}.pdf", "PDF 文件 (*.pdf);;Excel 表格 (*.xlsx)")
        if not path:
            return
        out = with_suffix(path, ".pdf", ".xlsx")
        db, village = self.db, self.village

        def work(task):
            from app.outputs.filing_index import render_index_pdf, write_index_xlsx

            village_name, fonds, rows = archive.index_rows(db, village, year, month)
            if out.suffix.lower() == ".xlsx":
                write_index_xlsx(village_name, fonds, year, month, rows, out)
            else:
                render_index_pdf(village_name, fonds, year, month, rows, out)
            return f"已保存归档文件目录（{len(rows)} 件）：{out}"

        self._print(work)

    def print_labels(self) -> None:
        year = self.year.value()
        if not messages.confirm(self, "装盒并打印盒签", f"把 {year} 年还没装盒的文件装盒，并打印盒签？",
                                "装盒并打印", "打印后盒内文件不能再作废，件号也不会再变。"):
            return
        path, _ = QFileDialog.getSaveFileName(self, "保存盒签", f"{self.village}{year}年档案盒签.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return
        db, village, actor, out = self.db, self.village, self.actor, Path(path)

        def work(task):
            from app.outputs.box_labels import render_labels

            labels = archive.box_labels(db, village, year, actor)
            render_labels(labels, out)
            return f"已保存 {len(labels)} 个档案盒的封面、盒脊和备考表：{out}"

        self._print(work)

    def _print(self, work) -> None:
        self.status.setText("正在生成……")
        for button in (self.index_button, self.labels_button):
            button.setEnabled(False)

        def done(sentence: str) -> None:
            self._printing_done()
            self.reload(status=sentence)

        def failed(error: BaseException) -> None:
            self._printing_done()
            messages.failed(self, "没有生成", "生成时出错", error)

        self.runner.start(work, on_success=done, on_failure=failed, lane="print")

    def _printing_done(self) -> None:
        for button in (self.index_button, self.labels_button):
            button.setEnabled(True)
        self.status.setText("")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
