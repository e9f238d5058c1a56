"""The forms of the notices page: a new notice, a signature on a step, an objection and its handling.

Forms only collect what the clerk typed; the page hands it to app.services.notices, which decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

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
    QWidget,
)

from app.core import notices as rules
from app.core.catalog import CatalogEntry
from app.core.disclosure import Channel
from app.core.notices import Outcome
from app.ui.date_inputs import DayEdit, MonthEdit

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
