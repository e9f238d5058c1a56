"""更正: a new amount and a reason for rows of a posted month, shown before and after.

The clerk sees each row as the screen shows it (masked), types the new amounts and one reason, and
reads, before saving, the lines the next sheet's 更正说明 will carry. Saving runs off the GUI thread;
all rows are corrected or none (app.services.corrections.correct_many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import money
from app.core.disclosure import for_output
from app.core.money import MoneyError
from app.ui import messages
from app.ui.background import TaskRunner
from app.ui.table_helpers import fill_rows

_COLUMNS = ("记录号", "姓名", "补贴项目", "月份", "原金额(元)", "新金额(元)")
_NEW = _COLUMNS.index("新金额(元)")


@dataclass(frozen=True)
class RowToCorrect:
    payout_id: int
    name: str  # as the screen shows it (masked)
    subsidy: str
    period: str  # as the screen shows it
    amount_fen: int  # the amount as posted (or as last corrected)


class CorrectionDialog(QDialog):
    def __init__(self, db, runner: TaskRunner, actor: str, rows: Sequence[RowToCorrect],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db, self._runner, self._actor, self._rows = db, runner, actor, list(rows)
        self.made: list = []
        self.setWindowTitle("更正已张贴月份的发放记录")
        self.setMinimumSize(640, 420)

        intro = QLabel("该月公开表已经张贴，发放记录不能直接修改。请填写新金额和更正原因："
                       "更正会记入操作日志，并列入下次张贴的公开表的“更正说明”。")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self._rows), len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        fill_rows(self.table, [(str(row.payout_id), row.name, row.subsidy, row.period,
                                money.format_yuan(row.amount_fen), "") for row in self._rows])
        for index in range(len(self._rows)):  # only the new amount is typed in
            for column in range(len(_COLUMNS)):
                if column != _NEW:
                    item = self.table.item(index, column)
                    item.setFlags(item.flags() & ~_editable())
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("更正原因（必填），例如：低保标准上调，补发差额")
        self.reason.setMaximumHeight(70)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color: #333;")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存更正", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("更正原因："))
        layout.addWidget(self.reason)
        layout.addWidget(QLabel("更正前后（将列入下月公开表的更正说明）："))
        layout.addWidget(self.preview)
        layout.addWidget(buttons)
        self.table.itemChanged.connect(lambda *_: self._show_preview())
        self.reason.textChanged.connect(self._show_preview)
        self._show_preview()
        if self._rows:
            self.table.setCurrentCell(0, _NEW)

    def set_new_amount(self, index: int, text: str) -> None:
        self.table.item(index, _NEW).setText(text)

    def _amounts(self) -> list[str]:
        return [self.table.item(index, _NEW).text().strip() for index in range(len(self._rows))]

    def _show_preview(self) -> None:
        lines, ready = [], True
        reason = self.reason.toPlainText().strip()
        for row, text in zip(self._rows, self._amounts(), strict=True):
            try:
                new = f"{money.format_yuan(money.parse_fen(text))} 元" if text else "（未填写）"
                ready = ready and bool(text)
            except MoneyError:
                new, ready = f"“{text}”不是金额", False
            lines.append(f"{row.name}　{row.subsidy}　{row.period}：{money.format_yuan(row.amount_fen)} 元 → {new}")
        if reason:
            lines.append(f"原因：{reason}")
        self.preview.setText(for_output("\n".join(lines)))
        self.save_button.setEnabled(ready and bool(reason))

    def _save(self) -> None:
        from app.services.corrections import correct_many

        changes = [(row.payout_id, text) for row, text in zip(self._rows, self._amounts(), strict=True)]
        reason, db, actor = self.reason.toPlainText(), self._db, self._actor
        self.save_button.setEnabled(False)
        self._runner.start(lambda task: correct_many(db, changes, reason, actor),
                           on_success=self._saved, on_failure=self._failed, lane="write")

    def _saved(self, made: list) -> None:
        self.made = made
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._show_preview()
        messages.failed(self, "没有保存更正", "更正没有保存", error)


def _editable():
    from PySide6.QtCore import Qt

    return Qt.ItemFlag.ItemIsEditable
