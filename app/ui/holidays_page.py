"""“节假日”: per year, the official rest days and swapped working days (调休上班), typed or pasted.

domain.md, "Working days": counting "N 个工作日" needs the official calendar, published each November
for the next year; the calendar package knows the years up to its release. For a later year the
township enters the dates here (one a line, or separated by commas, spaces or tabs, as copied from an
Excel column or the State Council notice: 2027-01-01, 2027/1/1, 2027年1月1日). A line that cannot be
read is named with its text and nothing is saved (app.services.holidays).

Thin: reading and saving run off the GUI thread (app.ui.background).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.holidays import FIRST_YEAR, LAST_YEAR, WEEKDAYS, HolidayYear, holiday_year, save_pasted, stored_years
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table

STORED_HEADERS = ("年份", "放假日期", "调休上班", "日历数据")
EXAMPLE = "每行一个日期，或用逗号、空格分隔；可直接从 Excel 的一列或国务院办公厅通知中复制粘贴。"


def day_text(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"


def package_text(found: HolidayYear) -> str:
    if found.package_knows:
        return "已含（以录入的为准）"
    return "不含（用录入的日期）"


class HolidaysPage(QDialog):
    def __init__(self, db: Database, actor: str, parent: QWidget | None = None, year: int | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.runner = TaskRunner(self)
        self.found: HolidayYear | None = None
        self._reading: Task | None = None
        self.setWindowTitle("节假日和调休设置")
        today = today or dt.date.today()

        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, LAST_YEAR)
        self.year.setValue(year or today.year + 1)  # published each November for the next year
        self.year.setSuffix(" 年")
        top = QHBoxLayout()
        top.addWidget(QLabel("年份："))
        top.addWidget(self.year)
        top.addStretch(1)
        self.calendar_note = QLabel()
        self.calendar_note.setWordWrap(True)
        self.stored_note = QLabel()
        self.stored_note.setWordWrap(True)

        self.holidays = QPlainTextEdit()
        self.holidays.setPlaceholderText("如：\n2027-01-01\n2027/2/8\n2027年2月9日")
        self.workdays = QPlainTextEdit()
        self.workdays.setPlaceholderText("如：\n2027-02-14\n2027-02-20")
        self.holiday_count = QLabel()
        self.workday_count = QLabel()
        lists = QGridLayout()
        lists.addWidget(QLabel("放假日期（工作日放假的日子）："), 0, 0)
        lists.addWidget(QLabel("调休上班日期（周六、周日上班的日子）："), 0, 1)
        lists.addWidget(self.holidays, 1, 0)
        lists.addWidget(self.workdays, 1, 1)
        lists.addWidget(self.holiday_count, 2, 0)
        lists.addWidget(self.workday_count, 2, 1)
        lists.setRowStretch(1, 1)
        hint = QLabel(EXAMPLE)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")

        self.stored = read_only_table(STORED_HEADERS, stretch=1)
        self.stored.setMaximumHeight(150)
        self.save_button = QPushButton("保存")
        self.reload_button = QPushButton("重新读取")
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.calendar_note)
        layout.addWidget(self.stored_note)
        layout.addWidget(hint)
        layout.addLayout(lists, 1)
        layout.addWidget(QLabel("已保存的年份："))
        layout.addWidget(self.stored)
        layout.addLayout(buttons)

        self.year.valueChanged.connect(lambda *_: self.reload())
        self.reload_button.clicked.connect(lambda: self.reload())
        self.save_button.clicked.connect(self.save)
        self.stored.itemSelectionChanged.connect(self._stored_chosen)
        self.stored_rows: list[HolidayYear] = []
        fit_to_screen(self, 860, 600)
        self.reload()

    # --- reading ---------------------------------------------------------------------------------
    def reload(self, status: str | None = None) -> None:
        year, db = self.year.value(), self.db
        if self._reading is not None:
            self._reading.drop()
        self.save_button.setEnabled(False)
        self.status.setText("正在读取……")
        self._reading = self.runner.start(
            lambda task: (holiday_year(db, year), stored_years(db)),
            on_success=lambda found: self._arrived(found[0], found[1], status),
            on_failure=self._read_failed, lane="read")

    def _read_failed(self, error: BaseException) -> None:
        self._reading = None
        self.status.setText("")
        messages.failed(self, "无法读取", "读取节假日时出错", error)

    def _arrived(self, found: HolidayYear, stored: list[HolidayYear], status: str | None) -> None:
        self._reading = None
        self.found = found
        self.save_button.setEnabled(True)
        if found.package_knows:
            self.calendar_note.setText(
                f"日历数据已含 {found.year} 年的官方放假和调休安排，一般不必录入；在这里保存的日期会代替它。")
        elif found.stored:
            self.calendar_note.setText(f"日历数据不含 {found.year} 年（只到 {found.package_last_year} 年）："
                                       "按工作日计算公示期时，用下面保存的日期。")
        else:
            self.calendar_note.setText(
                f"日历数据不含 {found.year} 年（只到 {found.package_last_year} 年）：请按国务院办公厅的放假通知"
                f"录入 {found.year} 年的放假日期和调休上班日期，否则按工作日计算的公示期无法核对。")
        self.calendar_note.setStyleSheet("" if found.package_knows or found.stored else messages.PROBLEM_STYLE)
        if found.stored:
            self.stored_note.setText(f"已保存 {found.year} 年：放假 {len(found.holidays)} 天，"
                                     f"调休上班 {len(found.workdays)} 天（见下面两栏，可修改后再保存）。")
        else:
            self.stored_note.setText(f"还没有保存 {found.year} 年的节假日。")
        self.holidays.setPlainText("\n".join(day_text(d) for d in found.holidays))
        self.workdays.setPlainText("\n".join(day_text(d) for d in found.workdays))
        self.holiday_count.setText(f"共 {len(found.holidays)} 天" if found.stored else "")
        self.workday_count.setText(f"共 {len(found.workdays)} 天" if found.stored else "")
        self.stored_rows = stored
        self.stored.blockSignals(True)
        fill_rows(self.stored, [
            (f"{y.year} 年", self._short(y.holidays), self._short(y.workdays), package_text(y)) for y in stored
        ])
        self.stored.blockSignals(False)
        self.status.setText(status or "")

    @staticmethod
    def _short(days: tuple[dt.date, ...]) -> str:
        shown = "、".join(f"{d.month}月{d.day}日" for d in days[:8])
        return f"{len(days)} 天：{shown}{'……' if len(days) > 8 else ''}" if days else "无"

    def _stored_chosen(self) -> None:
        rows = self.stored.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.stored_rows):
            self.year.setValue(self.stored_rows[rows[0].row()].year)

    # --- saving ----------------------------------------------------------------------------------
    def save(self) -> None:
        year, db, actor = self.year.value(), self.db, self.actor
        holidays, workdays = self.holidays.toPlainText(), self.workdays.toPlainText()
        self.save_button.setEnabled(False)
        self.status.setText("正在保存……")

        def saved(found: HolidayYear) -> None:
            self.reload(status=f"已保存 {found.year} 年节假日：放假 {len(found.holidays)} 天，"
                               f"调休上班 {len(found.workdays)} 天")

        def refused(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("没有保存：请按提示修改。")
            messages.failed(self, "没有保存", "保存节假日时出错", error)

        self.runner.start(lambda task: save_pasted(db, year, holidays, workdays, actor), on_success=saved,
                          on_failure=refused, lane="write")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
