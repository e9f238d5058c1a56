"""The import wizard: pick a county payout file → check it (nothing written) → import it.

Both the check and the import run `import_payouts` in a worker: the check with dry_run=True shows
either what would be imported (count, total, per subsidy) or every problem with its file, row and
column; the import writes all or nothing. Either can be cancelled; the service then raises
Cancelled and its transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.disclosure import for_output
from app.core.money import format_yuan, to_capital
from app.inputs.tabular import SUPPORTED_SUFFIXES
from app.services.errors import Cancelled, ServiceError
from app.services.importing import (
    ALL_SHEETS,
    ImportRequest,
    ImportResult,
    SheetChoiceNeeded,
    import_payouts,
)
from app.services.subsidies import SubsidyInfo
from app.storage.engine import Database
from app.ui.background import Task, TaskRunner
from app.ui.date_inputs import MonthEdit
from app.ui.table_helpers import fill_rows

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
        self.sheets: tuple[str, ...] = ()  # chosen on the check page when the file has several
        self.path_edit.textChanged.connect(self.completeChanged)
        self.path_edit.textChanged.connect(self._forget_sheets)

    def _forget_sheets(self) -> None:
        self.sheets = ()

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
            sheets=self.sheets,
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
        # A workbook with several payout sheets: the clerk picks one (or all, when they share a layout).
        self.sheet_box = QWidget()
        sheet_row = QHBoxLayout(self.sheet_box)
        sheet_row.setContentsMargins(0, 0, 0, 0)
        self.sheet_choice = QComboBox()
        self.sheet_button = QPushButton("检查所选工作表")
        self.sheet_button.clicked.connect(self._check_chosen_sheet)
        sheet_row.addWidget(QLabel("要导入的工作表："))
        sheet_row.addWidget(self.sheet_choice, 1)
        sheet_row.addWidget(self.sheet_button)
        self.sheet_box.setVisible(False)
        self.layout_.addWidget(self.sheet_box)
        for widget in (self.breakdown, self.details, self.warning_list, self.problem_list, self.hint):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self._show_outcome()

    def initializePage(self) -> None:
        self.result, self.problems = None, []
        self.sheet_box.setVisible(False)
        self._show_outcome()
        self.run(dry_run=True)

    def _offer_sheets(self, error: SheetChoiceNeeded) -> None:
        self.sheet_choice.clear()
        for name in error.sheets:
            self.sheet_choice.addItem(name, (name,))
        if error.same_layout:
            self.sheet_choice.addItem(f"全部 {len(error.sheets)} 个工作表（表头相同）", (ALL_SHEETS,))
        self.sheet_box.setVisible(True)

    def _check_chosen_sheet(self) -> None:
        self._file_page.sheets = tuple(self.sheet_choice.currentData() or ())
        self.result, self.problems = None, []
        self.sheet_box.setVisible(False)
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
        elif isinstance(error, SheetChoiceNeeded):
            self.headline.setText(
                f"文件中有 {len(error.sheets)} 个工作表都是发放明细，请选择要导入哪一个，再点“检查所选工作表”。"
            )
            self._offer_sheets(error)
        elif isinstance(error, ServiceError):
            self.headline.setText(for_output(error.message))
            self.problems = [line for line in error.problems if line != error.message]
        else:
            self.headline.setText("检查时出错，没有写入任何数据：程序遇到了意外情况，请把这个文件交给技术人员")
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
        self.problem_list.addItems([for_output(line) for line in self.problems])
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
        rows = [(name, str(count), format_yuan(total, thousands=True))
                for name, (count, total) in sorted(result.by_subsidy.items())]
        fill_rows(table, rows)  # the disclosure gate's sink for tables on screen
        for row in range(table.rowCount()):
            for column in (1, 2):
                table.item(row, column).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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
            self.headline.setText(for_output(error.message))
        else:
            self.outcome = "refused"
            self.setSubTitle("没有导入。")
            if isinstance(error, ServiceError):
                self.headline.setText(for_output(error.message))
                lines = [line for line in error.problems if line != error.message]
                self.problem_list.addItems([for_output(line) for line in lines])
                self.problem_list.setVisible(bool(lines))
            else:
                self.headline.setText("导入时出错，没有写入任何数据：程序遇到了意外情况，请把这个文件交给技术人员")
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
        from app.ui.table_helpers import fit_to_screen

        fit_to_screen(self, metrics.horizontalAdvance("汉") * 60, metrics.lineSpacing() * 34)

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
