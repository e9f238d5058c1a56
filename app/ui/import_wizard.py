"""The import wizard: pick a county payout file → check it (nothing written) → import it.

Both the check and the import run `import_payouts` in a worker: the check with dry_run=True shows
either what would be imported (count, total, per subsidy) or every problem with its file, row and
column; the import writes all or nothing. Either can be cancelled; the service then raises
Cancelled and its transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.money import format_yuan, to_capital
from app.inputs.tabular import SUPPORTED_SUFFIXES
from app.services.errors import Cancelled, ServiceError
from app.services.importing import ImportRequest, ImportResult, import_payouts
from app.services.subsidies import SubsidyInfo
from app.storage.engine import Database
from app.ui.background import Task, TaskRunner
from app.ui.date_inputs import MonthEdit

LANE = "import"
FILE_FILTER = "发放明细表 (" + " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES) + ")"
ERROR_COLOR = "#b00020"
_BREAKDOWN_ROWS = 6  # subsidy types shown without scrolling
_BUTTON_TEXTS = {
    QWizard.WizardButton.BackButton: "< 上一步",
    QWizard.WizardButton.NextButton: "下一步 >",
    QWizard.WizardButton.CommitButton: "开始导入",
    QWizard.WizardButton.FinishButton: "完成",
    QWizard.WizardButton.CancelButton: "取消",
}


@dataclass(frozen=True)
class ImportContext:
    db: Database
    actor: str
    villages: Sequence[str]
    village: str
    subsidies: Sequence[SubsidyInfo]
    month: dt.date


def _list_widget() -> QListWidget:
    """A readable list of long Chinese sentences: wrapped, one per item."""
    widget = QListWidget()
    widget.setWordWrap(True)
    widget.setAlternatingRowColors(True)
    widget.setSelectionMode(QListWidget.SelectionMode.NoSelection)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


def _bold(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold;")
    return label


class FilePage(QWizardPage):
    """Step 1: the file, the village, and what the file may lack (month, subsidy column)."""

    def __init__(self, context: ImportContext) -> None:
        super().__init__()
        self.setTitle("第一步：选择文件")
        self.setSubTitle("选择县里下发的补贴发放明细（Excel 或 CSV）。下一步只做检查，不会写入任何数据。")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("点“选择文件…”或把路径粘贴到这里")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self._browse)
        self.village_edit = QComboBox()
        self.village_edit.addItems(list(context.villages))
        self.village_edit.setCurrentText(context.village)
        self.month_check = QCheckBox("文件中没有发放日期时，按此月份导入：")
        self.month_edit = MonthEdit(context.month)
        self.month_edit.setEnabled(False)
        self.month_check.toggled.connect(self.month_edit.setEnabled)
        self.subsidy_check = QCheckBox("文件中没有补贴项目列时，按此项目导入：")
        self.subsidy_edit = QComboBox()
        self.subsidy_edit.addItems([info.name for info in context.subsidies])
        self.subsidy_edit.setEnabled(False)
        self.subsidy_check.toggled.connect(self.subsidy_edit.setEnabled)
        self.force_check = QCheckBox("强制导入（同样内容的文件以前导入过，确实需要再导入一次）")

        grid = QGridLayout(self)
        grid.addWidget(QLabel("文件："), 0, 0)
        grid.addWidget(self.path_edit, 0, 1)
        grid.addWidget(browse, 0, 2)
        grid.addWidget(QLabel("导入到村："), 1, 0)
        grid.addWidget(self.village_edit, 1, 1, 1, 2)
        grid.addWidget(self.month_check, 2, 0, 1, 2)
        grid.addWidget(self.month_edit, 2, 2)
        grid.addWidget(self.subsidy_check, 3, 0, 1, 2)
        grid.addWidget(self.subsidy_edit, 3, 2)
        grid.addWidget(self.force_check, 4, 0, 1, 3)
        grid.setRowStretch(5, 1)
        grid.setColumnStretch(1, 1)
        self.path_edit.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择发放明细文件", self.path_edit.text(), FILE_FILTER)
        if path:
            self.path_edit.setText(path)

    def path(self) -> Path:
        return Path(self.path_edit.text().strip().strip('"'))

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip()) and self.path().is_file()

    def request(self, dry_run: bool) -> ImportRequest:
        return ImportRequest(
            path=self.path(),
            village=self.village_edit.currentText(),
            month=self.month_edit.month() if self.month_check.isChecked() else None,
            subsidy=self.subsidy_edit.currentText() if self.subsidy_check.isChecked() else None,
            dry_run=dry_run,
            force=self.force_check.isChecked(),
        )


class _RunningPage(QWizardPage):
    """A page that runs import_payouts in a worker, with a progress bar and a stop button."""

    stop_text = "停止"

    def __init__(self, context: ImportContext, runner: TaskRunner, file_page: FilePage) -> None:
        super().__init__()
        self._context = context
        self._runner = runner
        self._file_page = file_page
        self.task: Task | None = None
        self.stage = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.stop_button = QPushButton(self.stop_text)
        self.stop_button.clicked.connect(self.stop)
        self.headline = _bold()
        self.layout_ = QVBoxLayout(self)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.stop_button)
        self.layout_.addWidget(self.stage)
        self.layout_.addLayout(progress_row)
        self.layout_.addWidget(self.headline)

    def running(self) -> bool:
        return self.task is not None and self.task.running

    def run(self, dry_run: bool) -> None:
        context, request = self._context, self._file_page.request(dry_run)
        self._show_progress(True)
        self.stage.setText("正在准备…")
        self.headline.clear()
        self.task = self._runner.start(
            lambda task: import_payouts(context.db, request, context.actor, task.report, task.cancelled),
            on_success=self._succeeded,
            on_failure=self._failed,
            lane=LANE,
        )
        self.task.progressed.connect(self._progressed)
        self.completeChanged.emit()

    def stop(self) -> None:
        if self.running() and self.task is not None:
            self.task.cancel()
            self.stop_button.setEnabled(False)
            self.stage.setText("正在取消…")

    def _progressed(self, stage: str, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.stage.setText(f"{stage}…（{done}/{total}）")
        else:
            self.bar.setRange(0, 0)  # how long is unknown: a moving bar
            self.stage.setText(f"{stage}…")

    def _show_progress(self, visible: bool) -> None:
        self.bar.setRange(0, 0)
        for widget in (self.stage, self.bar, self.stop_button):
            widget.setVisible(visible)
        self.stop_button.setEnabled(visible)

    def _settled(self) -> None:
        self._show_progress(False)
        self.completeChanged.emit()
        wizard = self.wizard()
        if isinstance(wizard, ImportWizard):
            wizard.task_settled()

    def _succeeded(self, result: ImportResult) -> None:
        self._settled()

    def _failed(self, error: BaseException) -> None:
        self._settled()


class CheckPage(_RunningPage):
    """Step 2: a dry run. What would be imported, or why not."""

    stop_text = "停止检查"

    def __init__(self, context: ImportContext, runner: TaskRunner, file_page: FilePage) -> None:
        super().__init__(context, runner, file_page)
        self.setTitle("第二步：检查")
        self.setSubTitle("先检查整个文件；有任何问题都不会导入。")
        self.setCommitPage(True)
        self.result: ImportResult | None = None
        self.problems: list[str] = []
        self.breakdown = QTableWidget(0, 3)
        self.breakdown.setHorizontalHeaderLabels(["补贴项目", "条数", "金额（元）"])
        self.breakdown.verticalHeader().setVisible(False)
        self.breakdown.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.breakdown.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.breakdown.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.breakdown.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.warning_list = _list_widget()
        self.problem_list = _list_widget()
        self.problem_list.setStyleSheet(f"QListWidget {{ color: {ERROR_COLOR}; }}")
        self.hint = QLabel("请在 Excel 中改正这些地方后重新选择文件，或点“上一步”补上月份、补贴项目。")
        self.hint.setWordWrap(True)
        for widget in (self.breakdown, self.details, self.warning_list, self.problem_list, self.hint):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self._show_outcome()

    def initializePage(self) -> None:
        self.result, self.problems = None, []
        self._show_outcome()
        self.run(dry_run=True)

    def cleanupPage(self) -> None:
        if self.task is not None:
            self.task.drop()  # back to step 1: the check's answer no longer matters
        self.result, self.problems = None, []

    def isComplete(self) -> bool:
        return self.result is not None and not self.running()

    def _succeeded(self, result: ImportResult) -> None:
        self.result = result
        self._show_outcome()
        super()._succeeded(result)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.headline.setText("已停止检查。点“上一步”可以重新选择文件。")
        elif isinstance(error, ServiceError):
            self.headline.setText(error.message)
            self.problems = [line for line in error.problems if line != error.message]
        else:
            self.headline.setText(f"检查时出错：{error}")
        self._show_outcome()
        super()._failed(error)

    def _show_outcome(self) -> None:
        result = self.result
        self.breakdown.setVisible(result is not None)
        self.details.setVisible(result is not None)
        self.warning_list.setVisible(bool(result and result.warnings))
        self.problem_list.setVisible(bool(self.problems))
        self.hint.setVisible(bool(self.problems))
        self.problem_list.clear()
        self.problem_list.addItems(self.problems)
        self.warning_list.clear()
        if result is None:
            return
        self.headline.setText(
            f"可以导入：{result.count} 条，合计 {format_yuan(result.total_fen, thousands=True)} 元"
            f"（{to_capital(result.total_fen)}）。点“开始导入”写入台账。"
        )
        self._fill_breakdown(result)
        lines = [f"文件：{result.file_name}", f"其中新登记的人员 {result.new_people} 人"]
        if result.skipped_rows:
            lines.append(f"跳过空行 {result.skipped_rows} 行")
        if result.warnings:
            lines.append(f"以下 {len(result.warnings)} 处不妨碍导入，但请核实：")
        self.details.setText("\n".join(lines))
        self.warning_list.addItems(result.warnings)

    def _fill_breakdown(self, result: ImportResult) -> None:
        table = self.breakdown
        table.setRowCount(len(result.by_subsidy))
        for row, (name, (count, total)) in enumerate(sorted(result.by_subsidy.items())):
            cells = (name, str(count), format_yuan(total, thousands=True))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
        shown_rows = min(table.rowCount(), _BREAKDOWN_ROWS)
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(row) for row in range(shown_rows))
        table.setFixedHeight(height)


class ImportPage(_RunningPage):
    """Step 3: the import itself, then what was written."""

    stop_text = "取消导入"

    def __init__(self, context: ImportContext, runner: TaskRunner, file_page: FilePage) -> None:
        super().__init__(context, runner, file_page)
        self.setTitle("第三步：导入")
        self.setSubTitle("正在写入台账。取消后不会写入任何数据。")
        self.result: ImportResult | None = None
        self.outcome = ""  # "imported", "cancelled" or "refused"
        self.problem_list = _list_widget()
        self.problem_list.setVisible(False)
        self.layout_.addWidget(self.problem_list)
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        self.result, self.outcome = None, ""
        self.run(dry_run=False)

    def isComplete(self) -> bool:
        return bool(self.outcome)

    def _succeeded(self, result: ImportResult) -> None:
        self.result, self.outcome = result, "imported"
        self.setSubTitle("导入完成。")
        batch = f"（第 {result.batch_id} 批）" if result.batch_id else ""
        self.headline.setText(
            f"已导入 {result.count} 条，合计 {format_yuan(result.total_fen, thousands=True)} 元{batch}。"
        )
        super()._succeeded(result)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.outcome = "cancelled"
            self.setSubTitle("已取消。")
            self.headline.setText(error.message)
        else:
            self.outcome = "refused"
            self.setSubTitle("没有导入。")
            if isinstance(error, ServiceError):
                self.headline.setText(error.message)
                lines = [line for line in error.problems if line != error.message]
                self.problem_list.addItems(lines)
                self.problem_list.setVisible(bool(lines))
            else:
                self.headline.setText(f"导入时出错，没有写入任何数据：{error}")
        super()._failed(error)


class ImportWizard(QWizard):
    def __init__(self, context: ImportContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入发放明细")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        for button, text in _BUTTON_TEXTS.items():
            self.setButtonText(button, text)
        self.file_page = FilePage(context)
        self.check_page = CheckPage(context, runner, self.file_page)
        self.import_page = ImportPage(context, runner, self.file_page)
        for page in (self.file_page, self.check_page, self.import_page):
            self.addPage(page)
        self._closing = False
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("汉") * 60, metrics.lineSpacing() * 34)

    def imported(self) -> ImportResult | None:
        return self.import_page.result

    def reject(self) -> None:
        """Closing while a worker runs: cancel it and close once it has rolled back."""
        running = [page for page in (self.check_page, self.import_page) if page.running()]
        if running:
            self._closing = True
            for page in running:
                page.stop()
            return
        super().reject()

    def task_settled(self) -> None:
        if self._closing:
            self._closing = False
            super().reject()
