"""The selectors above the ledger: village, month, subsidy type, group, and the name search."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QWidget

from app.core.periods import format_month_zh
from app.services.ledger_filter import LedgerFilter

if TYPE_CHECKING:
    from app.services.subsidies import SubsidyInfo
    from app.ui.ledger_choices import VillageDetail

ALL_MONTHS = "全部月份"
ALL_SUBSIDIES = "全部补贴项目"
ALL_GROUPS = "全部组"
NO_VILLAGE = "（还没有村）"
SEARCH_HINT = "姓名或拼音首字母，如 zs"


def _combo(minimum_chars: int) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setMinimumContentsLength(minimum_chars)
    return combo


class FilterBar(QWidget):
    village_changed = Signal(int)
    filter_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.village = _combo(6)
        self.month = _combo(8)
        self.subsidy = _combo(10)
        self.group = _combo(5)
        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance(SEARCH_HINT) + 40)
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        for label, widget in (
            ("村：", self.village),
            ("月份：", self.month),
            ("补贴项目：", self.subsidy),
            ("组别：", self.group),
            ("查找：", self.search),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            layout.addWidget(caption)
            layout.addWidget(widget)
        self.village.addItem(NO_VILLAGE, None)
        self.month.addItem(ALL_MONTHS, None)
        self.subsidy.addItem(ALL_SUBSIDIES, None)
        self.group.addItem(ALL_GROUPS, None)
        self.village.currentIndexChanged.connect(self._village_picked)
        for combo in (self.month, self.subsidy, self.group):
            combo.currentIndexChanged.connect(self.filter_changed)
        self.search.textChanged.connect(self.filter_changed)

    # --- filling -----------------------------------------------------------------------------
    def set_villages(self, villages: Sequence[tuple[int, str]], selected: int | None) -> None:
        with _Quiet(self.village):
            self.village.clear()
            if not villages:
                self.village.addItem(NO_VILLAGE, None)
            for village_id, name in villages:
                self.village.addItem(name, village_id)
            _select_data(self.village, selected)

    def set_subsidies(self, subsidies: Sequence[SubsidyInfo]) -> None:
        with _Quiet(self.subsidy):
            current = self.subsidy.currentData()
            self.subsidy.clear()
            self.subsidy.addItem(ALL_SUBSIDIES, None)
            for info in subsidies:
                self.subsidy.addItem(info.name, info.id)
            _select_data(self.subsidy, current)

    def set_detail(self, detail: VillageDetail | None, keep_month: bool) -> None:
        """keep_month: after an edit, stay on the month shown; on a new village, show its newest month."""
        current_month = self.month.currentData() if keep_month else None
        current_group = self.group.currentData() if keep_month else None
        months = detail.months if detail else []
        with _Quiet(self.month), _Quiet(self.group):
            self.month.clear()
            self.month.addItem(ALL_MONTHS, None)
            for month in months:
                self.month.addItem(format_month_zh(month), month)
            if keep_month:
                _select_data(self.month, current_month)
            elif months:
                self.month.setCurrentIndex(1)
            self.group.clear()
            self.group.addItem(ALL_GROUPS, None)
            for group_id, name in detail.groups if detail else []:
                self.group.addItem(name, group_id)
            _select_data(self.group, current_group)

    def select_month(self, month: dt.date | None) -> bool:
        """Show this month (None: 全部月份) if the village has it (e.g. the one just imported); True
        when it did."""
        matches = [i for i in range(self.month.count()) if self.month.itemData(i) == month]
        if matches:
            with _Quiet(self.month):
                self.month.setCurrentIndex(matches[0])
        return bool(matches)

    # --- reading -----------------------------------------------------------------------------
    def village_id(self) -> int | None:
        return self.village.currentData()

    def village_name(self) -> str:
        return self.village.currentText() if self.village_id() is not None else ""

    def selected_month(self) -> dt.date | None:
        return self.month.currentData()

    def selected_subsidy(self) -> int | None:
        return self.subsidy.currentData()

    def current_filter(self) -> LedgerFilter | None:
        village_id = self.village_id()
        if village_id is None:
            return None
        return LedgerFilter(
            village_id=village_id,
            period=self.selected_month(),
            text=self.search.text().strip(),
            subsidy_type_id=self.subsidy.currentData(),
            group_id=self.group.currentData(),
        )

    def describe(self) -> str:
        """'桃源村 2026年10月 最低生活保障金' for titles and messages."""
        parts = [self.village_name()]
        for combo, everything in ((self.month, ALL_MONTHS), (self.subsidy, ALL_SUBSIDIES), (self.group, ALL_GROUPS)):
            if combo.currentData() is not None:
                parts.append(combo.currentText())
            elif combo is self.month:
                parts.append(everything)
        return " ".join(part for part in parts if part)

    def _village_picked(self) -> None:
        village_id = self.village_id()
        if village_id is not None:
            self.village_changed.emit(village_id)


def _select_data(combo: QComboBox, data: object) -> None:
    """Select the item holding `data`, else the first one. (findData cannot match Python dates.)"""
    matches = [i for i in range(combo.count()) if data is not None and combo.itemData(i) == data]
    combo.setCurrentIndex(matches[0] if matches else 0)


class _Quiet:
    """Refill a combo box without announcing every intermediate selection."""

    def __init__(self, combo: QComboBox) -> None:
        self._combo = combo

    def __enter__(self) -> None:
        self._combo.blockSignals(True)

    def __exit__(self, *_: object) -> None:
        self._combo.blockSignals(False)
