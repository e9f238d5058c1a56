"""“公开目录”: the township's standard disclosure catalog and each village's catalog (村务公开事项目录).

domain.md items 3-4: every village keeps a list of what it must disclose, with fixed elements per item,
and hangs it on the wall with the inspection guide. The township edits the standard set (a new
version each change, a reason for each removal) and pushes it to the villages, whose own items stay
theirs; a village adds and changes only its own items — the standard ones are shown, marked
乡镇标准, and read-only. The poster (A3 for the wall) prints the version it shows.

Thin: every read and write is a service call (app.services.catalog, as `cunwu catalog …`), run off
the GUI thread (app.ui.background), the poster's rendering too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import MANNERS, STANDARD, VILLAGE, CatalogEntry
from app.core.roles import Permission, SignedIn, everyone
from app.core.subsidy_types import Rhythm
from app.services import catalog
from app.services.catalog import CatalogView
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.settings_dialog import offer_settings
from app.ui.table_helpers import (
    ask_choice,
    ask_text,
    fill_rows,
    fit_to_screen,
    read_only_table,
    selected_index,
    with_suffix,
)

HEADERS = ("编号", "来源", "事项名称", "公开内容", "公开时限", "公开主体", "公开渠道", "公开方式", "频次")
STANDARD_SCOPE = "乡镇标准目录"
ORIGIN_LABELS = {STANDARD: "乡镇标准", VILLAGE: "本村"}
STANDARD_COLOUR = "#EDEDED"  # a village's standard items: the township's, read-only there
PUSH_CONFIRM = "推送后各村目录更新为新的标准版本，村自有事项保留"
POSTER_SIZES = {"A3 横向（上墙张贴）": "A3", "A4 横向": "A4"}
CHANNEL_SPLIT = ("，", ",", "；", ";", " ", "\u3000")


def split_channels(text: str) -> tuple[str, ...]:
    for mark in CHANNEL_SPLIT:
        text = text.replace(mark, "、")
    return tuple(part.strip() for part in text.split("、") if part.strip())


class ItemDialog(QDialog):
    """One catalog item's elements (domain.md item 4); for the standard set, also why it changes."""

    def __init__(self, title: str, entry: CatalogEntry | None, standard: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.entry = entry
        form = QFormLayout(self)
        self.name = QLineEdit(entry.name if entry else "")
        self.name.setPlaceholderText("如：村集体资产资源发包")
        self.content = QPlainTextEdit(entry.content if entry else "")
        self.content.setPlaceholderText("公开哪些内容、要素")
        self.content.setMaximumHeight(70)
        self.basis = QLineEdit(entry.basis if entry else "")
        self.basis.setPlaceholderText("法律、政策依据，如《村民委员会组织法》第三十条")
        self.time_limit = QLineEdit(entry.time_limit if entry else "")
        self.time_limit.setPlaceholderText("如：每季度公开一次，季度结束后次月10日前")
        self.responsible = QLineEdit(entry.responsible if entry else "村民委员会")
        self.channels = QLineEdit(entry.channel_text if entry else "公开栏")
        self.channels.setPlaceholderText("用顿号分隔，如：公开栏、村民微信群")
        self.audience = QComboBox()
        self.audience.setEditable(True)
        self.audience.addItems(["全社会", "本村村民", "特定群体"])
        self.audience.setCurrentText(entry.audience if entry else "全社会")
        self.manner = QComboBox()
        self.manner.addItems(list(MANNERS))
        if entry and entry.manner in MANNERS:
            self.manner.setCurrentText(entry.manner)
        self.rhythm = QComboBox()
        for rhythm in Rhythm:
            self.rhythm.addItem(rhythm.label, rhythm.value)
        self.rhythm.setCurrentIndex(self.rhythm.findData((entry.rhythm if entry else Rhythm.AS_NEEDED).value))
        self.due_day = QSpinBox()
        self.due_day.setRange(1, 31)
        self.due_day.setValue(entry.due_day if entry else 10)
        self.due_day.setPrefix("每期结束后次月 ")  # 村级财务收支: 次月10日前
        self.due_day.setSuffix(" 日前")
        self.phone = QLineEdit(entry.phone if entry else "")
        self.phone.setPlaceholderText("不填则用各村的咨询电话")
        rows: list[tuple[str, QWidget]] = [
            ("事项名称：", self.name), ("公开内容：", self.content), ("公开依据：", self.basis),
            ("公开时限：", self.time_limit), ("公开主体：", self.responsible), ("公开渠道：", self.channels),
            ("公开对象：", self.audience), ("公开方式：", self.manner), ("更新频次：", self.rhythm),
            ("截止日：", self.due_day), ("咨询电话：", self.phone),
        ]
        for label, widget in rows:
            form.addRow(label, widget)
            if isinstance(widget, QLineEdit):
                widget.setCursorPosition(0)  # a long 公开依据 shows its beginning
        self.note = QLineEdit()
        if standard:
            self.note.setPlaceholderText("如：按县民政局通知增加（可不填）")
            form.addRow("修改说明：", self.note)
        buttons = QDialogButtonBox()
        buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self, origin: str) -> CatalogEntry:
        """What the form holds; the service checks it (problems named in Chinese)."""
        base = self.entry or CatalogEntry("", "", "", "", "", "", (), "", "", Rhythm.AS_NEEDED, 10, origin=origin)
        return dataclasses.replace(
            base, name=self.name.text(), content=self.content.toPlainText(), basis=self.basis.text().strip(),
            time_limit=self.time_limit.text(), responsible=self.responsible.text(),
            channels=split_channels(self.channels.text()), audience=self.audience.currentText(),
            manner=self.manner.currentText(), rhythm=Rhythm(self.rhythm.currentData()),
            due_day=self.due_day.value(), phone=self.phone.text().strip(), origin=origin,
        )


class CatalogPage(QDialog):
    def __init__(self, db: Database, actor: str, villages: Sequence[str], village: str | None = None,
                 parent: QWidget | None = None, signed_in: SignedIn | None = None) -> None:
        """`villages`: the names to choose from; `village`: the one shown first (None: the standard set).
        `signed_in`: the role decides what may be changed (the township's set: 乡镇; a village's own items:
        whoever keeps its books); the buttons it may not use are not shown."""
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.signed_in = signed_in or everyone(actor)
        self.runner = TaskRunner(self)
        self.view: CatalogView | None = None
        self.standard: CatalogView | None = None
        self._reading: Task | None = None
        self.settings_dialog: QWidget | None = None
        self.setWindowTitle("村务公开事项目录")

        self.scope = QComboBox()
        self.scope.addItem(STANDARD_SCOPE, None)
        for name in villages:
            self.scope.addItem(f"{name}目录", name)
        if village is not None and self.scope.findData(village) >= 0:
            self.scope.setCurrentIndex(self.scope.findData(village))
        self.version = QLabel()
        self.version.setWordWrap(True)
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel("查看："))
        top.addWidget(self.scope)
        top.addWidget(self.version, 1)

        self.table = read_only_table(HEADERS, stretch=3)
        header = self.table.horizontalHeader()  # long texts: a fixed width, in full in the tooltip
        for column, width in ((4, 170), (5, 120), (6, 120)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.add_button = QPushButton("添加事项…")
        self.edit_button = QPushButton("修改事项…")
        self.remove_button = QPushButton("删除事项…")
        self.push_button = QPushButton("推送到各村…")
        self.poster_button = QPushButton("打印目录海报…")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.push_button)
        buttons.addWidget(self.poster_button)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.status = QLabel()
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.scope.currentIndexChanged.connect(lambda *_: self.reload())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda *_: self.edit_item() if self.edit_button.isEnabled() else None)
        self.add_button.clicked.connect(self.add_item)
        self.edit_button.clicked.connect(self.edit_item)
        self.remove_button.clicked.connect(self.remove_item)
        self.push_button.clicked.connect(self.push)
        self.poster_button.clicked.connect(self.print_poster)
        fit_to_screen(self, 1040, 600)
        self.reload()

    # --- reading ---------------------------------------------------------------------------------
    def village(self) -> str | None:
        """The village whose catalog is shown; None for the township's standard set."""
        return self.scope.currentData()

    def reload(self, status: str | None = None, select_code: str | None = None) -> None:
        village, db, actor = self.village(), self.db, self.actor
        if self._reading is not None:
            self._reading.drop()
        chosen = self.selected()
        keep = select_code or (chosen.code if chosen is not None else None)
        self._set_enabled(False)
        self.status.setText("正在读取……")

        def read(task: Task) -> tuple[CatalogView, CatalogView]:
            standard = catalog.standard_catalog(db, actor)
            return (standard if village is None else catalog.village_catalog(db, village, actor)), standard

        self._reading = self.runner.start(read, on_success=lambda found: self._arrived(found[0], found[1], status, keep),
                                          on_failure=self._read_failed, lane="read")

    def _read_failed(self, error: BaseException) -> None:
        self._reading = None
        self.status.setText("")
        messages.failed(self, "无法读取", "读取公开目录时出错", error)

    def _arrived(self, view: CatalogView, standard: CatalogView, status: str | None, keep: str | None) -> None:
        self._reading = None
        if view.village != (self.village() or ""):
            return  # the choice changed meanwhile: its own read follows
        self.view, self.standard = view, standard
        saved = view.saved_on.isoformat()
        if not view.village:
            self.version.setText(f"乡镇标准目录第 {view.number} 版（{saved} 保存），共 {len(view.entries)} 项。"
                                 "修改后点“推送到各村”，各村才用上新版本。")
            self.hint.setText("乡镇统一制定标准事项；各村可在本村目录中增加自己的事项，推送时保留。")
        else:
            own = sum(e.origin == VILLAGE for e in view.entries)
            text = (f"{view.village}目录第 {view.number} 版（{saved} 保存），采用乡镇标准第 {view.standard_number} 版，"
                    f"共 {len(view.entries)} 项，其中本村事项 {own} 项。")
            if standard.number > view.standard_number:
                text += f"乡镇标准已有第 {standard.number} 版，待乡镇推送后更新。"
            self.version.setText(text)
            self.hint.setText("灰底为乡镇标准事项，由乡镇统一修改并推送，村里不能改；本村事项可以增、改、删。")
        entries = list(view.entries)
        fill_rows(self.table, [
            (e.code, ORIGIN_LABELS.get(e.origin, e.origin), e.name, e.content, e.time_limit, e.responsible,
             e.channel_text, e.manner, e.rhythm.label)
            for e in entries
        ], [STANDARD_COLOUR if view.village and e.origin == STANDARD else None for e in entries])
        position = next((i for i, e in enumerate(entries) if e.code == keep), None)
        if position is not None:
            self.table.selectRow(position)
        self.status.setText(status or "")
        self._set_enabled(True)

    def selected(self) -> CatalogEntry | None:
        index = selected_index(self.table)
        if self.view is None or index is None or index >= len(self.view.entries):
            return None
        return self.view.entries[index]

    def _set_enabled(self, on: bool) -> None:
        for button in (self.add_button, self.edit_button, self.remove_button, self.push_button, self.poster_button):
            button.setEnabled(on)
        if on:
            self._update_buttons()

    def _update_buttons(self) -> None:
        if self.view is None:
            return
        chosen = self.selected()
        township = not self.view.village
        own = chosen is not None and (township or chosen.origin == VILLAGE)
        editable = self.signed_in.may(Permission.CATALOG if township else Permission.EDIT)
        for button in (self.add_button, self.edit_button, self.remove_button):
            button.setVisible(editable)
        self.add_button.setEnabled(True)
        self.edit_button.setEnabled(own)
        self.remove_button.setEnabled(own)
        self.push_button.setVisible(township and self.signed_in.may(Permission.CATALOG))
        self.poster_button.setVisible(not township)
        tip = "" if own or chosen is None else "乡镇标准事项由乡镇统一修改并推送，村里不能修改或删除"
        self.edit_button.setToolTip(tip)
        self.remove_button.setToolTip(tip)

    # --- writing ---------------------------------------------------------------------------------
    def _run(self, call: Callable[[], object], success: Callable[[object], str], title: str,
             select: Callable[[object], str | None] = lambda _: None) -> None:
        """A write in the worker, then the catalog again; a refusal says why."""
        self._set_enabled(False)
        self.status.setText("正在保存……")

        def done(result: object) -> None:
            self.reload(status=success(result), select_code=select(result))

        def failed(error: BaseException) -> None:
            self.status.setText("")
            messages.failed(self, title, "保存时出错", error)
            self.reload()

        self.runner.start(lambda task: call(), on_success=done, on_failure=failed, lane="write")

    def add_item(self) -> None:
        self._item_form(None)

    def edit_item(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._item_form(chosen)

    def _item_form(self, entry: CatalogEntry | None) -> None:
        village, db, actor = self.village(), self.db, self.actor
        standard = village is None
        where = "乡镇标准目录" if standard else f"{village}目录"
        title = f"{'修改' if entry else '添加'}事项 — {where}"
        dialog = ItemDialog(title, entry, standard, self)
        if not dialog.exec():
            return
        value = dialog.value(STANDARD if standard else VILLAGE)
        note = dialog.note.text().strip()
        verb = "已修改" if entry else "已添加"

        def call() -> CatalogView:
            if village is None:
                return catalog.save_standard_item(db, value, actor, note)
            return catalog.save_village_item(db, village, value, actor)

        def code_of(view: object) -> str | None:
            assert isinstance(view, CatalogView)
            return value.code or next((e.code for e in view.entries if e.name == value.name.strip()), None)

        def said(view: object) -> str:
            assert isinstance(view, CatalogView)
            return f"{verb}事项“{value.name.strip()}”：{where}第 {view.number} 版"

        self._run(call, said, "没有保存", code_of)

    def remove_item(self) -> None:
        chosen, village, db, actor = self.selected(), self.village(), self.db, self.actor
        if chosen is None:
            return
        reason = ask_text(self, "删除事项", f"删除 {chosen.code}“{chosen.name}”的原因（必须写明）：", "删除")
        if reason is None:
            return

        def call() -> CatalogView:
            if village is None:
                return catalog.remove_standard_item(db, chosen.code, reason, actor)
            return catalog.remove_village_item(db, village, chosen.code, reason, actor)

        def said(view: object) -> str:
            assert isinstance(view, CatalogView)
            return f"已删除事项“{chosen.name}”：第 {view.number} 版"

        self._run(call, said, "没有删除")

    def push(self) -> None:
        if self.standard is None:
            return
        number = self.standard.number
        if not messages.confirm(self, "推送标准目录", f"把乡镇标准目录第 {number} 版推送到各村？", "推送",
                                PUSH_CONFIRM + "。"):
            return
        db, actor = self.db, self.actor

        def said(changed: object) -> str:
            if not changed:
                return f"各村目录已是标准第 {number} 版，没有要更新的村"
            return f"已推送标准目录第 {number} 版：{changed} 个村的目录已更新，村自有事项保留"

        self._run(lambda: catalog.push_standard(db, actor), said, "没有推送")

    # --- the poster ------------------------------------------------------------------------------
    def print_poster(self) -> None:
        village = self.village()
        if village is None:
            return
        picked = ask_choice(self, "打印目录海报", "纸张：", "下一步", list(POSTER_SIZES))
        if picked is None or picked not in POSTER_SIZES:
            return
        size = POSTER_SIZES[picked]
        path, _ = QFileDialog.getSaveFileName(self, "保存目录海报", f"{village}村务公开事项目录.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return
        out = with_suffix(path, ".pdf")
        db, actor = self.db, self.actor

        def work(task: Task) -> str:
            from app.outputs.catalog_poster import render_poster

            data, guide = catalog.poster_data(db, village, actor)
            pages = render_poster(data, guide, out, size)
            return f"已保存公开事项目录（第 {data.version} 版，{len(data.entries)} 项，{pages} 页）：{out}"

        self.poster_button.setEnabled(False)
        self.status.setText("正在生成……")

        def done(sentence: str) -> None:
            self._update_buttons()
            self.poster_button.setEnabled(True)
            self.status.setText(sentence)

        def failed(error: BaseException) -> None:
            self.poster_button.setEnabled(True)
            self.status.setText("")
            messages.output_failed(self, error, out, lambda missing: offer_settings(self, missing))

        self.runner.start(work, on_success=done, on_failure=failed, lane="print")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
