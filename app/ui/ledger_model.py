"""The payout ledger as a lazy table model: pages of rows, filtered and sorted in SQL.

Only the rows the clerk has scrolled to are held, already masked for the screen (the `wall`
channel: full names, IDs as 140123********123X). Every query runs in the "ledger" worker lane: a sort
of 900,000 rows by name takes most of a second in SQLite and must not freeze the window. The rows on
screen stay until the new first page arrives, so changing a filter does not flash an empty table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.core.disclosure import Channel, MaskPolicy, for_output, policy_for
from app.outputs.masked_rows import HEADERS, DisplayRow, mask_record
from app.services.ledger_filter import DEFAULT_SORT, LedgerFilter
from app.ui.background import Task, TaskRunner

if TYPE_CHECKING:
    from app.storage.engine import Database

PAGE_SIZE = 500
# "record": the payout's record number (记录号), which `cunwu payouts correct ID` and the audit log name.
COLUMNS = ("name", "id_number", "group", "subsidy", "period", "amount", "pay_date", "standard", "note", "record")
HEADINGS = {**HEADERS, "record": "记录号"}
SCREEN_CHANNEL = Channel.WALL
LANE = "ledger"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_SENSITIVE_TIP = "敏感补贴项目：姓名和身份证号按最严格的规则遮掩"

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Query:
    filter: LedgerFilter
    sort: str
    descending: bool


def load_page(db: Database, query: Query, offset: int, policy: MaskPolicy) -> list[tuple[int, DisplayRow]]:
    """Worker side: one page, masked before it ever reaches the GUI thread."""
    from app.services.ledger import ledger_page  # SQLAlchemy: in the worker, after the first paint

    records = ledger_page(db, query.filter, offset, PAGE_SIZE, query.sort, query.descending)
    return [(record.payout_id, mask_record(record, policy)) for record in records]


class LedgerTableModel(QAbstractTableModel):
    page_loaded = Signal()  # after the rows of a page are in the model
    load_failed = Signal(str)
    loading_changed = Signal(bool)

    def __init__(self, db: Database | None, runner: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._db = db
        self._runner = runner
        self._policy = policy_for(SCREEN_CHANNEL)
        self._filter: LedgerFilter | None = None
        self._sort, self._descending = DEFAULT_SORT, False
        self._query: Query | None = None  # the query whose pages are shown or on their way
        self._ids: list[int] = []
        self._rows: list[DisplayRow] = []
        self._exhausted = True
        self._pending: Task | None = None
        self._pending_reset = False

    # --- what the window asks for ------------------------------------------------------------
    @property
    def query(self) -> Query | None:
        return self._query

    def attach(self, db: Database) -> None:
        """The database, once the window that was shown before it opened has it."""
        self._db = db

    def show_first(self, page: list[tuple[int, DisplayRow]]) -> None:
        """Rows read before the database was opened (MainWindow.show_first_rows): shown until the first
        query's own page replaces them; no more pages are fetched from them."""
        if self._query is None:
            self._replace(page, exhausted=True)

    def set_filter(self, flt: LedgerFilter | None) -> None:
        """None shows nothing (no village yet)."""
        self._filter = flt
        if flt is None:
            self._cancel_pending()
            self._query = None
            self._replace([], exhausted=True)
            return
        self._requery()

    def reload(self) -> None:
        if self._filter is not None:
            self._requery()

    def payout_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def display_row(self, row: int) -> DisplayRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def is_loading(self) -> bool:
        return self._pending is not None

    # --- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._ids[index.row()]) if key == "record" else for_output(getattr(row, key))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("amount", "record"):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and row.sensitive:
            return _SENSITIVE_TIP
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADINGS[COLUMNS[section]] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)  # 序号

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        wanted = (COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        if wanted == (self._sort, self._descending):
            return  # QTableView.sortByColumn asks twice: once itself, once through the header
        self._sort, self._descending = wanted
        if self._filter is not None:
            self._requery()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and self._pending is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent) and self._query is not None:
            self._start(self._query, offset=len(self._rows), reset=False)

    # --- loading -----------------------------------------------------------------------------
    def _requery(self) -> None:
        assert self._filter is not None
        self._cancel_pending()
        self._query = Query(self._filter, self._sort, self._descending)
        self._start(self._query, offset=0, reset=True)

    def _start(self, query: Query, offset: int, reset: bool) -> None:
        db, policy = self._db, self._policy
        self._pending_reset = reset
        self._pending = self._runner.start(
            lambda task: load_page(db, query, offset, policy),
            on_success=self._arrived,
            on_failure=self._failed,
            lane=LANE,
        )
        self.loading_changed.emit(True)

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.drop()
            self._pending = None

    def _arrived(self, page: list[tuple[int, DisplayRow]]) -> None:
        reset = self._pending_reset
        self._pending = None
        exhausted = len(page) < PAGE_SIZE
        if reset:
            self._replace(page, exhausted)
        elif page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._append(page)
            self._exhausted = exhausted
            self.endInsertRows()
        else:
            self._exhausted = True
        self.loading_changed.emit(False)
        self.page_loaded.emit()

    def _failed(self, error: BaseException) -> None:
        self._pending = None
        self._exhausted = True
        self.loading_changed.emit(False)
        self.load_failed.emit("读取台账时出错，请重试；如果一直出错，请联系技术人员。")

    def _replace(self, page: list[tuple[int, DisplayRow]], exhausted: bool) -> None:
        self.beginResetModel()
        self._ids, self._rows = [], []
        self._append(page)
        self._exhausted = exhausted
        self.endResetModel()

    def _append(self, page: list[tuple[int, DisplayRow]]) -> None:
        for payout_id, row in page:
            self._ids.append(payout_id)
            self._rows.append(row)
