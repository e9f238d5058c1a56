"""“操作日志”: who changed what, for township staff — filtered by village, person and dates — and 校验,
which walks the log's hash chain (optionally with a code from a posted sheet's footer) and says in
Chinese whether the log is intact or which entry was changed, deleted or inserted.

Thin: listing and verifying are app.services.audit (as `cunwu audit list|verify`), run off the GUI
thread (app.ui.background); the table is filled through app.ui.table_helpers (the disclosure gate).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.audit import AuditListing, Verification, actors, list_entries, verify
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.date_inputs import DayEdit
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table

HEADERS = ("编号", "时间", "操作人", "村", "操作", "对象", "内容")
ALL_VILLAGES = "全部村（含乡镇）"
ANYONE = "全部操作人"
SHOWN = 1000  # newest entries shown; the filters narrow the rest down
OK_COLOUR, BROKEN_COLOUR = "#1E7B34", "#B00020"


class AuditPage(QDialog):
    def __init__(self, db: Database, villages: list[str], parent: QWidget | None = None,
                 village: str | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.runner = TaskRunner(self)
        self.listing: AuditListing | None = None
        self.verification: Verification | None = None
        self._reading: Task | None = None
        self.setWindowTitle("操作日志")
        today = today or dt.date.today()

        self.village = QComboBox()
        self.village.addItem(ALL_VILLAGES, None)
        for name in villages:
            self.village.addItem(name, name)
        if village and village in villages:
            self.village.setCurrentIndex(villages.index(village) + 1)
        self.person = QComboBox()
        self.person.setEditable(True)
        self.person.addItem(ANYONE)
        self.person.setMinimumContentsLength(8)
        self.person.lineEdit().setPlaceholderText("姓名")
        self.by_date = QCheckBox("按日期：")
        self.start = DayEdit(today.replace(day=1))
        self.end = DayEdit(today)
        self.search = QPushButton("查询")
        top = QHBoxLayout()
        for widget in (QLabel("村："), self.village, QLabel("操作人："), self.person, self.by_date, self.start,
                       QLabel("至"), self.end, self.search):
            top.addWidget(widget)
        top.addStretch(1)

        self.code = QLineEdit()
        self.code.setPlaceholderText("公开表页脚的校验码（可不填），如 KMTX-ACPR-DEFH")
        self.check = QPushButton("校验")
        self.check.setToolTip("逐条核对操作日志的校验链：找出第一条被改动、删除或插入的记录")
        checking = QHBoxLayout()
        checking.addWidget(QLabel("校验操作日志："))
        checking.addWidget(self.code, 1)
        checking.addWidget(self.check)

        self.table = read_only_table(HEADERS, stretch=6)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(checking)
        layout.addWidget(self.result)

        self.search.clicked.connect(self.reload)
        self.village.currentIndexChanged.connect(lambda *_: self.reload())
        self.person.activated.connect(lambda *_: self.reload())
        self.person.lineEdit().returnPressed.connect(self.reload)
        self.by_date.toggled.connect(self._dates_enabled)
        self.by_date.toggled.connect(lambda *_: self.reload())
        self.check.clicked.connect(self.run_check)
        self._dates_enabled(False)
        fit_to_screen(self, 1180, 680)
        self._load_people()
        self.reload()

    def _dates_enabled(self, on: bool) -> None:
        self.start.setEnabled(on)
        self.end.setEnabled(on)

    def _load_people(self) -> None:
        db = self.db

        def arrived(names: list[str]) -> None:
            typed = self.person.currentText()
            self.person.blockSignals(True)
            self.person.clear()
            self.person.addItem(ANYONE)
            self.person.addItems(names)
            self.person.setEditText(typed)
            self.person.blockSignals(False)

        self.runner.start(lambda task: actors(db), on_success=arrived,
                          on_failure=lambda error: None, lane="choices")

    def filters(self) -> tuple[str | None, str | None, dt.date | None, dt.date | None]:
        who = self.person.currentText().strip()
        dated = self.by_date.isChecked()
        return (self.village.currentData(), None if who in ("", ANYONE) else who,
                self.start.day() if dated else None, self.end.day() if dated else None)

    def reload(self) -> None:
        db = self.db
        village, who, start, end = self.filters()
        if self._reading is not None:
            self._reading.drop()
        self.status.setText("正在读取……")
        self._reading = self.runner.start(
            lambda task: list_entries(db, village, who, start, end, limit=SHOWN, newest_first=True),
            on_success=self._arrived, on_failure=self._failed, lane="read")

    def _failed(self, error: BaseException) -> None:
        self._reading = None
        self.listing = None
        self.status.setText("")
        fill_rows(self.table, [])
        messages.failed(self, "操作日志", "读取操作日志时出错", error)

    def _arrived(self, listing: AuditListing) -> None:
        self._reading = None
        self.listing = listing
        fill_rows(self.table, [
            (str(e.id), e.time_text, e.actor, e.village or "—", e.action_label, e.subject, e.change_text)
            for e in listing.entries
        ])
        shown = len(listing.entries)
        more = f"，只显示最近的 {shown} 条（请用上面的条件缩小范围）" if listing.total > shown else ""
        self.status.setText(f"共 {listing.total} 条{more}")

    def run_check(self) -> None:
        db = self.db
        codes = [self.code.text().strip()] if self.code.text().strip() else []
        self.check.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText("正在校验……")
        self.runner.start(lambda task: verify(db, codes), on_success=self._checked, on_failure=self._check_failed,
                          lane="verify")

    def _check_failed(self, error: BaseException) -> None:
        self.check.setEnabled(True)
        self.result.setText("")
        messages.failed(self, "校验", "校验操作日志时出错", error)

    def _checked(self, result: Verification) -> None:
        self.check.setEnabled(True)
        self.verification = result
        self.result.setStyleSheet(f"color: {OK_COLOUR if result.ok else BROKEN_COLOUR}; font-weight: bold;")
        self.result.setText(result.summary)
        if result.ok:
            messages.inform(self, "校验", result.summary)
        else:
            messages.warn(self, "校验", result.summary,
                          "操作日志只能由本程序追加。请保留数据库文件和备份，并报告乡镇管理员。")
