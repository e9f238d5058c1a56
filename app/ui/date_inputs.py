"""Month and day inputs that speak Python dates (months are the month's first day, as in the ledger)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget

_EARLIEST = QDate(2000, 1, 1)
_LATEST = QDate(2099, 12, 31)


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class MonthEdit(QDateEdit):
    def __init__(self, month: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy年M月")
        self.setDateRange(_EARLIEST, _LATEST)
        self.set_month(month)

    def month(self) -> dt.date:
        return from_qdate(self.date()).replace(day=1)

    def set_month(self, month: dt.date) -> None:
        self.setDate(to_qdate(month.replace(day=1)))


class DayEdit(QDateEdit):
    def __init__(self, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setCalendarPopup(True)
        self.setDateRange(_EARLIEST, _LATEST)
        self.setDate(to_qdate(day))

    def day(self) -> dt.date:
        return from_qdate(self.date())
