"""The main window: selectors, the ledger table, the row actions and the status bar.

Thin: every read and write is a service call; every query runs in a worker (app.ui.background).

Built in two steps, so that a clerk on an old PC sees the window at once: the frame (title, menus,
toolbar, status bar) before the first paint, the body (filter bar, ledger table) right after it
(`build_body`). The frame touches neither PySide's `Qt` namespace (creating its ~90 enums costs more
than the frame itself) nor the domain modules; the import wizard, the Excel export and the dialogs
are imported when first used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget

from app import APP_TITLE
from app.services.errors import ServiceError
from app.ui import messages
from app.ui.background import Task, TaskRunner

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableView

    from app.outputs.masked_rows import DisplayRow
    from app.services.ledger_filter import LedgerFilter
    from app.services.subsidies import SubsidyInfo
    from app.storage.engine import Database
    from app.ui.filter_bar import FilterBar
    from app.ui.ledger_choices import LedgerChoices, VillageDetail
    from app.ui.ledger_model import LedgerTableModel
    from app.ui.payout_dialog import EntryContext

SUMMARY_DELAY_MS = 250  # a count over 900,000 rows is not worth running for every keystroke
_WIDTH_SAMPLES = {
    "name": "欧阳明明明",
    "id_number": "140123********123X",
    "group": "10组",
    "subsidy": "重度残疾人护理补贴",
    "period": "2026-10",
    "amount": "1234567.00",
    "pay_date": "2026-10-15",
    "standard": "560 元/月",
}
NO_VILLAGE_HINT = "还没有添加任何村：请点“村 → 添加村…”，然后导入或录入发放记录。"
OPENING_HINT = "正在打开数据库…"


def _summary(db: Database, flt: LedgerFilter) -> tuple[int, int]:
    from app.services.ledger import summarize

    with db.reading() as session:
        return summarize(session, flt)


class MainWindow(QMainWindow):
    def __init__(self, db: Database | None, actor: str | None = None, parent: QWidget | None = None) -> None:
        """Without a database only the frame is built, and it shows at once: the start-up path
        (app.ui.launch) calls `build_body` after the first paint, then opens the database and
        `attach`es it. With a database the whole window is built here."""
        super().__init__(parent)
        self.db = db
        self.actor = actor or ""
        self.runner = TaskRunner(self)
        self.subsidies: list[SubsidyInfo] = []
        self.villages: list[tuple[int, str]] = []
        self.detail: VillageDetail | None = None
        self.import_wizard = None
        self.bulletin_preview = None
        self.archive_page = None
        self.notices_page = None
        self.due_page = None
        self.choices_loaded = False
        self._summary_task: Task | None = None
        self._summary_for: LedgerFilter | None = None
        self._choices_task: Task | None = None
        self.filter_bar: FilterBar | None = None
        self.model: LedgerTableModel | None = None
        self.table: QTableView | None = None

        self.setWindowTitle(APP_TITLE)
        self._build_status_bar()
        self._build_actions()
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self._start_summary)
        self.resize(1200, 720)
        if db is None:
            self.statusBar().showMessage(OPENING_HINT)
            self._update_actions()
        else:
            self.build_body()
            self.attach(db, actor)

    def build_body(self) -> None:
        """The filter bar and the ledger table (and the domain modules behind them); once."""
        if self.table is not None:
            return
        from PySide6.QtCore import Qt

        from app.ui.filter_bar import FilterBar
        from app.ui.ledger_model import SCREEN_CHANNEL, LedgerTableModel

        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._set_shortcuts()
        self.filter_bar = FilterBar()
        self.model = LedgerTableModel(self.db, self.runner, self)
        self.table = self._build_table(self.model)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.mask_label.setText(f"屏幕显示按“{SCREEN_CHANNEL.label}”规则：身份证号已遮掩")

        self.filter_bar.village_changed.connect(self._village_picked)
        self.filter_bar.filter_changed.connect(self.apply_filter)
        self.model.loading_changed.connect(self._loading_changed)
        self.model.load_failed.connect(self._load_failed)
        self.model.modelReset.connect(self._update_actions)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self._update_actions()

    def attach(self, db: Database, actor: str | None = None) -> None:
        from app.services.audit import default_actor

        self.build_body()
        self.db = db
        self.actor = actor or self.actor or default_actor()
        self.model.attach(db)
        self.statusBar().clearMessage()
        self._show_open_mode()
        self._update_actions()
        self.load_choices()

    def _titled(self, title: str) -> str:
        reason = self.db.read_only_reason if self.db is not None else None
        return f"{title}（只读：{reason}）" if reason else title

    def _show_open_mode(self) -> None:
        """A database opened read-only says so in the title and, for good, in the status bar."""
        self.setWindowTitle(self._titled(APP_TITLE))
        if self.db.read_only_reason:
            label = QLabel(f"只读：{self.db.read_only_reason}，不能修改")
            label.setStyleSheet("color: #a40000;")
            self.statusBar().addPermanentWidget(label)

    # --- building ----------------------------------------------------------------------------
    def _set_shortcuts(self) -> None:
        # With the body: a key sequence makes PySide build its whole `Qt` namespace.
        for action, keys in (
            (self.add_action, "Ctrl+N"),
            (self.edit_action, "Ctrl+E"),
            (self.delete_action, QKeySequence.StandardKey.Delete),
            (self.import_action, "Ctrl+I"),
            (self.bulletin_action, "Ctrl+P"),
            (self.refresh_action, "F5"),
            (self.quit_action, "Ctrl+Q"),
        ):
            action.setShortcut(QKeySequence(keys))

    def _build_table(self, model: LedgerTableModel) -> QTableView:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

        from app.ui.ledger_model import COLUMNS

        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSortIndicator(COLUMNS.index("period"), Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = table.fontMetrics()
        for column, key in enumerate(COLUMNS):
            sample = _WIDTH_SAMPLES.get(key)
            if sample:
                heading = str(model.headerData(column, Qt.Orientation.Horizontal))
                wide = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(heading) + 16)
                table.setColumnWidth(column, wide + 24)
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 10)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        rows.setMinimumWidth(metrics.horizontalAdvance("100000") + 8)
        table.setSortingEnabled(True)
        table.doubleClicked.connect(lambda _: self.edit_selected())
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        return table

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.loading_label = QLabel("正在读取…")
        self.loading_label.setVisible(False)
        self.summary_label = QLabel()
        self.mask_label = QLabel()
        self.mask_label.setStyleSheet("color: #555;")
        for widget in (self.loading_label, self.summary_label, self.mask_label):
            bar.addPermanentWidget(widget)

    def _action(self, text: str, slot, tip: str = "") -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.triggered.connect(lambda *_: slot())
        return action

    def _build_actions(self) -> None:
        self.add_action = self._action("录入", self.add_payout, "手工录入一条发放记录")
        self.edit_action = self._action("修改", self.edit_selected, "修改选中的发放记录")
        self.delete_action = self._action("删除", self.delete_selected, "删除选中的发放记录")
        self.reveal_action = self._action("显示完整身份证号", self.reveal_selected, "查看选中这一行的完整身份证号（会记入操作日志）")
        self.import_action = self._action("导入…", self.open_import_wizard, "导入县里下发的发放明细（Excel、CSV）")
        self.export_action = self._action("导出 Excel…", self.export_excel, "把当前筛选的发放明细导出为已遮掩的 Excel 表")
        self.bulletin_action = self._action("公开表…", self.open_bulletin_preview,
                                            "预览、打印本月的惠民惠农补贴资金发放公开表，登记张贴")
        self.refresh_action = self._action("刷新", self.refresh, "重新读取台账")
        self.add_village_action = self._action("添加村…", self.add_village, "添加一个行政村")
        self.archive_action = self._action("归档…", self.open_archive,
                                           "本村的归档文件：登记、附照片、打印归档文件目录和档案盒签")
        self.notices_action = self._action("公示…", self.open_notices,
                                           "本村的公示：起草、审核签署、张贴、异议、近亲属备案、打印")
        self.due_action = self._action("应公开事项…", self.open_due,
                                       "本村或全乡镇各村本月、本季度应公开的事项：按时、逾期、未公开")
        self.restore_action = self._action("恢复备份…", self.restore_backup,
                                           "用一份备份替换现在的数据库（替换前先把现在的数据库备份一份）")
        self.quit_action = self._action("退出", self.close)
        self.ledger_actions = [
            self.add_action, self.edit_action, self.delete_action, self.reveal_action, self.import_action,
            self.export_action, self.bulletin_action, self.refresh_action, self.add_village_action,
            self.archive_action, self.notices_action, self.due_action,
        ]
        toolbar = self.toolbar = QToolBar("常用")
        toolbar.setMovable(False)
        for action in (self.import_action, self.add_action, self.edit_action, self.delete_action, None,
                       self.reveal_action, None, self.bulletin_action, self.export_action, self.refresh_action):
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        self.addToolBar(toolbar)
        menus = self.menuBar()
        for title, actions in (
            ("文件", (self.import_action, self.bulletin_action, self.export_action, None, self.restore_action, None,
                      self.quit_action)),
            ("台账", (self.add_action, self.edit_action, self.delete_action, None, self.reveal_action, None, self.refresh_action)),
            ("村", (self.add_village_action, None, self.archive_action, self.notices_action, self.due_action)),
        ):
            menu = menus.addMenu(title)
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)

    def _context_menu(self, position: QPoint) -> None:
        if self.table.indexAt(position).isValid():
            menu = QMenu(self)
            for action in (self.edit_action, self.delete_action, self.reveal_action):
                menu.addAction(action)
            menu.exec(self.table.viewport().mapToGlobal(position))

    # --- loading the selectors ---------------------------------------------------------------
    def load_choices(self, keep_month: bool = False, village_id: int | None = None) -> None:
        """Villages, subsidy types and the shown village's months and groups; then the rows."""
        from app.ui.ledger_choices import load_choices

        db, preferred = self.db, village_id or self.filter_bar.village_id()
        if self._choices_task is not None:
            self._choices_task.drop()
        self._choices_task = self.runner.start(
            lambda task: load_choices(db, preferred),
            on_success=lambda choices: self._choices_arrived(choices, keep_month),
            on_failure=self._background_failed,
            lane="choices",
        )

    def _choices_arrived(self, choices: LedgerChoices, keep_month: bool) -> None:
        self._choices_task = None
        self.villages, self.subsidies, self.detail = choices.villages, choices.subsidies, choices.detail
        self.filter_bar.set_villages(choices.villages, choices.detail.village_id if choices.detail else None)
        self.filter_bar.set_subsidies(choices.subsidies)
        self.filter_bar.set_detail(choices.detail, keep_month)
        self.choices_loaded = True
        if not choices.villages:
            self.statusBar().showMessage(NO_VILLAGE_HINT)
        self.apply_filter()

    def _village_picked(self, village_id: int) -> None:
        from app.ui.ledger_choices import load_village_detail

        db = self.db
        if self._choices_task is not None:
            self._choices_task.drop()
        self._choices_task = self.runner.start(
            lambda task: load_village_detail(db, village_id),
            on_success=lambda detail: self._detail_arrived(detail, keep_month=False),
            on_failure=self._background_failed,
            lane="choices",
        )

    def _detail_arrived(self, detail: VillageDetail, keep_month: bool) -> None:
        self._choices_task = None
        if detail.village_id != self.filter_bar.village_id():
            return  # the clerk has moved on to another village
        self.detail = detail
        self.filter_bar.set_detail(detail, keep_month)
        self.apply_filter()

    # --- filtering and the status bar --------------------------------------------------------
    def apply_filter(self) -> None:
        flt = self.filter_bar.current_filter()
        self.setWindowTitle(self._titled(f"{APP_TITLE} — {self.filter_bar.village_name()}" if flt else APP_TITLE))
        self.model.set_filter(flt)
        if self._summary_task is not None:
            self._summary_task.drop()
            self._summary_task = None
        self._summary_for = flt
        self.summary_label.setText("正在统计…" if flt else "")
        if flt is not None:
            self._summary_timer.start()
        self._update_actions()

    def _start_summary(self) -> None:
        flt, db = self._summary_for, self.db
        if flt is None:
            return
        self._summary_task = self.runner.start(
            lambda task: _summary(db, flt),
            on_success=lambda figures: self._summary_arrived(flt, figures),
            on_failure=self._background_failed,
            lane="summary",
        )

    def _summary_arrived(self, flt: LedgerFilter, figures: tuple[int, int]) -> None:
        if flt != self._summary_for:
            return
        self._summary_task = None
        from app.core.money import format_yuan

        count, total = figures
        self.summary_label.setText(f"共 {count:,} 条，合计 {format_yuan(total, thousands=True)} 元")

    def summary_pending(self) -> bool:
        return self._summary_timer.isActive() or self._summary_task is not None

    def _loading_changed(self, loading: bool) -> None:
        self.loading_label.setVisible(loading)

    def _load_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def _background_failed(self, error: BaseException) -> None:
        if isinstance(error, ServiceError):
            self.statusBar().showMessage(error.message)
        else:
            self.statusBar().showMessage(f"读取数据时出错：{messages.error_text(error)}")

    def refresh(self) -> None:
        self.load_choices(keep_month=True)

    def _after_change(self) -> None:
        """An edit may add or empty a month or a group: reload those, then the rows."""
        from app.ui.ledger_choices import load_village_detail

        village_id, db = self.filter_bar.village_id(), self.db
        if village_id is None:
            self.load_choices(keep_month=True)
            return
        if self._choices_task is not None:
            self._choices_task.drop()
        self._choices_task = self.runner.start(
            lambda task: load_village_detail(db, village_id),
            on_success=lambda detail: self._detail_arrived(detail, keep_month=True),
            on_failure=self._background_failed,
            lane="choices",
        )

    # --- the selected row --------------------------------------------------------------------
    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def selected_payout(self) -> int | None:
        row = self.selected_row()
        return self.model.payout_id(row) if row is not None else None

    def _selected_shown(self) -> tuple[int, DisplayRow] | None:
        """The selected payout and its row as the screen shows it (masked)."""
        row = self.selected_row()
        payout_id = self.model.payout_id(row) if row is not None else None
        shown = self.model.display_row(row) if row is not None else None
        return None if payout_id is None or shown is None else (payout_id, shown)

    def _update_actions(self) -> None:
        if self.table is None:  # the frame alone: nothing to act on yet, but 退出
            for action in self.ledger_actions:
                action.setEnabled(False)
            return
        has_village = self.filter_bar.village_id() is not None
        has_row = self.selected_payout() is not None
        for action in (self.add_action, self.import_action, self.export_action):
            action.setEnabled(has_village)
        self.archive_action.setEnabled(has_village)
        self.notices_action.setEnabled(has_village)
        self.due_action.setEnabled(bool(self.villages))
        self.bulletin_action.setEnabled(has_village and self.filter_bar.selected_month() is not None)
        for action in (self.edit_action, self.delete_action, self.reveal_action):
            action.setEnabled(has_row)
        for action in (self.add_village_action, self.refresh_action):
            action.setEnabled(self.db is not None)  # nothing to act on until the database is open

    # --- actions -----------------------------------------------------------------------------
    def entry_context(self) -> EntryContext | None:
        village_id = self.filter_bar.village_id()
        if village_id is None:
            return None
        month = self.filter_bar.selected_month() or dt.date.today().replace(day=1)
        # With the ID and money rules: on first use.
        from app.ui.payout_dialog import EntryContext

        return EntryContext(
            db=self.db,
            actor=self.actor,
            village_id=village_id,
            village_name=self.filter_bar.village_name(),
            subsidies=self.subsidies,
            group_names=self.detail.group_names if self.detail else [],
            month=month,
            subsidy_id=self.filter_bar.selected_subsidy(),
        )

    def add_payout(self) -> None:
        context = self.entry_context()
        if context is None:
            return
        from app.ui.payout_dialog import PayoutDialog

        dialog = PayoutDialog(context, parent=self)
        if dialog.exec():
            self.statusBar().showMessage("已保存一条发放记录", 5000)
            self._after_change()

    def edit_selected(self) -> None:
        payout_id, context = self.selected_payout(), self.entry_context()
        if payout_id is None or context is None:
            return
        try:
            from app.services.payouts import load_record

            record = load_record(self.db, payout_id)
        except ServiceError as exc:
            messages.refuse(self, "无法修改", exc.message, exc.problems)
            self._after_change()
            return
        from app.ui.payout_dialog import PayoutDialog

        dialog = PayoutDialog(context, record, parent=self)
        if dialog.exec():
            self.statusBar().showMessage("已保存修改", 5000)
            self._after_change()

    def delete_selected(self) -> None:
        selected = self._selected_shown()
        if selected is None:
            return
        payout_id, shown = selected
        question = f"确定删除 {shown.name} {shown.period} 的“{shown.subsidy}” {shown.amount} 元吗？"
        if not messages.confirm(self, "删除发放记录", question, "删除", "删除后，原内容仍保存在操作日志中。"):
            return
        try:
            from app.services.payouts import delete_payout

            delete_payout(self.db, payout_id, self.actor)
        except ServiceError as exc:
            messages.refuse(self, "没有删除", exc.message, exc.problems)
        else:
            self.statusBar().showMessage(f"已删除 {shown.name} 的一条发放记录", 5000)
        self._after_change()

    def reveal_selected(self) -> None:
        selected = self._selected_shown()
        if selected is None:
            return
        payout_id, shown = selected
        if not messages.confirm(
            self, "显示完整身份证号", f"要查看 {shown.name} 的完整身份证号吗？", "显示",
            "谁在什么时间查看了哪一个身份证号，会记入操作日志。",
        ):
            return
        try:
            from app.core.disclosure import published
            from app.services.payouts import reveal_id_number

            number = reveal_id_number(self.db, payout_id, self.actor)
        except ServiceError as exc:
            messages.refuse(self, "无法显示", exc.message, exc.problems)
            return
        with published(number):  # asked for, confirmed and audited: the one number shown in full
            messages.inform(self, "完整身份证号", f"{shown.name}：{number}", "本次查看已记入操作日志。")

    def open_import_wizard(self) -> None:
        from app.ui.import_wizard import ImportContext, ImportWizard

        if self.filter_bar.village_id() is None:
            return
        context = ImportContext(
            db=self.db,
            actor=self.actor,
            villages=[name for _, name in self.villages],
            village=self.filter_bar.village_name(),
            subsidies=self.subsidies,
            month=self.filter_bar.selected_month() or dt.date.today().replace(day=1),
        )
        wizard = ImportWizard(context, self.runner, self)
        wizard.finished.connect(lambda _: self._import_closed(wizard))
        self.import_wizard = wizard
        wizard.open()

    def _import_closed(self, wizard) -> None:  # noqa: ANN001 - an ImportWizard, imported lazily
        result = wizard.imported()
        if result is not None:
            self.statusBar().showMessage(f"{result.summary}（{result.file_name}）", 10000)
            self._after_change()
        self.import_wizard = None
        wizard.deleteLater()

    def export_excel(self) -> None:
        from app.ui.excel_export import ExportRequest, ask_channel, export_ledger

        flt = self.filter_bar.current_filter()
        if flt is None:
            return
        channel = ask_channel(self)
        if channel is None:
            return
        title = f"{self.filter_bar.describe()} 惠民惠农补贴资金发放明细"
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "导出 Excel", f"{title}.xlsx", "Excel 表格 (*.xlsx)")
        if not path:
            return
        request = ExportRequest(path=_with_suffix(path), title=title, filter=flt, channel=channel)
        self.statusBar().showMessage("正在导出…")
        db = self.db
        self.runner.start(
            lambda task: export_ledger(db, request),
            on_success=lambda sentence: self.statusBar().showMessage(sentence, 15000),
            on_failure=lambda error: self._export_failed(request.path, error),
            lane="export",
        )

    def open_bulletin_preview(self) -> None:
        """The month's sheet for the wall board: preview, print, save, register the posting."""
        from app.ui.bulletin_preview import BulletinPreviewDialog

        month = self.filter_bar.selected_month()
        if self.filter_bar.village_id() is None or month is None:
            messages.inform(self, "公开表", "请先在上方选好村和月份（公开表按月出）。")
            return
        self.bulletin_preview = BulletinPreviewDialog(self.db, self.filter_bar.village_name(), month, self.actor, self)
        self.bulletin_preview.finished.connect(lambda *_: self._after_bulletin())
        self.bulletin_preview.open()
        self.bulletin_preview.refresh()  # the clerk came for the sheet: show it without another click

    def open_archive(self) -> None:
        from app.ui.archive_page import ArchivePage

        if self.filter_bar.village_id() is None:
            return
        self.archive_page = ArchivePage(self.db, self.filter_bar.village_name(), self.actor, self)
        self.archive_page.open()

    def open_notices(self) -> None:
        from app.ui.notices_page import NoticesPage

        if self.filter_bar.village_id() is None:
            return
        self.notices_page = NoticesPage(self.db, self.filter_bar.village_name(), self.actor, self)
        self.notices_page.open()

    def open_due(self) -> None:
        """The selected village, or the township view when none is selected."""
        from app.ui.due_page import DuePage

        if not self.villages:
            return
        village = self.filter_bar.village_name() if self.filter_bar.village_id() is not None else None
        self.due_page = DuePage(self.db, village, self.actor, self, month=self.filter_bar.selected_month())
        self.due_page.open()

    def _after_bulletin(self) -> None:
        self.bulletin_preview = None
        self._after_change()  # a registered posting locks the month: the rows say so

    def _export_failed(self, path: Path, error: BaseException) -> None:
        self.statusBar().clearMessage()
        if isinstance(error, OSError):
            text = f"文件“{path}”无法写入：可能正在 Excel 中打开，或没有权限写这个文件夹。"
        else:
            messages.failed(self, "没有导出", "导出时出错", error)
            return
        messages.warn(self, "没有导出", text)

    def restore_backup(self) -> None:
        """Pick a backup, confirm, restore off the GUI thread; the service checks the backup first and
        keeps a copy of the database as it was (so a restore can itself be undone)."""
        from app.services import backups
        from app.ui.table_helpers import ask_choice

        def chosen(entries: list) -> None:  # noqa: ANN001 - list[backups.BackupEntry]
            if not entries:
                messages.inform(self, "恢复备份", "这个数据库还没有任何备份。")
                return
            labels = [f"{e.taken_at:%Y-%m-%d %H:%M}　{e.kind}　{e.size}" for e in entries]
            picked = ask_choice(self, "恢复备份", "选择要恢复的备份：", "下一步", labels)
            if picked is None or picked not in labels:
                return
            entry = entries[labels.index(picked)]
            if not messages.confirm(
                self, "恢复备份", f"用 {picked} 的备份替换现在的数据库吗？", "恢复",
                "之后录入的数据会被替换掉；替换前，现在的数据库会先另存一份备份，需要时可以再恢复回来。",
            ):
                return
            self.statusBar().showMessage("正在恢复备份……")
            self.runner.start(lambda task: backups.restore(self.db, entry.path, self.actor),
                              on_success=restored, on_failure=lambda error: messages.failed(
                                  self, "没有恢复", "恢复时出错", error))

        def restored(result) -> None:  # noqa: ANN001 - backups.RestoreResult
            self.statusBar().clearMessage()
            messages.inform(self, "恢复备份", f"已恢复备份：{result.restored_from.name}",
                            f"恢复前的数据库已另存为：{result.safety_copy.name}")
            self._after_change()

        self.runner.start(lambda task: backups.list_backups(self.db), on_success=chosen,
                          on_failure=lambda error: messages.failed(self, "恢复备份", "读取备份时出错", error))

    def add_village(self) -> None:
        from app.ui.table_helpers import ask_text

        name = ask_text(self, "添加村", "村名（如 桃源村）：", "添加")
        if not name or not name.strip():
            return
        try:
            from app.services.villages import add_village

            village = add_village(self.db, name, self.actor)
        except ServiceError as exc:
            messages.refuse(self, "没有添加", exc.message, exc.problems)
            return
        self.statusBar().showMessage(f"已添加村：{village.name}", 5000)
        self.load_choices(village_id=village.id)

    # --- closing -----------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every worker (an import in progress rolls back) and wait for them."""
        self._summary_timer.stop()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _with_suffix(path: str) -> Path:
    target = Path(path)
    return target if target.suffix.lower() == ".xlsx" else target.with_name(target.name + ".xlsx")
