"""从 Excel 粘贴: rows copied in Excel or WPS, shown with what each column was taken to be, checked
like an import (all or nothing, rows and columns of the pasted block named), then imported.

Thin: app.services.pasting reads the clipboard's text and imports it through the county-file import;
every call runs in the window's worker (app.ui.background), never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import for_output
from app.core.payout_table import Col, column_letter
from app.services.importing import ImportRefused, ImportResult
from app.services.pasting import PastedBlock
from app.ui import messages
from app.ui.background import TaskRunner
from app.ui.date_inputs import MonthEdit
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table

PREVIEW_ROWS = 200
NOT_IMPORTED = "（不导入）"
CHOICES = (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE, Col.STANDARD, Col.ACCOUNT,
           Col.PHONE, Col.NOTE, Col.AREA, Col.RATE, Col.SERIAL)
FROM_ROWS = "（按粘贴的“补贴项目”列）"


class PasteDialog(QDialog):
    def __init__(self, db, runner: TaskRunner, actor: str, village: str, month: dt.date | None,
                 subsidies: list[str], text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.runner, self.actor, self.village = db, runner, actor, village
        self.block: PastedBlock | None = None
        self.result_: ImportResult | None = None
        self.checked_ok = False
        self.setWindowTitle(f"从 Excel 粘贴发放记录 — {village}")

        self.intro = QLabel("正在读取复制的内容……")
        self.intro.setWordWrap(True)
        self.columns_box = QGridLayout()
        self.combos: list[QComboBox] = []
        self.preview = read_only_table(["A"])
        self.month = MonthEdit(month or dt.date.today().replace(day=1))
        self.subsidy = QComboBox()
        self.subsidy.addItem(FROM_ROWS, None)
        for name in subsidies:
            self.subsidy.addItem(name, name)
        self.problems = QListWidget()
        self.problems.setWordWrap(True)  # a refusal names file, row, column and reason: one long line
        self.problems.setVisible(False)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.check_button = buttons.addButton("检查", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.check_button.clicked.connect(lambda: self._run(dry_run=True))
        self.import_button.clicked.connect(lambda: self._run(dry_run=False))
        buttons.rejected.connect(self.reject)
        self.import_button.setEnabled(False)
        self.check_button.setEnabled(False)

        options = QHBoxLayout()
        options.addWidget(QLabel("没有“发放日期”列时的月份："))
        options.addWidget(self.month)
        options.addSpacing(16)
        options.addWidget(QLabel("补贴项目："))
        options.addWidget(self.subsidy)
        options.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.columns_box)
        layout.addWidget(self.preview, 2)
        layout.addLayout(options)
        layout.addWidget(self.outcome)
        layout.addWidget(self.problems, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, 960, 600)
        self.month.dateChanged.connect(self._changed)
        self.subsidy.currentIndexChanged.connect(self._changed)

        from app.services.pasting import read_block

        self.runner.start(lambda task: read_block(db, text), on_success=self._read, on_failure=self._unreadable,
                          lane="write")

    # --- reading the block -------------------------------------------------------------------
    def _read(self, block: PastedBlock) -> None:
        self.block = block
        data = block.rows[1:] if block.has_header else block.rows
        header = "粘贴的内容带有表头，各列按表头识别" if block.has_header else "粘贴的内容没有表头，各列按内容推测"
        self.intro.setText(for_output(f"复制了 {len(data)} 行。{header}：请核对每一列是什么（不需要的列选“{NOT_IMPORTED}”），"
                                      "然后点“检查”。"))
        for index, col in enumerate(block.columns):
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for choice in CHOICES:
                combo.addItem(choice.label, choice.value)  # Qt keeps the value: a str enum comes back a str
            combo.setCurrentIndex(max(combo.findData(col.value), 0) if col is not None else 0)
            combo.currentIndexChanged.connect(self._changed)
            self.combos.append(combo)
            cell = QHBoxLayout()
            cell.addWidget(QLabel(f"{column_letter(index)} 列："))
            cell.addWidget(combo)
            self.columns_box.addLayout(cell, index // 4, index % 4)
        width = len(block.columns)
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(i) for i in range(width)])
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        fill_rows(self.preview, [list(row) for row in block.rows[:PREVIEW_ROWS]])
        self.check_button.setEnabled(True)

    def _unreadable(self, error: BaseException) -> None:
        self.intro.setText(messages.error_text(error))
        messages.failed(self, "从 Excel 粘贴", "没有读出复制的内容", error)

    def chosen_columns(self) -> tuple[Col | None, ...]:
        return tuple(Col(combo.currentData()) if combo.currentData() else None for combo in self.combos)

    def set_column(self, index: int, col: Col | None) -> None:
        combo = self.combos[index]
        combo.setCurrentIndex(max(combo.findData(col.value), 0) if col is not None else 0)

    def _changed(self, *_: object) -> None:
        self.checked_ok = False
        self.import_button.setEnabled(False)

    # --- checking and importing --------------------------------------------------------------
    def _run(self, dry_run: bool) -> None:
        if self.block is None:
            return
        from app.services.pasting import import_block

        block, columns, db, village, actor = self.block, self.chosen_columns(), self.db, self.village, self.actor
        # The month only stands in for a missing 发放日期 column: given with one, it would also be checked
        # against every date (as `--month` is).
        month = None if Col.PAY_DATE in columns else self.month.month()
        subsidy = self.subsidy.currentData()
        self.check_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.outcome.setText("正在检查……" if dry_run else "正在导入……")
        self.runner.start(
            lambda task: import_block(db, block, columns, village, actor, month=month, subsidy=subsidy,
                                      dry_run=dry_run, cancelled=task.cancelled),
            on_success=self._done, on_failure=self._refused, lane="write",
        )

    def _done(self, result: ImportResult) -> None:
        self.check_button.setEnabled(True)
        self.problems.clear()
        self.problems.setVisible(bool(result.warnings))
        self.problems.addItems([for_output(w) for w in result.warnings])
        if result.dry_run:
            self.checked_ok = True
            self.import_button.setEnabled(True)
            self.outcome.setText(for_output(f"检查通过：{result.summary}。点“导入”写入台账。"))
            return
        self.result_ = result
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        self.problems.clear()
        if isinstance(error, ImportRefused):
            self.outcome.setText(for_output(error.message))
            self.problems.addItems([for_output(p) for p in error.problems])
            self.problems.setVisible(True)
            return
        self.problems.setVisible(False)
        self.outcome.setText(messages.error_text(error))
        messages.failed(self, "从 Excel 粘贴", "没有导入", error)

    def imported(self) -> ImportResult | None:
        return self.result_
