"""The main window: selectors, the ledger table, the row actions and the status bar.

Thin: every read and write is a service call, and every one runs in a worker (app.ui.background).
The pages (import, 公开表, 归档, 公示, …) register themselves in app.ui.pages: the window builds their
menu entries, toolbar buttons, shortcuts and enablement from that registry.

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
from app.core.roles import Permission, SignedIn, everyone
from app.services.errors import ServiceError
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.pc_settings import settings
from app.ui.table_helpers import with_suffix

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableView

    from app.outputs.masked_rows import DisplayRow
    from app.services.ledger_filter import LedgerFilter
    from app.services.subsidies import SubsidyInfo
    from app.storage.engine import Database
    from app.ui.filter_bar import FilterBar
    from app.ui.ledger_choices import LedgerChoices, VillageDetail
    from app.ui.ledger_model import LedgerTableModel
    from app.ui.pages import PageContext
    from app.ui.payout_dialog import EntryContext

SUMMARY_DELAY_MS = 250  # a count over 900,000 rows is not worth running for every keystroke
_WIDTH_SAMPLES = {
    "name": "欧阳明明明",
    "id_number": "140123********123X",
    "group": "10组",
    "subsidy": "重度残疾人护理补贴",
    "period": "2026-10",
    "amount": "1234567.00",
    "record": "1000000",
    "pay_date": "2026-10-15",
    "standard": "560 元/月",
}
NO_VILLAGE_HINT = "还没有添加任何村：请点“村 → 添加村…”，然后导入或录入发放记录。"
OPENING_HINT = "正在打开数据库…"
DEFAULT_SIZE = (1200, 720)  # shrinks to the screen: the window's own minimum is far smaller
ALL_MONTHS = dt.date.min  # remembered: the clerk chose 全部月份
GEOMETRY_KEY, VILLAGE_KEY, MONTH_KEY = "window/geometry", "ledger/village", "ledger/month"


def _summary(db: Database, flt: LedgerFilter) -> tuple[int, int]:
    from app.services.ledger import ledger_summary

    return ledger_summary(db, flt)


class MainWindow(QMainWindow):
    def __init__(self, db: Database | None, actor: str | None = None, parent: QWidget | None = None,
                 signed_in: SignedIn | None = None) -> None:
        """Without a database only the frame is built, and it shows at once: the start-up path
        (app.ui.launch) calls `build_body` after the first paint, then opens the database and
        `attach`es it. With a database the whole window is built here.

        `signed_in`: who works and in which role (issue 16); the window shows only what that role may
        do. None: on one office PC everyone may do everything (roles.everyone)."""
        super().__init__(parent)
        self.db = db
        self.actor = actor or ""
        self.signed_in = signed_in or everyone(self.actor)
        self.where = ""  # 本机 or the township server's address, for the status line
        self.switch_requested = False  # 切换数据库: app.ui.launch opens the window again, asking where
        self.runner = TaskRunner(self)
        self.subsidies: list[SubsidyInfo] = []
        self.villages: list[tuple[int, str]] = []
        self.detail: VillageDetail | None = None
        self.page_actions: dict[str, QAction] = {}
        self.action_permissions: dict[QAction, Permission] = {}  # the ledger's own actions
        self.open_pages: dict[str, QWidget] = {}
        self.choices_loaded = False
        self._summary_task: Task | None = None
        self._summary_for: LedgerFilter | None = None
        self._choices_task: Task | None = None
        self._remembered = False  # the last village and month of the previous session, shown once
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
        self._fit_to_screen()
        geometry = settings().value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if db is None:
            self.statusBar().showMessage(OPENING_HINT)
            self._update_actions()
        else:
            self.build_body()
            self.attach(db, actor, signed_in)

    def _fit_to_screen(self) -> None:
        from PySide6.QtGui import QGuiApplication

        width, height = DEFAULT_SIZE
        screen = QGuiApplication.primaryScreen()
        if screen is not None:  # a 1366×768 screen at 125% has room for 1092×614, less the taskbar
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 16), min(height, room.height() - 40)
        self.resize(width, height)

    def __getattr__(self, name: str):
        """`window.notices_action`, `window.notices_page`, `window.bulletin_preview`: registered pages'
        actions and, while open, the pages themselves (None when closed)."""
        from app.ui import pages

        for entry in pages.entries():
            if name == f"{entry.name}_action":
                return self.__dict__.get("page_actions", {}).get(entry.name)
            if name == entry.keep_as:
                return self.__dict__.get("open_pages", {}).get(entry.name)
        raise AttributeError(name)

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
        from PySide6.QtWidgets import QTabWidget

        from app.ui.home_page import HomePage

        self.home = HomePage(self.db, self.runner)
        self.home.step_requested.connect(self._next_step)
        self.home.village_picked.connect(lambda village_id: self.show_ledger(village_id, None))
        ledger = QWidget()
        ledger_layout = QVBoxLayout(ledger)
        ledger_layout.setContentsMargins(0, 0, 0, 0)
        ledger_layout.addWidget(self.table)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.home, "本月工作")  # the window opens on what is to be done this month
        self.tabs.addTab(ledger, "台账")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.mask_label.setText(f"屏幕显示按“{SCREEN_CHANNEL.label}”规则：身份证号已遮掩")

        self.filter_bar.village_changed.connect(self._village_picked)
        self.filter_bar.filter_changed.connect(self.apply_filter)
        self.model.loading_changed.connect(self._loading_changed)
        self.model.load_failed.connect(self._load_failed)
        self.model.modelReset.connect(self._update_actions)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self._update_actions()

    def show_first_rows(self, source: str | None) -> bool:
        """Before the database is opened (and its layer imported, most of a second on an old PC): the
        rows the ledger will show first, read through the quick reader when the local database has
        nothing due on opening (app.storage.quick_read). False when it could not: the rows then come
        with the database, as before. A few ms of SQL on the GUI thread, which waits for the opening
        right after anyway."""
        import sqlite3

        from app.outputs.masked_rows import mask_record
        from app.services.listings import first_page
        from app.storage.quick_read import open_quickly
        from app.ui.ledger_model import PAGE_SIZE, SCREEN_CHANNEL

        reader = open_quickly(source)
        if reader is None or self.model is None or self.filter_bar is None:
            return False
        month = _remembered_month()
        try:
            with reader:
                page = first_page(reader, _remembered_village(), None if month == ALL_MONTHS else month,
                                  month == ALL_MONTHS, PAGE_SIZE)
        except (sqlite3.Error, ValueError):  # a damaged file, a value it cannot read: the opening that
            return False  # follows checks the file and says what is wrong, in its words
        if page is None:
            return False
        from app.core.disclosure import policy_for

        policy = policy_for(SCREEN_CHANNEL)
        self.model.show_first([(record.payout_id, mask_record(record, policy)) for record in page.records])
        from app.ui.ledger_choices import VillageDetail

        # The selectors and the home page say which village and month these are (not "no village yet")
        # until the choices, read with the database, replace them.
        self.filter_bar.set_villages([(page.village_id, page.village)], page.village_id)
        self.filter_bar.set_detail(VillageDetail(page.village_id, [page.period] if page.period else [], [], []),
                                   keep_month=False)
        self.home.show_opening(page.village, page.period or dt.date.today().replace(day=1))
        self.setWindowTitle(self.title_for(page.village))
        return True

    def attach(self, db: Database, actor: str | None = None, signed_in: SignedIn | None = None,
               where: str = "") -> None:
        """`actor`: the acting person; else the name chosen on this PC (app.ui.actor), asked for at
        start-up by app.ui.launch, not the OS login. `signed_in`: the person signed in to the township
        server (then the actor is that person); None on one office PC. `where`: the server's address."""
        from app.ui import actor as acting

        self.build_body()
        self.db = db
        self.actor = (signed_in.name if signed_in else None) or actor or self.actor or acting.remembered()
        self.signed_in = signed_in or everyone(self.actor)
        self.where = where
        self._apply_role()
        self.model.attach(db)
        self.home.db = db
        self.statusBar().clearMessage()
        self._show_open_mode()
        self._update_actions()
        self.load_choices(village_id=_remembered_village())

    def title_for(self, village: str = "") -> str:
        """'桃源村 — 村务公开助手': the program's name last and once (Qt adds the application's display
        name to a title that does not already end with it)."""
        reason = self.db.read_only_reason if self.db is not None else None
        shown = f"{village}（只读：{reason}）" if reason else village
        if self.on_server():  # several people share the server: the title says who works here
            shown = f"{shown} · {self.signed_in.label}" if shown else self.signed_in.label
        return f"{shown} — {APP_TITLE}" if shown else APP_TITLE

    def on_server(self) -> bool:
        return self.db is not None and self.db.engine.dialect.name != "sqlite"

    def may(self, permission: Permission) -> bool:
        return self.signed_in.may(permission)

    def set_actor(self, name: str) -> None:
        """切换操作人 on one office PC: the log's name changes, and with it the status line."""
        self.actor = name
        if not self.on_server():
            self.signed_in = everyone(name)
        self._show_who()

    def _apply_role(self) -> None:
        """Hide (not just disable) what the signed-in role may not do: the ledger's actions, the pages,
        and a menu left with nothing in it; a clerk's home page has no township-wide view."""
        from app.ui import pages

        for action, permission in self.action_permissions.items():
            action.setVisible(self.may(permission))
        server = self.on_server()
        for entry in pages.entries():
            self.page_actions[entry.name].setVisible(pages.allowed(entry, self.signed_in, server))
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is not None:
                menu_action.setVisible(any(a.isVisible() and not a.isSeparator() for a in menu.actions()))
                _tidy_separators(menu)
        _tidy_separators(self.toolbar)
        if self.table is not None:
            self.home.whole_township.setVisible(self.signed_in.villages is None)
        self._show_who()

    def _show_who(self) -> None:
        """Who works and where, for good in the status line: 本机 or the township server."""
        if self.on_server():
            self.who_label.setText(f"{self.signed_in.label} · 乡镇服务器 {self.where}".rstrip())
        elif self.db is not None:
            self.who_label.setText(f"操作人：{self.actor} · 本机数据库" if self.actor else "本机数据库")

    def _show_open_mode(self) -> None:
        """A database opened read-only says so in the title and, for good, in the status bar."""
        self.setWindowTitle(self.title_for())
        if self.db.read_only_reason:
            label = QLabel(f"只读：{self.db.read_only_reason}，不能修改")
            label.setStyleSheet(messages.PROBLEM_STYLE)
            self.statusBar().addPermanentWidget(label)

    # --- building ----------------------------------------------------------------------------
    def _set_shortcuts(self) -> None:
        # With the body: a key sequence makes PySide build its whole `Qt` namespace.
        from app.ui import pages

        for action, keys in (
            (self.add_action, "Ctrl+N"),
            (self.edit_action, "Ctrl+E"),
            (self.delete_action, QKeySequence.StandardKey.Delete),
            (self.refresh_action, "F5"),
            (self.quit_action, "Ctrl+Q"),
        ):
            action.setShortcut(QKeySequence(keys))
        for entry in pages.entries():
            if entry.shortcut:
                self.page_actions[entry.name].setShortcut(QKeySequence(entry.shortcut))

    def _build_table(self, model: LedgerTableModel) -> QTableView:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

        from app.ui.ledger_model import COLUMNS

        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # 更正 takes a selection
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSortIndicator(COLUMNS.index("period"), Qt.SortOrder.AscendingOrder)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMNS.index("note"), QHeaderView.ResizeMode.Stretch)
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
        table.doubleClicked.connect(lambda _: self.edit_action.isVisible() and self.edit_selected())
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        from PySide6.QtGui import QShortcut

        # Ctrl+V on the ledger: rows copied in Excel come in as they would from a file (台账 → 从 Excel 粘贴).
        paste = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), table)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(lambda: self.open_page("paste"))
        return table

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.loading_label = QLabel("正在读取…")
        self.loading_label.setVisible(False)
        self.summary_label = QLabel()
        self.mask_label = QLabel()
        self.mask_label.setStyleSheet("color: #555;")
        self.who_label = QLabel()
        for widget in (self.loading_label, self.summary_label, self.mask_label, self.who_label):
            bar.addPermanentWidget(widget)

    def _action(self, text: str, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip or text)  # else Qt shows the text with its mnemonic stripped
        action.triggered.connect(lambda *_: slot())
        return action

    def _build_actions(self) -> None:
        """The ledger's own actions, then every registered page's (app.ui.pages), into menus and the
        toolbar by their orders."""
        from app.ui import pages

        self.add_action = self._action("录入", self.add_payout, "手工录入一条发放记录")
        self.edit_action = self._action("修改", self.edit_selected, "修改选中的发放记录")
        self.delete_action = self._action("删除", self.delete_selected, "删除选中的发放记录")
        self.reveal_action = self._action("显示完整身份证号", self.reveal_selected,
                                          "查看选中这一行的完整身份证号（会记入操作日志）")
        self.correct_action = self._action("更正…", self.correct_selected,
                                           "已张贴月份的发放记录：填写新金额和原因，列入下月公开表的更正说明")
        self.export_action = self._action("导出 Excel…", self.export_excel, "把当前筛选的发放明细导出为已遮掩的 Excel 表")
        self.refresh_action = self._action("刷新", self.refresh, "重新读取台账")
        self.quit_action = self._action("退出", self.close, "关闭窗口")
        self.action_permissions = {
            self.add_action: Permission.EDIT, self.edit_action: Permission.EDIT,
            self.delete_action: Permission.EDIT, self.correct_action: Permission.CORRECT,
            self.reveal_action: Permission.REVEAL_ID, self.export_action: Permission.PRINT,
        }
        # (action, menu, order in the menu, place on the toolbar or None)
        placed: list[tuple[QAction, str, int, int | None]] = [
            (self.export_action, "文件", 120, 310),
            (self.quit_action, "文件", 900, None),
            (self.add_action, "台账", 100, 110),
            (self.edit_action, "台账", 110, 120),
            (self.delete_action, "台账", 120, 130),
            (self.correct_action, "台账", 130, 140),
            (self.reveal_action, "台账", 200, 200),
            (self.refresh_action, "台账", 300, 320),
        ]
        for entry in pages.entries():
            action = self._action(entry.title, lambda name=entry.name: self.open_page(name), entry.tip)
            self.page_actions[entry.name] = action
            placed.append((action, entry.menu, entry.order, entry.toolbar))
        self.ledger_actions = [action for action, *_ in placed if action is not self.quit_action]

        toolbar = self.toolbar = QToolBar("常用")
        toolbar.setMovable(False)
        _add_in_order(toolbar, [(place, action) for action, _, _, place in placed if place is not None])
        self.addToolBar(toolbar)
        menus = self.menuBar()
        for title in sorted({menu for _, menu, _, _ in placed}, key=pages.menu_rank):
            _add_in_order(menus.addMenu(title), [(order, action) for action, menu, order, _ in placed if menu == title])

    def _context_menu(self, position: QPoint) -> None:
        if self.table.indexAt(position).isValid():
            menu = QMenu(self)
            for action in (self.edit_action, self.correct_action, self.delete_action, self.reveal_action):
                menu.addAction(action)
            menu.exec(self.table.viewport().mapToGlobal(position))

    # --- pages -------------------------------------------------------------------------------
    def page_context(self) -> PageContext:
        from app.ui.pages import PageContext

        has_village = self.filter_bar is not None and self.filter_bar.village_id() is not None
        return PageContext(
            window=self, db=self.db, runner=self.runner, actor=self.actor, signed_in=self.signed_in,
            village_id=self.filter_bar.village_id() if has_village else None,
            village_name=self.filter_bar.village_name() if has_village else "",
            month=self.filter_bar.selected_month() if has_village else None,
            villages=list(self.villages), subsidies=list(self.subsidies),
            refresh=self._after_change, show=self.show_ledger,
            status=lambda text, ms: self.statusBar().showMessage(text, ms),
        )

    def open_page(self, name: str) -> QWidget | None:
        """Open a registered page (app.ui.pages) if the window's state allows it; an open page is kept
        as `window.<keep_as>` until it closes."""
        from PySide6.QtWidgets import QDialog

        from app.ui import pages

        entry = pages.entry(name)
        if self.table is None or not self._usable(entry.needs) or not self.page_actions[name].isVisible():
            return None  # a shortcut or the home page's button asked for what this role may not open
        opened = entry.opener(self.page_context())
        if isinstance(opened, QWidget):
            self.open_pages[name] = opened
            if isinstance(opened, QDialog):
                opened.finished.connect(lambda *_: self._page_closed(name, opened))
        return opened

    def _page_closed(self, name: str, page: QWidget) -> None:
        if self.open_pages.get(name) is page:
            del self.open_pages[name]

    def _usable(self, needs: str) -> bool:
        from app.ui import pages

        has_village = self.filter_bar is not None and self.filter_bar.village_id() is not None
        has_month = has_village and self.filter_bar.selected_month() is not None
        return pages.usable(needs, self.db is not None, bool(self.villages), has_village, has_month)  # type: ignore[arg-type]

    def show_ledger(self, village_id: int, month: dt.date | None = None) -> None:
        """Show this village (and month: else its newest) in the ledger, e.g. what was just imported."""
        self.load_choices(village_id=village_id, month=month)

    # --- loading the selectors ---------------------------------------------------------------
    def load_choices(self, keep_month: bool = False, village_id: int | None = None,
                     month: dt.date | None = None) -> None:
        """Villages, subsidy types and the shown village's months and groups; then the rows."""
        from app.ui.ledger_choices import load_choices

        db, preferred, sees = self.db, village_id or self.filter_bar.village_id(), self.signed_in.sees
        if month is None and not self._remembered:
            month = _remembered_month()  # or ALL_MONTHS, or None: the village's newest
        if self._choices_task is not None:
            self._choices_task.drop()
        self._choices_task = self.runner.start(
            lambda task: load_choices(db, preferred, sees),
            on_success=lambda choices: self._choices_arrived(choices, keep_month, month),
            on_failure=self._background_failed,
            lane="choices",
        )

    def _choices_arrived(self, choices: LedgerChoices, keep_month: bool, month: dt.date | None = None) -> None:
        self._choices_task = None
        self._remembered = True
        self.villages, self.subsidies, self.detail = choices.villages, choices.subsidies, choices.detail
        self.filter_bar.set_villages(choices.villages, choices.detail.village_id if choices.detail else None)
        self.filter_bar.set_subsidies(choices.subsidies)
        self.filter_bar.set_detail(choices.detail, keep_month)
        if month is not None:
            self.filter_bar.select_month(None if month == ALL_MONTHS else month)
        self.choices_loaded = True
        if not choices.villages:
            self.statusBar().showMessage(NO_VILLAGE_HINT)
        self.apply_filter(reread=True)  # after loading the choices: the data may have changed

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
        self.apply_filter(reread=True)  # after loading the choices: the data may have changed

    # --- filtering and the status bar --------------------------------------------------------
    def apply_filter(self, reread: bool = False) -> None:
        """`reread`: the month's data may have changed (an import, an edit, a refresh), not only the filter."""
        flt = self.filter_bar.current_filter()
        self.setWindowTitle(self.title_for(self.filter_bar.village_name()))
        if flt is not None:
            _remember(flt.village_id, flt.period)
        self.model.set_filter(flt)
        self.home.show_month(self.filter_bar.village_id(), self.filter_bar.selected_month()
                             or dt.date.today().replace(day=1), reread)
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
        """The one selected row; None when none or several are (edit, delete and reveal take one)."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if len(rows) == 1 else None

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.table.selectionModel().selectedRows())

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
        from app.ui import pages

        if self.table is None:  # the frame alone: nothing to act on yet, but 退出
            for action in self.ledger_actions:
                action.setEnabled(False)
            return
        has_village = self.filter_bar.village_id() is not None
        has_row = self.selected_payout() is not None  # a hidden action stays hidden: enabling does not show it
        for action in (self.add_action, self.export_action):
            action.setEnabled(has_village)
        for action in (self.edit_action, self.delete_action, self.reveal_action):
            action.setEnabled(has_row)
        self.correct_action.setEnabled(bool(self.selected_rows()))
        self.refresh_action.setEnabled(self.db is not None)  # nothing to act on until the database is open
        for entry in pages.entries():
            self.page_actions[entry.name].setEnabled(self._usable(entry.needs))

    # --- the ledger's own actions ------------------------------------------------------------
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
        """Read the row in full off the GUI thread, then open the dialog on it."""
        payout_id, context = self.selected_payout(), self.entry_context()
        if payout_id is None or context is None:
            return
        from app.services.payouts import load_record

        def loaded(record) -> None:
            from app.ui.payout_dialog import PayoutDialog

            dialog = PayoutDialog(context, record, parent=self)
            if dialog.exec():
                self.statusBar().showMessage("已保存修改", 5000)
                self._after_change()

        def failed(error: BaseException) -> None:
            messages.failed(self, "无法修改", "读取这条记录时出错", error)
            self._after_change()

        db = self.db
        self.runner.start(lambda task: load_record(db, payout_id), on_success=loaded, on_failure=failed, lane="write")

    def delete_selected(self) -> None:
        selected = self._selected_shown()
        if selected is None:
            return
        payout_id, shown = selected
        question = f"确定删除 {shown.name} {shown.period} 的“{shown.subsidy}” {shown.amount} 元吗？"
        if not messages.confirm(self, "删除发放记录", question, "删除", "删除后，原内容仍保存在操作日志中。"):
            return
        from app.services.payouts import delete_payout

        def deleted(_: object) -> None:
            self.statusBar().showMessage(f"已删除 {shown.name} 的一条发放记录", 5000)
            self._after_change()

        def failed(error: BaseException) -> None:
            messages.failed(self, "没有删除", "删除时出错", error)
            self._after_change()

        db, actor = self.db, self.actor
        self.runner.start(lambda task: delete_payout(db, payout_id, actor), on_success=deleted, on_failure=failed,
                          lane="write")

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
        from app.services.payouts import reveal_id_number

        def revealed(number: str) -> None:
            from app.core.disclosure import published

            with published(number):  # asked for, confirmed and audited: the one number shown in full
                messages.inform(self, "完整身份证号", f"{shown.name}：{number}", "本次查看已记入操作日志。")

        db, actor = self.db, self.actor
        self.runner.start(lambda task: reveal_id_number(db, payout_id, actor), on_success=revealed,
                          on_failure=lambda error: messages.failed(self, "无法显示", "读取身份证号时出错", error),
                          lane="write")

    def correct_selected(self) -> None:
        """更正 of the selected rows of a posted month: new amounts, one reason, before and after."""
        from app.ui.correction_dialog import CorrectionDialog, RowToCorrect

        rows = []
        for row in self.selected_rows():
            payout_id, shown = self.model.payout_id(row), self.model.display_row(row)
            if payout_id is not None and shown is not None:
                rows.append(RowToCorrect(payout_id, shown.name, shown.subsidy, shown.period, shown.amount_fen))
        if not rows:
            return
        dialog = CorrectionDialog(self.db, self.runner, self.actor, rows, self)
        if dialog.exec():
            self.statusBar().showMessage(f"已保存 {len(dialog.made)} 条更正，将列入下次张贴的公开表的更正说明", 10000)
            self.home.reload()

    def _next_step(self, step) -> None:  # noqa: ANN001 - app.services.month_status.NextStep
        """The home page's button: open the page that does the month's next step."""
        from app.services.month_status import NextStep

        if step is NextStep.IMPORT:
            self.open_page("import")
        elif step is NextStep.CHECK:
            self.tabs.setCurrentIndex(1)  # the ledger, largest amounts first: the flagged rows on top
            from PySide6.QtCore import Qt

            from app.ui.ledger_model import COLUMNS

            self.table.sortByColumn(COLUMNS.index("amount"), Qt.SortOrder.DescendingOrder)
            self.statusBar().showMessage("金额超过乡镇核对标准的记录排在最前面：请逐条核对，有误的双击修改", 15000)
        elif step in (NextStep.PREVIEW, NextStep.POST):  # the preview registers the posting too
            self.open_page("bulletin")
        elif step is NextStep.FILE:
            self.open_page("archive")

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
        request = ExportRequest(path=with_suffix(path, ".xlsx"), title=title, filter=flt, channel=channel)
        self.statusBar().showMessage("正在导出…")
        db = self.db
        self.runner.start(
            lambda task: export_ledger(db, request),
            on_success=lambda sentence: self.statusBar().showMessage(sentence, 15000),
            on_failure=lambda error: self._export_failed(request.path, error),
            lane="export",
        )

    def _export_failed(self, path: Path, error: BaseException) -> None:
        self.statusBar().clearMessage()
        if isinstance(error, OSError):
            text = f"文件“{path}”无法写入：可能正在 Excel 中打开，或没有权限写这个文件夹。"
        else:
            messages.failed(self, "没有导出", "导出时出错", error)
            return
        messages.warn(self, "没有导出", text)

    # --- closing -----------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every worker (an import in progress rolls back) and wait for them."""
        self._summary_timer.stop()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        settings().setValue(GEOMETRY_KEY, self.saveGeometry())
        self.shutdown()
        super().closeEvent(event)


def _remember(village_id: int | None, month: dt.date | None) -> None:
    store = settings()
    store.setValue(VILLAGE_KEY, village_id or 0)
    store.setValue(MONTH_KEY, month.isoformat() if month else "all")


def _remembered_village() -> int | None:
    try:
        return int(settings().value(VILLAGE_KEY, 0)) or None
    except (TypeError, ValueError):
        return None


def _remembered_month() -> dt.date | None:
    try:
        text = str(settings().value(MONTH_KEY, "") or "")
        return ALL_MONTHS if text == "all" else dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _tidy_separators(target: QMenu | QToolBar) -> None:
    """Once a role's actions are hidden: no separator first, last or next to another."""
    pending: QAction | None = None
    seen_action = False
    for action in target.actions():
        if action.isSeparator():
            action.setVisible(False)
            if seen_action:
                pending = action
        elif action.isVisible():
            if pending is not None:
                pending.setVisible(True)
                pending = None
            seen_action = True


def _add_in_order(target: QMenu | QToolBar, items: list[tuple[int, QAction]]) -> None:
    """By order, with a separator between hundreds."""
    group = None
    for order, action in sorted(items, key=lambda item: item[0]):
        if group is not None and order // 100 != group:
            target.addSeparator()
        group = order // 100
        target.addAction(action)

