"""The forms of the notices page: a new notice, a signature on a step, an objection and its handling,
and the rows of a draft's table typed or pasted from Excel/WPS.

Forms only collect what the clerk typed; the page hands it to app.services.notices, which decides.
The rows form checks a pasted block and adds the rows through the page's worker (app.ui.background):
app.services.notice_rows decides, all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import notices as rules
from app.core.catalog import CatalogEntry
from app.core.disclosure import Channel
from app.core.money import format_yuan
from app.core.notices import Outcome
from app.ui import messages
from app.ui.date_inputs import DayEdit, MonthEdit
from app.ui.table_helpers import entry_table, entry_values, last_filled_row, put_entry_rows

if TYPE_CHECKING:
    from app.storage.engine import Database
    from app.ui.background import TaskRunner

DEFAULT_PLACE = "村务公开栏"


def _buttons(dialog: QDialog, form: QFormLayout, accept: str) -> None:
    buttons = QDialogButtonBox()
    buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)


class PayoutPicker(QWidget):
    """A ledger month and, optionally, one subsidy: the payouts copied into a notice's table."""

    def __init__(self, subsidies: Sequence[str], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month = MonthEdit(today.replace(day=1))
        self.subsidy = QComboBox()
        self.subsidy.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # long subsidy names
        self.subsidy.addItem("全部补贴项目", None)
        for name in subsidies:
            self.subsidy.addItem(name, name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.month)
        layout.addWidget(self.subsidy)


class PayoutsDialog(QDialog):
    """附上发放记录 to a draft that has none yet (or more of them)."""

    def __init__(self, subsidies: Sequence[str], today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("附上发放记录")
        form = QFormLayout(self)
        self.payouts = PayoutPicker(subsidies, today)
        form.addRow("台账月份和项目：", self.payouts)
        _buttons(self, form, "加入附表")


class NoticeForm(QDialog):
    """起草公示: what the CLI's `notice add` asks, in one form."""

    def __init__(self, entries: Sequence[CatalogEntry], subsidies: Sequence[str], today: dt.date,
                 item_code: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("起草公示")
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("如：2026年11月最低生活保障新增对象公示")
        self.item = QComboBox()
        for entry in entries:
            self.item.addItem(f"{entry.code}  {entry.name}", entry.code)
        if item_code is not None and self.item.findData(item_code) >= 0:
            self.item.setCurrentIndex(self.item.findData(item_code))
        self.kind = QComboBox()
        for kind in rules.PERIOD_RULES:
            self.kind.addItem(kind, kind)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        self.rule.setStyleSheet("color: #555;")
        self.start = DayEdit(today)
        # Seven calendar days, both ends included, is the common minimum: the default passes it.
        self.end = DayEdit(today + dt.timedelta(days=6))
        period = QHBoxLayout()
        for widget in (self.start, QLabel("至"), self.end):
            period.addWidget(widget)
        period.addStretch(1)
        self.place = QLineEdit(DEFAULT_PLACE)
        self.channel = QComboBox()
        for channel in Channel:
            self.channel.addItem(channel.label, channel.value)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("公示正文；只附发放名单时可不填")
        self.body.setMinimumHeight(110)
        self.with_payouts = QCheckBox("附上台账中的发放记录：")
        self.payouts = PayoutPicker(subsidies, today)
        self.month, self.subsidy = self.payouts.month, self.payouts.subsidy
        payouts = QHBoxLayout()
        payouts.addWidget(self.with_payouts)
        payouts.addWidget(self.payouts)
        payouts.addStretch(1)
        for label, widget in (("标题：", self.subject), ("公开事项：", self.item), ("公示类别：", self.kind),
                              ("", self.rule)):
            form.addRow(label, widget)
        form.addRow("公示期：", period)
        for label, widget in (("张贴地点：", self.place), ("发布范围：", self.channel), ("正文：", self.body)):
            form.addRow(label, widget)
        form.addRow("附表：", payouts)
        _buttons(self, form, "起草")
        self.kind.currentIndexChanged.connect(lambda *_: self._show_rule())
        self.item.currentIndexChanged.connect(lambda *_: self._kind_for_item())
        self._kind_for_item()
        self.with_payouts.toggled.connect(self._payouts_toggled)
        self._show_rule()
        self._payouts_toggled(False)

    def _kind_for_item(self) -> None:
        """An item named after a kind with its own period (宅基地审批, 征地补偿 …) preselects that kind."""
        name = self.item.currentText()
        kind = next((k for k in rules.PERIOD_RULES if k != rules.GENERAL and k in name), rules.GENERAL)
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _show_rule(self) -> None:
        rule = rules.rule_for(self.kind.currentData())
        self.rule.setText(f"公示期{rule.text}（{rule.source}）")

    def _payouts_toggled(self, on: bool) -> None:
        self.payouts.setEnabled(on)

    def payout_month(self) -> dt.date | None:
        return self.month.month() if self.with_payouts.isChecked() else None


class SignDialog(QDialog):
    """Who signs a step and on which day (today unless changed); a return to draft also says why."""

    def __init__(self, title: str, prompt: str, accept: str, today: dt.date, ask_reason: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        note = QLabel(prompt)
        note.setWordWrap(True)
        form.addRow(note)
        self.signer = QLineEdit()
        self.signer.setPlaceholderText("签名人姓名")
        self.date = DayEdit(today)
        form.addRow("签名人：", self.signer)
        form.addRow("日期：", self.date)
        self.reason = QLineEdit()
        if ask_reason:
            self.reason.setPlaceholderText("必须写明，如：金额与台账不符")
            form.addRow("退回原因：", self.reason)
        _buttons(self, form, accept)


class ObjectionDialog(QDialog):
    """登记异议: who raised it (may stay empty: anonymous), when, what."""

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记异议")
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.raised_by = QLineEdit()
        self.raised_by.setPlaceholderText(f"不填为{rules.ANONYMOUS}")
        self.date = DayEdit(today)
        self.content = QPlainTextEdit()
        self.content.setMinimumHeight(80)
        for label, widget in (("提出人：", self.raised_by), ("收到日期：", self.date), ("异议内容：", self.content)):
            form.addRow(label, widget)
        _buttons(self, form, "登记")


class HandlingDialog(QDialog):
    """登记异议处理: how it was handled, the outcome, who handled it and when."""

    def __init__(self, objection: str, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("登记异议处理结果")
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        shown = QLabel(objection)
        shown.setWordWrap(True)
        form.addRow("异议：", shown)
        self.handling = QPlainTextEdit()
        self.handling.setMinimumHeight(80)
        self.outcome = QComboBox()
        for outcome in Outcome:
            if outcome is not Outcome.OPEN:
                self.outcome.addItem(outcome.label, outcome.label)
        self.by = QLineEdit()
        self.date = DayEdit(today)
        for label, widget in (("处理情况：", self.handling), ("处理结果：", self.outcome), ("处理人：", self.by),
                              ("处理日期：", self.date)):
            form.addRow(label, widget)
        _buttons(self, form, "登记")


class NoticeRowsDialog(QDialog):
    """录入附表: rows typed into a small table as in Excel, or a block pasted from Excel/WPS (Ctrl+V or
    the button). A paste is checked all or nothing before it lands in the table: one bad cell and
    nothing is taken, the refusal naming the pasted row and the column. 加入附表 checks every row
    again and adds them in one step (app.services.notice_rows); the form stays open on a refusal."""

    added = Signal(int)  # how many rows were added

    def __init__(self, db: Database, runner: TaskRunner, notice_id: int, subject: str, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.services.notice_rows import COLUMNS

        self.db, self.runner, self.notice_id, self.actor = db, runner, notice_id, actor
        self.setWindowTitle("录入附表")
        note = QLabel(f"第 {notice_id} 号公示“{subject}”的附表：直接在下表中录入，或在 Excel、WPS 中选中"
                      f"若干行（可含标题行）复制后点“从 Excel 粘贴”。列依次为：{'、'.join(COLUMNS)}；身份证号、金额可不填。")
        note.setWordWrap(True)
        self.table = entry_table(COLUMNS, rows=8)
        for column, width in enumerate((90, 170, 70, 150, 90)):
            self.table.setColumnWidth(column, width)
        self.paste_button = QPushButton("从 Excel 粘贴")
        self.more_button = QPushButton("加一行")
        self.clear_button = QPushButton("清除选中行")
        self.status = QLabel()
        self.status.setWordWrap(True)
        tools = QHBoxLayout()
        for button in (self.paste_button, self.more_button, self.clear_button):
            tools.addWidget(button)
        tools.addStretch(1)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("加入附表", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        for push in self.findChildren(QPushButton) + buttons.buttons():
            if isinstance(push, QPushButton):  # Enter ends a cell's editing; it never adds the rows
                push.setAutoDefault(False)
                push.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.paste_button.clicked.connect(lambda: self.paste())
        self.more_button.clicked.connect(lambda: self.table.setRowCount(self.table.rowCount() + 1))
        self.clear_button.clicked.connect(self.clear_selected)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), self.table)
        shortcut.activated.connect(lambda: self.paste())
        self.resize(760, 420)

    def paste(self, text: str | None = None) -> None:
        """Check the clipboard's block (or `text`); only a block without problems goes into the table."""
        from app.services.notice_rows import check_paste

        block = QGuiApplication.clipboard().text() if text is None else text
        if not block.strip():
            messages.warn(self, "没有粘贴", "剪贴板里没有内容：请先在 Excel 或 WPS 中选中要粘贴的行并复制。")
            return
        self.paste_button.setEnabled(False)
        self.status.setText("正在检查粘贴的内容……")

        def checked(rows: list) -> None:
            self.paste_button.setEnabled(True)
            first = last_filled_row(self.table)
            put_entry_rows(self.table, first, [
                (r.name, r.id_number, r.group, r.item,
                 format_yuan(r.amount_fen) if r.amount_fen is not None else "", r.note)
                for r in rows
            ])
            where = f"第 {first + 1} 行" if len(rows) == 1 else f"第 {first + 1} 至 {first + len(rows)} 行"
            self.status.setText(f"已粘贴 {len(rows)} 行（表中{where}），核对后点“加入附表”。")

        def refused(error: BaseException) -> None:
            self.paste_button.setEnabled(True)
            self.status.setText("粘贴的内容有问题，一行也没有粘贴。")
            messages.failed(self, "没有粘贴", "检查粘贴的内容时出错", error)

        self.runner.start(lambda task: check_paste(block), on_success=checked, on_failure=refused, lane="check")

    def clear_selected(self) -> None:
        for index in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(index)
        if self.table.rowCount() == 0:
            self.table.setRowCount(1)

    def save(self) -> None:
        from app.services.notice_rows import add_typed_rows

        cells = entry_values(self.table)
        db, notice_id, actor = self.db, self.notice_id, self.actor
        self.save_button.setEnabled(False)
        self.status.setText("正在加入……")

        def done(count: object) -> None:
            self.save_button.setEnabled(True)
            self.added.emit(int(count))  # type: ignore[call-overload]
            self.accept()

        def refused(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("没有加入：请按提示修改后再点“加入附表”。")
            messages.failed(self, "附表没有加入", "加入附表时出错", error)

        self.runner.start(lambda task: add_typed_rows(db, notice_id, cells, actor, "表中第 {row} 行"),
                          on_success=done, on_failure=refused, lane="write")
