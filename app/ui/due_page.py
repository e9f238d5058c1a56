"""“应公开事项”: what each catalog item asks for in a month or quarter, what was posted, and whether on
time — one village or the whole township, colour-coded; a row opens that village's notices of the item.

Thin: the computation is app.services.due (as `cunwu due`); it and the Excel export run off the GUI
thread (app.ui.background).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import DueStatus
from app.services.due import DueLine, DueReport, due_report
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.date_inputs import DayEdit, MonthEdit
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table, selected_index, with_suffix

LINE_HEADERS = ("状态", "村", "编号", "公开事项", "本期要求", "截止日期", "已公开内容")
SCORE_HEADERS = ("村", "应公开事项", "按时完成", "逾期完成", "未公开（已逾期）", "未到期", "完成率")
# The same colours as the evaluation workbook (app.outputs.due_xlsx), so screen and paper agree.
STATUS_COLOURS = {
    DueStatus.DONE: "#C6EFCE",
    DueStatus.LATE: "#FFE699",
    DueStatus.DUE_SOON: "#FFF2CC",
    DueStatus.OVERDUE: "#F8CBAD",
    DueStatus.PENDING: None,
    DueStatus.AS_NEEDED: "#EDEDED",
}
TOWNSHIP = "全乡镇（所有村）"


class DuePage(QDialog):
    def __init__(self, db: Database, village: str | None, actor: str, parent: QWidget | None = None,
                 month: dt.date | None = None, today: dt.date | None = None, township: bool = True) -> None:
        """`township`: offer the whole township's view (not to a clerk, who sees only their villages)."""
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.runner = TaskRunner(self)
        self.report: DueReport | None = None
        self._reading: Task | None = None
        self.notices_page = None
        self.setWindowTitle("应公开事项完成情况")
        today = today or dt.date.today()

        self.month = MonthEdit(month or today.replace(day=1))
        self.quarter = QCheckBox("按季度（该月所在季度）")
        self.scope = QComboBox()
        if village:
            self.scope.addItem(f"本村（{village}）", village)
        if township or not village:
            self.scope.addItem(TOWNSHIP, None)
        self.today = DayEdit(today)
        self.today.setToolTip("按这一天判断“即将到期”“已逾期”")
        top = QHBoxLayout()
        for widget in (QLabel("月份："), self.month, self.quarter, QLabel("范围："), self.scope,
                       QLabel("统计日："), self.today):
            top.addWidget(widget)
        top.addStretch(1)
        self.export_button = QPushButton("导出 Excel…")
        top.addWidget(self.export_button)

        legend = QHBoxLayout()
        legend.addWidget(QLabel("颜色："))
        for status, colour in STATUS_COLOURS.items():
            sample = QLabel(f" {status.label} ")
            sample.setStyleSheet(f"background: {colour or '#FFFFFF'}; border: 1px solid #BBB; padding: 1px 4px;")
            legend.addWidget(sample)
        legend.addStretch(1)
        legend.addWidget(QLabel("双击一行：打开该村这一事项的公示"))

        self.scores = read_only_table(SCORE_HEADERS)
        self.scores.horizontalHeader().setStretchLastSection(True)
        self.table = read_only_table(LINE_HEADERS, stretch=6)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.scores)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addLayout(legend)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        for signal in (self.month.dateChanged, self.quarter.toggled, self.scope.currentIndexChanged,
                       self.today.dateChanged):
            signal.connect(lambda *_: self.reload())
        self.table.doubleClicked.connect(lambda *_: self.open_item())
        self.export_button.clicked.connect(self.export)
        fit_to_screen(self, 1240, 720)
        self.reload()

    def reload(self) -> None:
        """Compute the report in a worker (every village's catalog and postings: not on the GUI thread)."""
        db, month, today = self.db, self.month.month(), self.today.day()
        quarter, village = self.quarter.isChecked(), self.scope.currentData()
        if self._reading is not None:
            self._reading.drop()
        self.status.setText("正在统计……")
        self._reading = self.runner.start(lambda task: due_report(db, month, today, quarter, village),
                                          on_success=self._arrived, on_failure=self._failed, lane="read")

    def _failed(self, error: BaseException) -> None:
        self._reading = None
        self.report = None
        self.status.setText("")
        fill_rows(self.table, [])
        fill_rows(self.scores, [])
        messages.failed(self, "无法统计", "统计时出错", error)

    def _arrived(self, report: DueReport) -> None:
        self._reading = None
        self.report = report
        self.title.setText(f"{report.title}应公开事项（统计日 {report.today.isoformat()}）")
        fill_rows(self.table, [
            (line.status.label, line.village, line.code, line.item, line.requirement,
             line.deadline.isoformat() if line.deadline else "—", "；".join(line.posted) or "（无）")
            for line in report.lines
        ], [STATUS_COLOURS[line.status] for line in report.lines])
        fill_rows(self.scores, [
            (s.village, str(s.due), str(s.on_time), str(s.late), str(s.missing), str(s.pending), s.rate_text)
            for s in report.scores()
        ])
        self._fit_scores()
        overdue = sum(line.status is DueStatus.OVERDUE for line in report.lines)
        soon = sum(line.status is DueStatus.DUE_SOON for line in report.lines)
        self.status.setText(f"共 {len(report.lines)} 项，已逾期 {overdue} 项，即将到期 {soon} 项")

    def _fit_scores(self) -> None:
        """The summary shows up to six villages without scrolling and takes no more room than that."""
        shown = max(1, min(self.scores.rowCount(), 6))
        height = (self.scores.horizontalHeader().height() + shown * self.scores.verticalHeader().defaultSectionSize()
                  + 2 * self.scores.frameWidth())
        self.scores.setMaximumHeight(height + 2)

    def line(self, row: int) -> DueLine | None:
        if self.report is None or not 0 <= row < len(self.report.lines):
            return None
        return self.report.lines[row]

    def open_item(self) -> None:
        """Through to the item: that village's notices of it, where a missing one can be drafted."""
        from app.ui.notices_page import NoticesPage

        index = selected_index(self.table)
        line = self.line(index) if index is not None else None
        if line is None:
            return
        page = NoticesPage(self.db, line.village, self.actor, self, item_code=line.code,
                           intro=f"{line.code} {line.item}：{line.requirement}，{line.status.label}")
        page.finished.connect(lambda *_: self.reload())  # a notice posted there changes the status here
        self.notices_page = page
        page.open()

    def export(self) -> None:
        report = self.report
        if report is None:
            return
        scope = self.scope.currentData() or "全乡镇"
        path, _ = QFileDialog.getSaveFileName(self, "导出 Excel", f"{scope}{report.title}村务公开测评.xlsx",
                                              "Excel 表格 (*.xlsx)")
        if not path:
            return
        out = with_suffix(path, ".xlsx")

        def work(task):
            from app.outputs.due_xlsx import write_due_xlsx

            write_due_xlsx(report, out)
            return f"已导出测评表：{out}"

        def failed(error: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.setText("")
            if isinstance(error, OSError):
                messages.warn(self, "没有导出", f"文件“{out}”无法写入：可能正在 Excel 中打开，或没有权限写这个文件夹。")
            else:
                messages.failed(self, "没有导出", "导出时出错", error)

        def done(sentence: str) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(sentence)

        self.export_button.setEnabled(False)
        self.status.setText("正在导出……")
        self.runner.start(work, on_success=done, on_failure=failed, lane="export")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
