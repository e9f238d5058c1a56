"""本月工作: where the village's month stands, what the catalog asks for, and the next step as a button.

The clerk opens the program and reads what to do; township staff tick 全乡镇 and see every village's
month in the same terms. Thin: app.services.month_status computes it, off the GUI thread.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.disclosure import for_output
from app.core.money import format_yuan
from app.core.month_stages import MonthState, NextStep, Stage
from app.core.periods import format_month_zh
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.table_helpers import fill_rows, read_only_table

STAGES = tuple(Stage)
DUE_HEADERS = ("公开事项", "本月要求", "状态")
TOWNSHIP_HEADERS = ("村", "本月进度", "发放记录", "金额（元）", "待核对", "逾期事项", "下一步")
_STAGE_COLOURS = {Stage.NOT_IMPORTED: "#F8CBAD", Stage.TO_CHECK: "#FFE699", Stage.TO_PREVIEW: "#FFF2CC",
                  Stage.TO_POST: "#FFF2CC",
                  Stage.POSTED: "#DDEBF7", Stage.FILED: "#C6EFCE"}


class HomePage(QWidget):
    step_requested = Signal(object)  # NextStep: the window opens the page that does it
    village_picked = Signal(int)  # a row of the township table: show that village

    def __init__(self, db, runner: TaskRunner, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.today = today or dt.date.today()
        self.village_id: int | None = None
        self.period = self.today.replace(day=1)
        self.state: MonthState | None = None
        self.township: list[MonthState] = []
        self._reading: Task | None = None

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.stages = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.next_button = QPushButton()
        self.next_button.setMinimumHeight(34)
        self.next_button.setVisible(False)  # until the month's state says what the next step is
        self.next_button.clicked.connect(self._next_clicked)
        self.due_table = read_only_table(DUE_HEADERS, stretch=1)
        self.whole_township = QCheckBox("全乡镇各村")
        self.whole_township.toggled.connect(lambda *_: self.reload())
        self.township_table = read_only_table(TOWNSHIP_HEADERS, stretch=6)
        self.township_table.setVisible(False)
        self.township_table.doubleClicked.connect(self._township_row_opened)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.whole_township)
        step = QHBoxLayout()
        step.addWidget(self.next_button)
        step.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stages)
        layout.addWidget(self.summary)
        layout.addLayout(step)
        layout.addWidget(QLabel("本月应公开的事项："))
        layout.addWidget(self.due_table, 1)
        layout.addWidget(self.township_table, 2)

    def show_opening(self, village: str, period: dt.date) -> None:
        """While the database opens (the window's first rows are in): which month is coming."""
        self.heading.setText(for_output(f"{village} · {format_month_zh(period)}"))
        self.summary.setText("正在打开数据库，读取本月进度…")

    def show_month(self, village_id: int | None, period: dt.date, reread: bool = True) -> None:
        """The ledger's village and month; read again when they changed or `reread` says the data did
        (the window calls this on every filter change, a name typed letter by letter included)."""
        if not reread and (village_id, period) == (self.village_id, self.period) and (self.state or self.township):
            return
        self.village_id, self.period = village_id, period
        self.reload()

    def reload(self) -> None:
        if self._reading is not None:
            self._reading.drop()
        if self.village_id is None and not self.whole_township.isChecked():
            self.heading.setText("请先添加村（村 → 添加村…），或在 设置 中填写乡镇和各村")
            self.next_button.setVisible(False)
            return
        db, period, today = self.db, self.period, self.today
        village_id = None if self.whole_township.isChecked() else self.village_id
        from app.services.month_status import month_states  # SQLAlchemy: not on the way to the first paint

        self._reading = self.runner.start(lambda task: month_states(db, period, today, village_id),
                                          on_success=self._arrived, on_failure=self._failed, lane="home")

    def _arrived(self, states: list[MonthState]) -> None:
        self._reading = None
        self.township = states
        mine = next((s for s in states if s.village_id == self.village_id), None)
        self.state = mine
        township = self.whole_township.isChecked()
        self.township_table.setVisible(township)
        if township:
            fill_rows(self.township_table, [
                (s.village, s.stage.value, str(s.payouts), format_yuan(s.total_fen, thousands=True),
                 str(s.to_check) if s.to_check else "", str(s.overdue) if s.overdue else "", s.next_step.value)
                for s in states], [_STAGE_COLOURS[s.stage] for s in states])
        if mine is None:
            self.heading.setText(f"全乡镇 {format_month_zh(self.period)}")
            self.next_button.setVisible(False)
            fill_rows(self.due_table, [])
            return
        self.heading.setText(for_output(f"{mine.village} · {format_month_zh(mine.period)}：{mine.stage.value}"))
        self.stages.setText(" → ".join(f"【{s.value}】" if s is mine.stage else s.value for s in STAGES))
        self.summary.setText(_summary(mine))
        self.next_button.setText(mine.next_step.value)
        self.next_button.setVisible(True)
        self.next_button.setEnabled(mine.next_step is not NextStep.NONE)
        fill_rows(self.due_table, list(mine.due_items))

    def _failed(self, error: BaseException) -> None:
        self._reading = None
        messages.failed(self, "本月工作", "没有读出本月的进度", error)

    def _next_clicked(self) -> None:
        if self.state is not None:
            self.step_requested.emit(self.state.next_step)

    def _township_row_opened(self, index) -> None:
        if 0 <= index.row() < len(self.township):
            self.village_picked.emit(self.township[index.row()].village_id)


def _summary(state: MonthState) -> str:
    parts = []
    if state.payouts:
        parts.append(f"发放记录 {state.payouts} 条，合计 {format_yuan(state.total_fen, thousands=True)} 元")
    if state.to_check:
        parts.append(f"其中 {state.to_check} 条金额超过乡镇设定的核对标准，请逐条核对")
    if state.posted_on:
        parts.append(f"公开表已于 {state.posted_on.isoformat()} 张贴")
    if state.corrections_waiting:
        parts.append(f"有 {state.corrections_waiting} 条更正将列入下次张贴的公开表")
    if state.overdue:
        parts.append(f"本月有 {state.overdue} 项应公开事项已逾期")
    return "；".join(parts) + ("。" if parts else "本月还没有发放记录。")
