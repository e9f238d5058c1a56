"""“数据包交换” (issue 16): the offline exchange in the window, everything `cunwu exchange` does.

A village without a link to the township hands its records over on a USB stick: once, the two sides
trade public keys (导出公钥 / 登记公钥, the fingerprints checked by phone); then each month the village
exports a package (导出数据包) and the township imports it (导入数据包); the township's catalog and
holiday tables go back the same way (为某村导出公开目录和节假日).

The dialog is told where it runs (村里 or 乡镇): that picks the buttons, as the CLI's `--village` /
`--township` / `--for-village` do. It guesses from the keys already registered; on the township's
server it is always 乡镇 (the villages that exchange packages keep their books on their own PC).

Thin: app.services.exchange and app.services.exchange_keys do the work; every call, and every read or
write of a file on the stick, runs off the GUI thread (app.ui.background).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.exchange_package import KEY_FILE_MAX, MAX_FILE
from app.services.errors import Conflict, ServiceError
from app.services.exchange import ExportResult, ImportResult
from app.services.exchange_keys import KeyExport, KeysOverview, Trusted
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table

HEADERS = ("对方", "公钥指纹", "登记人", "登记时间")
KEY_FILTER = "公钥文件 (*.key);;所有文件 (*)"
PACKAGE_FILTER = "数据包 (*.cunwuz);;所有文件 (*)"
SHOWN_PROBLEMS = 12  # a refusal's box lists so many conflicts; the 结果 pane below holds them all
INTRO = "没有联网的村用U盘把本村记录交给乡镇，乡镇把公开目录和节假日发回村里。数据包有签名并加密，只有对方能打开。"
STEPS = {
    "village": "村里：①（只需一次）导出本村公钥交给乡镇，登记乡镇给的公钥；②每月导出本村数据包，用U盘交给乡镇；\n"
               "③导入乡镇发来的公开目录和节假日数据包。",
    "township": "乡镇：①（只需一次）导出乡镇公钥交给各村，登记各村交来的公钥；②导入各村交来的数据包；\n"
                "③为某村导出公开目录和节假日，交给该村导入。",
}
NO_KEY_YET = "还没有生成（第一次导出公钥时生成）"


def read_file(path: Path, limit: int, refused: str) -> bytes:
    """A file from the stick, or a refusal naming it (missing, a folder, unreadable, too large)."""
    try:
        if path.stat().st_size > limit:
            raise ServiceError(f"文件“{path.name}”太大，不像村务公开助手的文件，{refused}")
        return path.read_bytes()
    except OSError as exc:
        raise ServiceError(f"无法读取文件“{path}”（不存在或没有权限），{refused}") from exc


class _Replace:
    """trust() said a different key is registered: what the clerk is asked before replacing it."""

    def __init__(self, data: bytes, old: str, new: str) -> None:
        self.data, self.old, self.new = data, old, new


class ExchangePage(QDialog):
    def __init__(self, db: Database, actor: str, villages: list[str], parent: QWidget | None = None,
                 village: str | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.villages = db, actor, villages
        self.today = today or dt.date.today()
        self.runner = TaskRunner(self)
        self.overview: KeysOverview | None = None
        self.folder = ""  # the last folder chosen: the USB stick, most likely
        self._reading: Task | None = None
        self._mode_known = False
        self.on_server = db.engine.dialect.name != "sqlite"
        self.setWindowTitle("数据包交换")

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.at_village = QRadioButton("村里的电脑")
        self.at_township = QRadioButton("乡镇的电脑")
        self.at_village.setToolTip("本村的台账记在这台电脑上，没有联网：把记录导出成数据包交给乡镇")
        self.at_township.setToolTip("收各村交来的数据包，为各村导出公开目录和节假日")
        self.at_village.setEnabled(not self.on_server)
        self.where = QButtonGroup(self)
        self.where.addButton(self.at_village)
        self.where.addButton(self.at_township)
        self.village = QComboBox()
        self.village.addItems(villages)
        if village in villages:
            self.village.setCurrentText(village)
        self.village.setMinimumContentsLength(8)
        top = QHBoxLayout()
        for widget in (QLabel("这台电脑在："), self.at_village, self.at_township):
            top.addWidget(widget)
        top.addSpacing(24)
        top.addWidget(QLabel("村："))
        top.addWidget(self.village)
        top.addStretch(1)
        self.steps = QLabel()  # two lines, unwrapped: a wrapping label would squeeze the table at the minimum height
        self.steps.setStyleSheet("color: #555;")

        # This database's key
        self.fingerprint = QLabel("正在读取……")
        font = QFont(self.fingerprint.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.fingerprint.setFont(font)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_button = QPushButton("导出公钥…")
        self.key_button.setToolTip("把本数据库的公钥存成文件（如存到U盘），交给对方登记")
        own = QGroupBox("本数据库的公钥")
        own_row = QHBoxLayout(own)
        own_row.addWidget(QLabel("指纹："))
        own_row.addWidget(self.fingerprint)
        phone = QLabel("对方登记后，请打电话念这串字母和数字，核对一致。")
        phone.setStyleSheet("color: #555;")
        own_row.addWidget(phone, 1)
        own_row.addWidget(self.key_button)

        # The keys it trusts
        self.peers = read_only_table(HEADERS, stretch=1)
        self.peers.setMinimumHeight(90)
        self.trust_village_button = QPushButton("登记村的公钥…")
        self.trust_village_button.setToolTip("选上方的村，再选该村交来的公钥文件")
        self.trust_township_button = QPushButton("登记乡镇的公钥…")
        self.trust_township_button.setToolTip("选乡镇给的公钥文件")
        trusted = QGroupBox("已登记的对方公钥")
        trusted_box = QVBoxLayout(trusted)
        trusted_box.addWidget(self.peers, 1)
        trust_row = QHBoxLayout()
        trust_hint = QLabel("登记后请与对方电话核对指纹；要更换已登记的公钥时会先问您，并记入操作日志。")
        trust_hint.setStyleSheet("color: #555;")
        trust_row.addWidget(trust_hint, 1)
        trust_row.addWidget(self.trust_village_button)
        trust_row.addWidget(self.trust_township_button)
        trusted_box.addLayout(trust_row)

        # Packages
        self.full = QCheckBox("全部记录（不只是上次导出以来的）")
        self.full.setToolTip("乡镇说缺了某一号数据包、或数据包丢了时勾选：导出本村的全部记录")
        self.export_button = QPushButton("导出数据包…")
        self.export_button.setToolTip("把上方所选村自上次导出以来的记录导出成数据包，交给乡镇")
        self.for_village_button = QPushButton("为某村导出公开目录和节假日…")
        self.for_village_button.setToolTip("为上方所选的村导出乡镇的标准公开目录和节假日表")
        self.import_button = QPushButton("导入数据包…")
        self.import_button.setToolTip("选对方交来的数据包文件：检查签名，一次全部导入或全部不导入")
        self.package_hint = QLabel()
        self.package_hint.setStyleSheet("color: #555;")
        packages = QGroupBox("数据包")
        package_row = QHBoxLayout(packages)
        package_row.addWidget(self.full)
        package_row.addWidget(self.package_hint)
        package_row.addStretch(1)
        for button in (self.export_button, self.for_village_button, self.import_button):
            package_row.addWidget(button)

        self.results = QPlainTextEdit()
        self.results.setReadOnly(True)
        self.results.setPlaceholderText("导出、登记、导入的结果显示在这里。")
        self.results.setMinimumHeight(70)
        self.status = QLabel()
        self.status.setWordWrap(True)
        close = QPushButton("关闭")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.steps)
        layout.addWidget(own)
        layout.addWidget(trusted, 2)
        layout.addWidget(packages)
        layout.addWidget(QLabel("结果："))
        layout.addWidget(self.results, 1)
        layout.addLayout(bottom)

        self.action_buttons = (self.key_button, self.trust_village_button, self.trust_township_button, self.export_button,
                        self.for_village_button, self.import_button)
        self.where.buttonToggled.connect(lambda *_: self._show_mode())
        self.key_button.clicked.connect(self.export_key)
        self.trust_village_button.clicked.connect(lambda: self.trust(township=False))
        self.trust_township_button.clicked.connect(lambda: self.trust(township=True))
        self.export_button.clicked.connect(lambda: self.export_package(for_village=False))
        self.for_village_button.clicked.connect(lambda: self.export_package(for_village=True))
        self.import_button.clicked.connect(self.import_package)
        close.clicked.connect(self.reject)
        (self.at_township if self.on_server or len(villages) != 1 else self.at_village).setChecked(True)
        fit_to_screen(self, 980, 600)
        self.reload()

    # --- where it runs -----------------------------------------------------------------------------
    def at_the_village(self) -> bool:
        return self.at_village.isChecked()

    def _show_mode(self) -> None:
        village = self.at_the_village()
        self.steps.setText(STEPS["village" if village else "township"])
        self.trust_village_button.setVisible(not village)
        self.trust_township_button.setVisible(village)
        self.export_button.setVisible(village)
        self.full.setVisible(village)
        self.for_village_button.setVisible(not village)
        self.package_hint.setText("" if village else "导出时用上方所选的村；导入时数据包自己写明是哪个村的。")

    def _guess_mode(self, overview: KeysOverview) -> None:
        """Once, from what is registered: the township's key means a village PC, a village's the township."""
        if self._mode_known or self.on_server:
            return
        self._mode_known = True
        if overview.township is not None:
            self.at_village.setChecked(True)
        elif overview.peers:
            self.at_township.setChecked(True)

    # --- reading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        from app.services.exchange_keys import keys_overview

        db = self.db
        if self._reading is not None:
            self._reading.drop()
        self._reading = self.runner.start(lambda task: keys_overview(db), on_success=self._arrived,
                                          on_failure=self._read_failed, lane="read")

    def _read_failed(self, error: BaseException) -> None:
        self._reading = None
        self.fingerprint.setText("无法读取")
        messages.failed(self, "无法读取", "读取公钥时出错", error)

    def _arrived(self, overview: KeysOverview) -> None:
        self._reading = None
        self.overview = overview
        self._guess_mode(overview)
        self._show_mode()
        self.fingerprint.setText(overview.fingerprint or NO_KEY_YET)
        from app.services.audit import local_time

        fill_rows(self.peers, [
            (f"乡镇（{peer.name}）" if peer.village is None else peer.village, peer.fingerprint,
             peer.trusted_by or "—", local_time(peer.trusted_at))
            for peer in overview.peers
        ])

    # --- doing -------------------------------------------------------------------------------------
    def _run(self, doing: str, work: Callable[[Task], Any], done: Callable[[Any], None], title: str,
             path: Path | None = None) -> None:
        """One action in the worker: the buttons wait, then `done` or the refusal; the keys are reread."""
        for button in self.action_buttons:
            button.setEnabled(False)
        self.status.setText(doing)

        def settled() -> None:
            for button in self.action_buttons:
                button.setEnabled(True)
            self.status.setText("")
            self.reload()

        def succeeded(result: Any) -> None:
            settled()
            done(result)

        def failed(error: BaseException) -> None:
            settled()
            self._refused(title, error, path)

        self.runner.start(work, on_success=succeeded, on_failure=failed, lane="write")

    def _refused(self, title: str, error: BaseException, path: Path | None) -> None:
        if isinstance(error, OSError) and path is not None:
            messages.warn(self, title, f"文件“{path}”无法写入：U盘可能已拔出或写保护，或没有权限写这个文件夹。")
        elif isinstance(error, ServiceError) and len(error.problems) > SHOWN_PROBLEMS + 1:
            self.say("\n".join([error.message, *error.problems]))
            problems = [*error.problems[:SHOWN_PROBLEMS], f"……共 {len(error.problems) - 1} 处，全部列在窗口下方的“结果”中"]
            messages.refuse(self, title, error.message, problems)
        else:
            if isinstance(error, ServiceError):
                self.say(error.message)
            messages.failed(self, title, "出错", error)

    def say(self, text: str) -> None:
        self.results.appendPlainText(text + "\n")

    def _chosen_village(self, what: str) -> str | None:
        name = self.village.currentText()
        if not name:
            messages.warn(self, what, "还没有添加任何村：请先在“村 → 添加村…”中添加。")
            return None
        return name

    def _save_path(self, title: str, suggested: str, filter_: str) -> Path | None:
        start = str(Path(self.folder) / suggested) if self.folder else suggested
        chosen, _ = QFileDialog.getSaveFileName(self, title, start, filter_)
        if not chosen:
            return None
        path = Path(chosen)
        self.folder = str(path.parent)
        return path

    def _open_path(self, title: str, filter_: str) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(self, title, self.folder, filter_)
        if not chosen:
            return None
        path = Path(chosen)
        self.folder = str(path.parent)
        return path

    # 导出公钥
    def export_key(self) -> None:
        village = self._chosen_village("导出公钥") if self.at_the_village() else None
        if self.at_the_village() and village is None:
            return
        path = self._save_path("导出公钥", f"{village or '乡镇'}.key", KEY_FILTER)
        if path is None:
            return
        from app.outputs.atomic import write_bytes
        from app.services.exchange_keys import export_public_key

        db, actor = self.db, self.actor

        def work(task: Task) -> KeyExport:
            exported = export_public_key(db, village, actor)
            write_bytes(path, exported.text.encode("utf-8"))
            return exported

        def done(exported: KeyExport) -> None:
            self.say(f"已导出{exported.owner or '本数据库'}的公钥：{path}\n"
                     f"公钥指纹：{exported.fingerprint}（对方登记后请电话核对这串字符）")

        self._run("正在导出公钥……", work, done, "没有导出", path)

    # 登记公钥
    def trust(self, township: bool) -> None:
        village = None if township else self._chosen_village("登记村的公钥")
        if not township and village is None:
            return
        whose = "乡镇" if township else village
        path = self._open_path(f"选择{whose}的公钥文件", KEY_FILTER)
        if path is None:
            return
        from app.services.exchange_keys import keys_overview, trust

        db, actor = self.db, self.actor

        def work(task: Task) -> Trusted | _Replace:
            data = read_file(path, KEY_FILE_MAX, "没有登记")
            try:
                return trust(db, data, path.name, village, False, actor)
            except Conflict:  # a different key is registered: the clerk decides, with both fingerprints
                from app.core.exchange_package import read_key_file

                overview = keys_overview(db)
                held = overview.township if village is None else overview.of_village(village)
                return _Replace(data, held.fingerprint if held else "", read_key_file(data, path.name).keys.fingerprint)

        def done(result: Trusted | _Replace) -> None:
            if isinstance(result, _Replace):
                self._ask_replace(result, village, path)
            else:
                self.say(result.sentence(township))

        self._run("正在登记公钥……", work, done, "没有登记")

    def _ask_replace(self, found: _Replace, village: str | None, path: Path) -> None:
        whose = f"{village}的公钥" if village else "乡镇的公钥"
        if not messages.confirm(
            self, "更换公钥", f"已经登记过{whose}，与文件“{path.name}”中的不同。要更换吗？", "更换公钥",
            f"已登记的指纹：{found.old}\n文件中的指纹：{found.new}\n"
            "只有对方换了电脑或重新生成公钥时才需要更换：请先打电话与对方核对新的指纹。"
            "更换会记入操作日志（新旧两个指纹都记下）。",
        ):
            self.say(f"没有更换{whose}。")
            return
        from app.services.exchange_keys import trust

        db, actor, data = self.db, self.actor, found.data
        self._run("正在更换公钥……", lambda task: trust(db, data, path.name, village, True, actor),
                  lambda trusted: self.say(trusted.sentence(village is None)), "没有更换")

    # 导出数据包
    def export_package(self, for_village: bool) -> None:
        village = self._chosen_village("导出数据包")
        if village is None or self.overview is None:
            return
        if not for_village and self.overview.township is None:
            messages.warn(self, "没有导出", "还没有登记乡镇的公钥：请先点“登记乡镇的公钥…”，选乡镇给的公钥文件。")
            return
        if for_village and self.overview.of_village(village) is None:
            messages.warn(self, "没有导出", f"还没有登记{village}的公钥：请先在上方选{village}，"
                                          "点“登记村的公钥…”，选该村交来的公钥文件。")
            return
        suggested = f"{village}-目录.cunwuz" if for_village else f"{village}-{self.today:%Y-%m}.cunwuz"
        path = self._save_path("导出数据包", suggested, PACKAGE_FILTER)
        if path is None:
            return
        from app.outputs.atomic import write_bytes
        from app.services.exchange import export_for_village, export_village

        db, actor, full = self.db, self.actor, self.full.isChecked()

        def write(data: bytes) -> None:
            write_bytes(path, data)

        def work(task: Task) -> ExportResult:
            if for_village:
                return export_for_village(db, village, write, actor)
            return export_village(db, village, write, actor, full=full)

        self._run("正在导出数据包……", work, lambda result: self.say(result.sentence(path)), "没有导出", path)

    # 导入数据包
    def import_package(self) -> None:
        path = self._open_path("选择要导入的数据包", PACKAGE_FILTER)
        if path is None:
            return
        from app.services.exchange import import_package

        db, actor = self.db, self.actor

        def work(task: Task) -> ImportResult:
            return import_package(db, read_file(path, MAX_FILE, "没有导入"), path.name, actor)

        self._run("正在检查并导入数据包……", work, lambda result: self.say(result.summary), "没有导入")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
