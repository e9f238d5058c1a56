"""“公示”: a village's notices through review to the board and the archive; objections, 备案, printing.

Thin: every read and write is a service call (app.services.notices, mirroring `cunwu notice …`), and
every one runs off the GUI thread (app.ui.background), the notice sheet's rendering too. The services refuse what the rules forbid
(posting unreviewed, ending with an open objection, too short a period): the page only shows why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import Channel, PersonFields, policy_for, scrub_free_text
from app.core.money import format_yuan
from app.core.notices import CADRE_RELATIVE_REMARK, FORWARD, RETURNABLE, Outcome, State
from app.services import notices
from app.services.catalog import village_catalog
from app.services.subsidies import list_subsidies
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.notice_dialogs import (
    HandlingDialog,
    NoticeForm,
    NoticeRowsDialog,
    ObjectionDialog,
    PayoutsDialog,
    SignDialog,
)
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

NOTICE_HEADERS = ("编号", "标题", "公开事项", "类别", "公示期", "状态", "附表", "未处理异议")
ROW_HEADERS = ("行号", "姓名", "身份证号", "组", "项目", "金额（元）", "备注")
STEP_HEADERS = ("签署", "签名人", "日期", "退回原因")
OBJECTION_HEADERS = ("提出人", "收到日期", "异议内容", "处理情况", "结果", "处理人")
# The button names the step it signs, so the clerk sees what the signature means before clicking.
STEP_BUTTONS = {State.DRAFT: "提交审核…", State.COMMITTEE_REVIEW: "村委会审核同意…",
                State.SUPERVISION_REVIEW: "监委会审核同意并张贴…", State.POSTED: "公示期满…", State.EXPIRED: "归档…"}
PRINT_CHANNELS = {  # (channel, filing copy)
    f"{Channel.WALL.label}（张贴用：姓名完整，身份证号遮掩）": (Channel.WALL, False),
    f"{Channel.ONLINE.label}（上网、发群：姓名也遮掩）": (Channel.ONLINE, False),
    "存档联（归档用：含异议提出人和内容，不得张贴）": (Channel.WALL, True),
}
SCREEN_POLICY = policy_for(Channel.WALL)  # the screen is read inside the village office


class NoticesPage(QDialog):
    def __init__(self, db: Database, village: str, actor: str, parent: QWidget | None = None,
                 item_code: str | None = None, today: dt.date | None = None, intro: str = "") -> None:
        """`intro`: what the status line says once the notices are listed (e.g. why the page was
        opened), instead of their count."""
        super().__init__(parent)
        self.db, self.village, self.actor = db, village, actor
        self.today = today or dt.date.today()
        self.runner = TaskRunner(self)
        self.rows: list[notices.NoticeSummary] = []
        self.detail: notices.NoticeDetail | None = None
        self.entries: list = []  # the village's catalog items, once loaded
        self.item_names: dict[str, str] = {}
        self.subsidy_names: list[str] = []
        self._wanted_item = item_code
        self.rows_dialog: NoticeRowsDialog | None = None  # 录入或粘贴附表, while open
        self.settings_dialog: QWidget | None = None  # 设置, opened from a refused print
        self._reading: Task | None = None
        self._detail_task: Task | None = None
        self.setWindowTitle(f"公示 — {village}")

        self.state_filter = QComboBox()
        self.state_filter.addItem("全部", None)
        for state in State:
            self.state_filter.addItem(state.label, state.value)  # Qt hands a str enum back as a plain str
        self.item_filter = QComboBox()
        self.item_filter.addItem("全部事项", None)
        top = QHBoxLayout()
        for widget in (QLabel("状态："), self.state_filter, QLabel("公开事项："), self.item_filter):
            top.addWidget(widget)
        top.addStretch(1)

        self.table = read_only_table(NOTICE_HEADERS, stretch=1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row_table = read_only_table(ROW_HEADERS, stretch=6)
        self.step_table = read_only_table(STEP_HEADERS, stretch=3)
        self.objection_table = read_only_table(OBJECTION_HEADERS, stretch=2)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.row_table, "附表")
        self.tabs.addTab(self.step_table, "签署记录")
        self.tabs.addTab(self.objection_table, "异议")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.summary)
        lower_layout.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)

        self.new_button = QPushButton("起草公示…")
        self.payouts_button = QPushButton("附上发放记录…")
        self.type_rows_button = QPushButton("录入或粘贴附表…")
        self.remove_row_button = QPushButton("删除附表行…")
        self.advance_button = QPushButton("签署下一步…")
        self.post_button = QPushButton("张贴公示…")
        self.return_button = QPushButton("退回草稿…")
        self.objection_button = QPushButton("登记异议…")
        self.handle_button = QPushButton("登记异议处理…")
        self.relative_button = QPushButton("登记村干部近亲属…")
        self.print_button = QPushButton("打印公示…")
        steps = QHBoxLayout()
        for button in (self.new_button, self.payouts_button, self.type_rows_button, None, self.advance_button,
                       self.post_button, self.return_button):
            if button is None:
                steps.addSpacing(24)
            else:
                steps.addWidget(button)
        steps.addStretch(1)
        others = QHBoxLayout()
        for button in (self.remove_row_button, self.relative_button, None, self.objection_button,
                       self.handle_button):
            if button is None:
                others.addSpacing(24)
                continue
            others.addWidget(button)
        others.addStretch(1)
        others.addWidget(self.print_button)
        self.status = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(steps)
        layout.addLayout(others)
        layout.addWidget(self.status)

        self.state_filter.currentIndexChanged.connect(lambda *_: self.reload())
        self.item_filter.currentIndexChanged.connect(lambda *_: self.reload())
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.row_table.itemSelectionChanged.connect(self._update_buttons)
        self.objection_table.itemSelectionChanged.connect(self._update_buttons)
        self.new_button.clicked.connect(self.new_notice)
        self.payouts_button.clicked.connect(self.add_payouts)
        self.type_rows_button.clicked.connect(self.type_rows)
        self.remove_row_button.clicked.connect(self.remove_row)
        self.advance_button.clicked.connect(self.advance)
        self.post_button.clicked.connect(self.post)
        self.return_button.clicked.connect(self.return_to_draft)
        self.objection_button.clicked.connect(self.raise_objection)
        self.handle_button.clicked.connect(self.handle_objection)
        self.relative_button.clicked.connect(self.mark_relative)
        self.print_button.clicked.connect(self.print_notice)
        fit_to_screen(self, 1180, 720)
        self._update_buttons()
        self.new_button.setEnabled(False)  # until the catalog is read
        self.status.setText("正在读取……")
        db, village, actor = self.db, self.village, self.actor

        def read(task: Task) -> tuple[list, list[str]]:
            return village_catalog(db, village, actor).entries, [s.name for s in list_subsidies(db)]

        self.runner.start(read, on_success=lambda found: self._catalog_arrived(*found, intro),
                          on_failure=lambda error: self._failed("无法打开", "读取公示时出错", error), lane="read")

    def _catalog_arrived(self, entries: list, subsidy_names: list[str], intro: str) -> None:
        self.entries, self.subsidy_names = entries, subsidy_names
        self.item_names = {e.code: e.name for e in entries}
        self.item_filter.blockSignals(True)
        for entry in entries:
            self.item_filter.addItem(f"{entry.code} {entry.name}", entry.code)
        if self._wanted_item is not None and self.item_filter.findData(self._wanted_item) >= 0:
            self.item_filter.setCurrentIndex(self.item_filter.findData(self._wanted_item))
        self.item_filter.blockSignals(False)
        self.new_button.setEnabled(True)
        self.reload(status=intro or None)

    def _failed(self, title: str, what: str, error: BaseException) -> None:
        self.status.setText("")
        messages.failed(self, title, what, error)

    # --- reading ---------------------------------------------------------------------------
    def reload(self, select_id: int | None = None, status: str | None = None) -> None:
        """List the notices again (in a worker), keep or make the selection, then show `status` (else
        the count)."""
        keep = select_id if select_id is not None else (self.selected().id if self.selected() else None)
        item = self.item_filter.currentData()
        state = State(self.state_filter.currentData()) if self.state_filter.currentData() else None
        db, village = self.db, self.village
        if self._reading is not None:
            self._reading.drop()
        self._reading = self.runner.start(
            lambda task: [n for n in notices.list_notices(db, village, state) if item is None or n.item_code == item],
            on_success=lambda rows: self._listed(rows, keep, status),
            on_failure=lambda error: self._failed("无法读取", "读取公示时出错", error),
            lane="read",
        )

    def _listed(self, rows: list[notices.NoticeSummary], keep: int | None, status: str | None) -> None:
        self._reading = None
        self.rows = rows
        self.table.blockSignals(True)
        fill_rows(self.table, [
            (str(n.id), n.subject, f"{n.item_code} {self.item_names.get(n.item_code, '')}".strip(), n.kind,
             f"{n.start.isoformat()} 至 {n.end.isoformat()}", n.state.label, f"{n.rows} 行" if n.rows else "",
             f"{n.open_objections} 件" if n.open_objections else "")
            for n in self.rows
        ])
        self.status.setText(status if status is not None else f"共 {len(self.rows)} 份公示")
        position = next((i for i, n in enumerate(self.rows) if n.id == keep), None)
        if position is not None:
            self.table.selectRow(position)
        self.table.blockSignals(False)
        self._show_detail()

    def selected(self) -> notices.NoticeSummary | None:
        index = selected_index(self.table)
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def _show_detail(self) -> None:
        chosen = self.selected()
        if self._detail_task is not None:
            self._detail_task.drop()
            self._detail_task = None
        if chosen is None:
            self._detail_arrived(None)
            return
        db, notice_id = self.db, chosen.id
        self._detail_task = self.runner.start(
            lambda task: notices.notice_detail(db, notice_id), on_success=self._detail_arrived,
            on_failure=lambda error: self._failed("无法读取", "读取公示时出错", error), lane="read")

    def _detail_arrived(self, detail: notices.NoticeDetail | None) -> None:
        self._detail_task = None
        self.detail = detail
        if detail is None:
            self.summary.setText("选中一份公示，查看附表、签署记录和异议。")
            for table in (self.row_table, self.step_table, self.objection_table):
                table.setRowCount(0)
            self._update_buttons()
            return
        notice = detail.notice
        parts = [(f"第 {notice.id} 号　{detail.item_name}　张贴地点：{notice.place}　"
                  f"发布范围：{Channel(notice.channel).label}　状态：{detail.state.label}")]
        if notice.body:
            parts.append(f"正文：{scrub_free_text(notice.body)}")  # IDs masked on screen, as in the ledger
        if notice.result:
            parts.append(f"公示结果：{notice.result}")
        self.summary.setText("\n".join(parts))
        fill_rows(self.row_table, [self._row_values(r) for r in detail.rows])
        fill_rows(self.step_table, [
            (s.meaning or s.to_state.label, s.signed_by, s.signed_on.isoformat(), s.reason)
            for s in detail.steps
        ])
        fill_rows(self.objection_table, [
            (o.raised_by or "匿名", o.received_on.isoformat(), o.content, o.handling, o.outcome.label,
             o.handled_by)
            for o in detail.objections
        ])
        self._update_buttons()

    @staticmethod
    def _row_values(row: notices.NoticeRowView) -> tuple[str, ...]:
        shown = SCREEN_POLICY.apply(PersonFields(row.name, row.id_number, group=row.group_name, note=row.note),
                                    row.sensitive)
        note = "；".join(p for p in (CADRE_RELATIVE_REMARK if row.cadre_relative else "", shown.note) if p)
        amount = format_yuan(row.amount_fen, thousands=True) if row.amount_fen is not None else ""
        return (str(row.position), shown.name, shown.id_number, shown.group, row.item, amount, note)

    def _update_buttons(self) -> None:
        state = self.detail.state if self.detail else None
        draft = state is State.DRAFT
        self.advance_button.setText(STEP_BUTTONS.get(state, "签署下一步…") if state else "签署下一步…")
        self.advance_button.setEnabled(state in FORWARD)
        # 张贴 stays clickable on any unposted notice: the refusal says which review is missing.
        row_chosen = draft and selected_index(self.row_table) is not None
        for button, on in ((self.payouts_button, draft), (self.type_rows_button, draft),
                           (self.remove_row_button, row_chosen), (self.post_button, state in FORWARD and state is not None
                                                          and state not in (State.POSTED, State.EXPIRED)),
                           (self.return_button, state in RETURNABLE), (self.objection_button, state is State.POSTED),
                           (self.handle_button, self._chosen_objection() is not None),
                           (self.relative_button, row_chosen),
                           (self.print_button, state is not None)):
            button.setEnabled(on)

    def _chosen_objection(self) -> notices.ObjectionView | None:
        """The selected objection, or the only open one when none is selected."""
        if self.detail is None:
            return None
        index = selected_index(self.objection_table)
        if index is not None and index < len(self.detail.objections):
            return self.detail.objections[index]
        still_open = [o for o in self.detail.objections if o.outcome is Outcome.OPEN]
        return still_open[0] if len(still_open) == 1 else None

    def _run(self, call: Callable[[], object], success: str | Callable[[object], str], keep: int | None = None,
             title: str = "没有完成", then: Callable[[object], None] | None = None) -> None:
        """A write in the worker; then the list again (keeping `keep` selected) and `success` (a sentence,
        or one made from the call's result). A refusal says why and the list is read again."""

        def done(result: object) -> None:
            self.reload(select_id=keep, status=success(result) if callable(success) else success)
            if then is not None:
                then(result)

        def failed(error: BaseException) -> None:
            messages.failed(self, title, "保存时出错", error)
            self.reload()

        self.runner.start(lambda task: call(), on_success=done, on_failure=failed, lane="write")

    # --- drafting --------------------------------------------------------------------------
    def new_notice(self) -> None:
        form = NoticeForm(self.entries, self.subsidy_names, self.today, self.item_filter.currentData(), self)
        if not form.exec():
            return
        month = form.payout_month()
        body = form.body.toPlainText()
        draft = notices.NoticeDraft(
            village=self.village, subject=form.subject.text(), item_code=form.item.currentData() or "",
            kind=form.kind.currentData(), start=form.start.day(), end=form.end.day(), place=form.place.text(),
            # As `cunwu notice add --payouts`: the rows come in a second step, so the body may wait for them.
            body=body if body.strip() or month is None else "（见附表）", channel=form.channel.currentData(),
        )
        subsidy = form.subsidy.currentData()
        db, actor = self.db, self.actor

        def created(notice_id: object) -> None:
            self.reload(select_id=int(notice_id), status=f"已起草第 {notice_id} 号公示（草稿）")
            if month is not None:
                self._add_rows(int(notice_id), month, subsidy)

        self.runner.start(lambda task: notices.create_notice(db, draft, actor), on_success=created,
                          on_failure=lambda error: messages.failed(self, "没有起草", "起草时出错", error), lane="write")

    def add_payouts(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = PayoutsDialog(self.subsidy_names, self.today, self)
        if dialog.exec():
            self._add_rows(chosen.id, dialog.payouts.month.month(), dialog.payouts.subsidy.currentData())

    def _add_rows(self, notice_id: int, month: dt.date, subsidy: str | None) -> None:
        db, actor = self.db, self.actor
        self._run(lambda: notices.add_payout_rows(db, notice_id, month, actor, subsidy),
                  lambda added: f"第 {notice_id} 号公示附表加入 {added} 行", notice_id, title="附表没有加入")

    def type_rows(self) -> None:
        """录入或粘贴附表: the rows form (window-modal, not blocking); what it adds is listed at once."""
        chosen = self.selected()
        if chosen is None:
            return
        dialog = NoticeRowsDialog(self.db, self.runner, chosen.id, chosen.subject, self.actor, self)
        dialog.added.connect(lambda count: self.reload(select_id=chosen.id,
                                                       status=f"第 {chosen.id} 号公示附表加入 {count} 行"))
        dialog.added.connect(lambda _: self.tabs.setCurrentWidget(self.row_table))
        self.rows_dialog = dialog
        dialog.open()

    def remove_row(self) -> None:
        chosen, index = self.selected(), selected_index(self.row_table)
        if chosen is None or self.detail is None or index is None or index >= len(self.detail.rows):
            return
        row = self.detail.rows[index]
        reason = ask_text(self, "删除附表行", f"删除第 {row.position} 行（{row.name}）的原因：", "删除")
        if reason is not None:
            from app.services.notice_rows import remove_row

            self._run(lambda: remove_row(self.db, chosen.id, row.position, reason, self.actor),
                      f"已删除附表第 {row.position} 行", chosen.id, title="没有删除")

    def mark_relative(self) -> None:
        chosen, index = self.selected(), selected_index(self.row_table)
        if chosen is None or self.detail is None or index is None:
            return
        row = self.detail.rows[index]
        relation = ask_text(self, "登记村干部近亲属", f"第 {row.position} 行 {row.name} 与哪位村干部是什么关系？"
                            "（如：村主任张某之弟）", "登记备案")
        if relation is not None:
            self._run(lambda: notices.mark_cadre_relative(self.db, chosen.id, row.position, relation, self.actor),
                      f"第 {row.position} 行已登记为村干部近亲属（备案）", chosen.id)

    # --- the life cycle --------------------------------------------------------------------
    def _sign(self, expect: State | None) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        if chosen.state in FORWARD:
            _, meaning = FORWARD[chosen.state]
            prompt = f"第 {chosen.id} 号公示“{chosen.subject}”\n现为“{chosen.state.label}”，本次签署：{meaning}。"
        else:
            prompt = f"第 {chosen.id} 号公示现为“{chosen.state.label}”。"
        accept = "签署并张贴" if expect is State.POSTED else "签署"
        dialog = SignDialog("张贴公示" if expect is State.POSTED else "签署", prompt, accept, self.today, parent=self)
        if not dialog.exec():
            return
        by, on = dialog.signer.text(), dialog.date.day()
        self._run(lambda: notices.advance(self.db, chosen.id, by, on, self.actor, expect=expect),
                  f"第 {chosen.id} 号公示已签署（{by.strip()}，{on.isoformat()}）", chosen.id)

    def advance(self) -> None:
        self._sign(None)

    def post(self) -> None:
        """The clerk with the paper in hand: posting is refused unless both reviews are signed."""
        self._sign(State.POSTED)

    def return_to_draft(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = SignDialog("退回草稿", f"第 {chosen.id} 号公示“{chosen.subject}”退回草稿后要重新审核。",
                            "退回", self.today, ask_reason=True, parent=self)
        if dialog.exec():
            by, on, reason = dialog.signer.text(), dialog.date.day(), dialog.reason.text()
            self._run(lambda: notices.return_to_draft(self.db, chosen.id, by, on, reason, self.actor),
                      f"第 {chosen.id} 号公示已退回草稿", chosen.id)

    # --- objections ------------------------------------------------------------------------
    def raise_objection(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = ObjectionDialog(self.today, self)
        if dialog.exec():
            raised_by, on, content = dialog.raised_by.text(), dialog.date.day(), dialog.content.toPlainText()
            self._run(lambda: notices.raise_objection(self.db, chosen.id, raised_by, on, content, self.actor),
                      "已登记异议；处理后请登记处理结果", chosen.id)
        self.tabs.setCurrentWidget(self.objection_table)

    def handle_objection(self) -> None:
        chosen, objection = self.selected(), self._chosen_objection()
        if chosen is None or objection is None:
            return
        dialog = HandlingDialog(f"{objection.raised_by or '匿名'}：{objection.content}", self.today, self)
        if dialog.exec():
            handling, outcome = dialog.handling.toPlainText(), dialog.outcome.currentData()
            by, on = dialog.by.text(), dialog.date.day()
            self._run(lambda: notices.handle_objection(self.db, objection.id, handling, outcome, by, on, self.actor),
                      f"已登记异议处理结果：{outcome}", chosen.id)

    # --- printing --------------------------------------------------------------------------
    def print_notice(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        picked = ask_choice(self, "打印公示", "公示给谁看？个人信息按所选范围遮掩：", "下一步", list(PRINT_CHANNELS))
        if picked is None or picked not in PRINT_CHANNELS:
            return
        channel, filing_copy = PRINT_CHANNELS[picked]
        suffix = "（存档联）" if filing_copy else "" if channel is Channel.WALL else "（对外发布）"
        path, _ = QFileDialog.getSaveFileName(self, "保存公示", f"{chosen.subject}{suffix}.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return
        out = with_suffix(path, ".pdf")
        db, notice_id = self.db, chosen.id

        def work(task):
            from app.outputs.notice_pdf import render_notice

            sheet = notices.notice_sheet(db, notice_id)
            pages = render_notice(sheet, out, channel, filing_copy)
            warning = "" if sheet.reviewed else "（尚未审核，仅供审核用，不得张贴）"
            return f"已保存公示（{pages} 页）{warning}：{out}"

        self.print_button.setEnabled(False)
        self.status.setText("正在生成……")

        def done(sentence: str) -> None:
            self._update_buttons()
            self.status.setText(sentence)

        def failed(error: BaseException) -> None:
            self._update_buttons()
            self.status.setText("")
            messages.output_failed(self, error, out, lambda missing: offer_settings(self, missing))

        self.runner.start(work, on_success=done, on_failure=failed, lane="print")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
