"""Entering or correcting one payout by hand, with live checks; saved through the payouts service.

When correcting, the ID number stays masked: the dialog keeps the stored number to send it back
unchanged, and the clerk must press “更正身份证号” and type the whole new number to change it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import PersonFields, policy_for
from app.core.ledger_record import LedgerRecord
from app.core.money import format_yuan
from app.outputs.masked_rows import mask_record
from app.services.errors import ServiceError
from app.ui import field_checks
from app.ui.background import TaskRunner
from app.ui.date_inputs import DayEdit, MonthEdit, to_qdate
from app.ui.field_checks import Verdict
from app.ui.ledger_model import SCREEN_CHANNEL

if TYPE_CHECKING:
    from app.services.payouts import PayoutInput
    from app.services.subsidies import SubsidyInfo
    from app.storage.engine import Database

ERROR_COLOR = "#b00020"
WARNING_COLOR = "#a15c00"
OK_COLOR = "#2e7d32"


@dataclass(frozen=True)
class EntryContext:
    db: Database
    actor: str
    village_id: int
    village_name: str
    subsidies: Sequence[SubsidyInfo]
    group_names: Sequence[str]
    month: dt.date
    subsidy_id: int | None = None


class _Message(QLabel):
    """The line under a field that says what is wrong with it."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)

    def minimumSizeHint(self) -> QSize:
        """As tall as its wrapped lines at its present width: a dialog does not ask its layout for
        heights by width, so without this a long message takes the height of the field above it
        (after a refusal the amount field was squashed to a few pixels)."""
        hint = super().minimumSizeHint()
        if self.text() and self.width() > 0:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def setText(self, text: str) -> None:
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()

    def show_verdict(self, verdict: Verdict | None) -> None:
        if verdict is None or not verdict.message:
            self.clear()
            self.setVisible(False)
            return
        color = OK_COLOR if verdict.ok and not verdict.warning else WARNING_COLOR if verdict.ok else ERROR_COLOR
        self.setStyleSheet(f"color: {color};")
        self.setText(verdict.message)
        self.setVisible(True)


def _with_message(field: QWidget, message: _Message, extra: QWidget | None = None) -> QWidget:
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    if extra is None:
        column.addWidget(field)
    else:
        row = QHBoxLayout()
        row.addWidget(field, 1)
        row.addWidget(extra)
        column.addLayout(row)
    column.addWidget(message)
    message.setVisible(False)
    return box


class PayoutDialog(QDialog):
    def __init__(self, context: EntryContext, record: LedgerRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._record = record
        self._stored_id = record.id_number if record else ""
        self._keeping_id = record is not None
        self.saved_id: int | None = None
        self.runner = TaskRunner(self)
        self.setWindowTitle("修改发放记录" if record else "录入发放记录")
        self._build()
        if record is not None:
            self._fill(record)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("汉") * 34)

    # --- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        context = self._context
        self.name_edit = QLineEdit()
        self.name_message = _Message()
        self.id_edit = QLineEdit()
        self.id_edit.setMaxLength(22)  # room for spaces pasted from a list; normalized on save
        self.id_edit.setPlaceholderText("18 位，末位可以是 X")
        self.id_message = _Message()
        self.change_id_button = QPushButton("更正身份证号")
        self.change_id_button.setVisible(self._record is not None)
        self.change_id_button.clicked.connect(self._unlock_id)
        self.group_edit = QComboBox()
        self.group_edit.setEditable(True)
        self.group_edit.addItems(list(context.group_names))
        self.group_edit.setCurrentText("")
        self.subsidy_edit = QComboBox()
        for info in context.subsidies:
            self.subsidy_edit.addItem(info.name, info.id)
        self._select_subsidy(context.subsidy_id)
        self.month_edit = MonthEdit(context.month)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("单位：元，如 560 或 560.50")
        self.amount_message = _Message()
        self.pay_date_check = QCheckBox("填写")
        self.pay_date_edit = DayEdit(context.month.replace(day=15))
        self.pay_date_edit.setEnabled(False)
        self.pay_date_message = _Message()
        self.standard_edit = QLineEdit()
        self.standard_edit.setPlaceholderText("如 560元/月")
        self.phone_edit = QLineEdit()
        self.account_edit = QLineEdit()
        self.note_edit = QLineEdit()
        self.problems = _Message()
        self.problems.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problems.setVisible(False)

        form = QFormLayout()
        form.addRow("村：", QLabel(context.village_name))
        form.addRow("姓名：", _with_message(self.name_edit, self.name_message))
        form.addRow("身份证号：", _with_message(self.id_edit, self.id_message, self.change_id_button))
        form.addRow("组别：", self.group_edit)
        form.addRow("补贴项目：", self.subsidy_edit)
        form.addRow("月份：", self.month_edit)
        form.addRow("发放金额（元）：", _with_message(self.amount_edit, self.amount_message))
        pay_row = QWidget()
        pay_layout = QHBoxLayout(pay_row)
        pay_layout.setContentsMargins(0, 0, 0, 0)
        pay_layout.addWidget(self.pay_date_check)
        pay_layout.addWidget(self.pay_date_edit, 1)
        form.addRow("发放日期：", _with_message(pay_row, self.pay_date_message))
        form.addRow("发放标准：", self.standard_edit)
        form.addRow("联系电话：", self.phone_edit)
        form.addRow("银行账号：", self.account_edit)
        form.addRow("备注：", self.note_edit)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # The dialog grows with the messages that appear under the fields and above the buttons (a
        # refusal can be three lines): the fields keep their height instead of being squashed.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)

        self._watch(self.name_edit.textChanged, self._check_name)
        self._watch(self.id_edit.textChanged, self._check_id)
        self._watch(self.amount_edit.textChanged, self._check_amount)
        self._watch(self.pay_date_check.toggled, self._check_pay_date)
        self._watch(self.pay_date_edit.dateChanged, self._check_pay_date)
        self._watch(self.month_edit.dateChanged, self._check_pay_date)
        self.pay_date_check.toggled.connect(self._pay_date_toggled)

    @staticmethod
    def _watch(signal: object, check: Callable[[], bool]) -> None:
        signal.connect(lambda *_: check())  # type: ignore[attr-defined]

    def _select_subsidy(self, subsidy_id: int | None) -> None:
        index = self.subsidy_edit.findData(subsidy_id) if subsidy_id is not None else -1
        self.subsidy_edit.setCurrentIndex(max(index, 0))

    def _fill(self, record: LedgerRecord) -> None:
        masked = mask_record(record, policy_for(SCREEN_CHANNEL))
        self.name_edit.setText(record.name)
        self.id_edit.setText(masked.id_number)
        self.id_edit.setReadOnly(True)
        self.id_edit.setToolTip("身份证号已遮掩；要更正请点“更正身份证号”后输入完整的新号码")
        self.group_edit.setCurrentText(record.group or "")
        index = self.subsidy_edit.findText(record.subsidy)
        if index >= 0:
            self.subsidy_edit.setCurrentIndex(index)
        self.month_edit.set_month(record.period)
        self.amount_edit.setText(format_yuan(record.amount_fen))
        if record.pay_date is not None:
            self.pay_date_edit.setDate(to_qdate(record.pay_date))
            self.pay_date_check.setChecked(True)
        self.standard_edit.setText(record.standard)
        self.note_edit.setText(record.note)
        # Phone and account stay masked: an empty field keeps the stored value (the service's rule).
        shown = policy_for(SCREEN_CHANNEL).apply(
            PersonFields(record.name, record.id_number, record.phone, record.account), record.sensitive
        )
        self.phone_edit.setPlaceholderText(f"原号码 {shown.phone}，不改请留空" if shown.phone else "")
        self.account_edit.setPlaceholderText(f"原账号 {shown.account}，不改请留空" if shown.account else "")

    # --- live checks -------------------------------------------------------------------------
    def _check_name(self) -> bool:
        verdict = field_checks.check_name(self.name_edit.text())
        self.name_message.show_verdict(verdict)
        return verdict.ok

    def _check_id(self) -> bool:
        if self._keeping_id:
            self.id_message.show_verdict(None)
            return True
        verdict = field_checks.check_id_number(self.id_edit.text())
        self.id_message.show_verdict(verdict)
        return verdict.ok

    def _check_amount(self) -> bool:
        verdict = field_checks.check_amount(self.amount_edit.text())
        self.amount_message.show_verdict(verdict)
        return verdict.ok

    def _check_pay_date(self) -> bool:
        verdict = field_checks.check_pay_date(self._pay_date(), self.month_edit.month())
        self.pay_date_message.show_verdict(verdict)
        return verdict.ok

    def _pay_date_toggled(self, checked: bool) -> None:
        self.pay_date_edit.setEnabled(checked)
        if checked and self._pay_date() is not None and not self._check_pay_date():
            self.pay_date_edit.setDate(to_qdate(self.month_edit.month().replace(day=15)))

    def _unlock_id(self) -> None:
        self._keeping_id = False
        self.id_edit.setReadOnly(False)
        self.id_edit.setToolTip("")
        self.id_edit.clear()
        self.id_edit.setFocus()
        self.change_id_button.setEnabled(False)

    def _pay_date(self) -> dt.date | None:
        return self.pay_date_edit.day() if self.pay_date_check.isChecked() else None

    # --- saving ------------------------------------------------------------------------------
    def payout_input(self) -> PayoutInput:
        from app.services.payouts import PayoutInput

        return PayoutInput(
            name=self.name_edit.text(),
            id_number=self._stored_id if self._keeping_id else self.id_edit.text(),
            subsidy_type_id=int(self.subsidy_edit.currentData() or 0),
            period=self.month_edit.month(),
            amount=self.amount_edit.text(),
            pay_date=self._pay_date(),
            group=self.group_edit.currentText(),
            standard=self.standard_edit.text(),
            note=self.note_edit.text(),
            phone=self.phone_edit.text(),
            account=self.account_edit.text(),
        )

    def save(self) -> None:
        """Check every field on screen, then let the service decide (it checks again) — in a worker:
        a locked database must not freeze the window."""
        for check in (self._check_name, self._check_id, self._check_amount, self._check_pay_date):
            check()
        from app.services.payouts import add_payout, update_payout

        context, record, data = self._context, self._record, self.payout_input()

        def work(task: object) -> int:
            if record is None:
                return add_payout(context.db, context.village_id, data, context.actor)
            update_payout(context.db, record.payout_id, data, context.actor)
            return record.payout_id

        self.save_button.setEnabled(False)
        self.runner.start(work, on_success=self._saved, on_failure=self._save_failed, lane="write")

    def saving(self) -> bool:
        return self.runner.busy()

    def _saved(self, payout_id: int) -> None:
        self.saved_id = payout_id
        self.save_button.setEnabled(True)
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, ServiceError):
            self._show_problems(error)
        else:
            from app.ui import messages

            messages.failed(self, "没有保存", "保存时出错", error)

    def done(self, result: int) -> None:
        if self.runner.busy() and result != QDialog.DialogCode.Accepted:
            return  # a save is on its way: its answer decides (Esc does not abandon it half-way)
        super().done(result)

    def _show_problems(self, error: ServiceError) -> None:
        lines = [error.message] + [f"· {line}" for line in error.problems if line != error.message]
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
