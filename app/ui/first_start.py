"""首次设置: on a database with no township (or no village), three steps before the first month's work.

1. the township: 乡镇名称, 乡镇代码;
2. its villages: name and 12-digit code, several rows (villages already in the database are listed);
3. per village: 监督电话, 咨询电话, 联系人, 公开栏位置, 公开时间 and, if the village files its papers,
   the archive settings (全宗号 …).

Everything is saved at the end in one transaction (app.services.village_settings.complete_first_start),
on the TaskRunner; a problem sends the clerk back to the step and field it concerns, said in red under
the field. All of it stays editable later under 设置 (app.ui.settings_dialog).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import for_output
from app.services.village_settings import NewVillage, SettingsInvalid, TownshipSettings, VillageSettings
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner
from app.ui.settings_dialog import (
    ARCHIVE_FIELDS,
    CONTACT_FIELDS,
    NAME_FIELDS,
    TOWNSHIP_FIELDS,
    FieldsForm,
    check_archive,
    scrolled,
)

STEP_TITLES = ("第 1 步（共 3 步）：乡镇", "第 2 步（共 3 步）：本乡镇的村", "第 3 步（共 3 步）：各村的公开信息")
_CONTACT_KEYS = tuple(key for key, _, _ in CONTACT_FIELDS)
_ARCHIVE_KEYS = tuple(key for key, _, _ in ARCHIVE_FIELDS)


@dataclass(frozen=True)
class _Existing:
    township: TownshipSettings
    villages: list[VillageSettings]


class VillageRow:
    """One line of step 2: the village's name and code, and a red line for their problems."""

    def __init__(self, grid: QGridLayout, row: int, remove: Callable[[VillageRow], None]) -> None:
        self.name = QLineEdit()
        self.name.setPlaceholderText(NAME_FIELDS[0][2])
        self.code = QLineEdit()
        self.code.setPlaceholderText(NAME_FIELDS[1][2])
        self.remove = QPushButton("删除")
        self.remove.clicked.connect(lambda: remove(self))
        self.error = messages.problem_label()
        self.error.hide()
        self.widgets: tuple[QWidget, ...] = (self.name, self.code, self.remove, self.error)
        grid.addWidget(self.name, 2 * row + 1, 0)
        grid.addWidget(self.code, 2 * row + 1, 1)
        grid.addWidget(self.remove, 2 * row + 1, 2)
        grid.addWidget(self.error, 2 * row + 2, 0, 1, 3)
        self.contacts: dict[str, str] = {}  # step 3's values for this village

    def show_error(self, message: str) -> None:
        self.error.setText(for_output(message))
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()


class FirstStartDialog(QDialog):
    loaded = Signal()
    finished_setup = Signal()

    def __init__(self, db: Database, runner: TaskRunner | None = None, actor: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.ui.settings_dialog import _actor_of

        self.db = db
        self.runner = runner or TaskRunner(self)
        self.actor = _actor_of(parent, actor)
        self.rows: list[VillageRow] = []
        self._grid_lines = 0
        self._shown_row: VillageRow | None = None
        self.is_loaded = False
        self.setWindowTitle("首次设置")
        self.resize(780, 560)

        self.title = QLabel(STEP_TITLES[0])
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.steps = QStackedWidget()

        # Step 1: the township.
        self.township_form = FieldsForm(TOWNSHIP_FIELDS)
        first = QWidget()
        first_box = QVBoxLayout(first)
        intro = QLabel("欢迎使用村务公开助手。请先填写乡镇和村的基本信息：它们印在每张公开表、公开事项目录和公示上，"
                       "没有填写时不能打印。以后可以在“设置”中修改。")
        intro.setWordWrap(True)
        first_box.addWidget(intro)
        first_box.addWidget(self.township_form)
        first_box.addStretch(1)
        self.steps.addWidget(scrolled(first))

        # Step 2: the villages, a row each.
        second = QWidget()
        second_box = QVBoxLayout(second)
        self.villages_error = messages.problem_label()
        self.villages_error.hide()
        self.grid = QGridLayout()
        self.grid.addWidget(QLabel("村名"), 0, 0)
        self.grid.addWidget(QLabel("村代码（12 位，可不填）"), 0, 1)
        self.add_row_button = QPushButton("再添加一个村")
        self.add_row_button.clicked.connect(lambda: self.add_row().name.setFocus())
        second_box.addWidget(QLabel("本乡镇的行政村，每行一个："))
        second_box.addLayout(self.grid)
        second_box.addWidget(self.villages_error)
        adding = QHBoxLayout()
        adding.addWidget(self.add_row_button)
        adding.addStretch(1)
        second_box.addLayout(adding)
        second_box.addStretch(1)
        self.steps.addWidget(scrolled(second))

        # Step 3: each village's contacts and archive settings.
        third = QWidget()
        third_box = QVBoxLayout(third)
        self.village_picker = QComboBox()
        self.village_picker.setObjectName("first_start_village")
        picker = QHBoxLayout()
        picker.addWidget(QLabel("村："))
        picker.addWidget(self.village_picker, 1)
        self.copy_button = QPushButton("其余各村也用这些")
        self.copy_button.setToolTip("把本村填写的内容复制给还没有填写的村（全宗号除外）")
        picker.addWidget(self.copy_button)
        third_box.addLayout(picker)
        self.contact_form = FieldsForm(CONTACT_FIELDS)
        third_box.addWidget(self.contact_form)
        archive_title = QLabel("归档设置（可以以后再填）")
        archive_title.setStyleSheet("font-weight: bold;")
        third_box.addWidget(archive_title)
        self.archive_form = FieldsForm(ARCHIVE_FIELDS)
        third_box.addWidget(self.archive_form)
        third_box.addStretch(1)
        self.steps.addWidget(scrolled(third))

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.back_button = QPushButton("上一步")
        self.next_button = QPushButton("下一步")
        self.finish_button = QPushButton("完成")
        self.later_button = QPushButton("以后再填")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.later_button, self.back_button, self.next_button, self.finish_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(lambda: self.go_to(self.steps.currentIndex() - 1))
        self.next_button.clicked.connect(self.next_step)
        self.finish_button.clicked.connect(self.finish)
        self.later_button.clicked.connect(self.reject)
        self.village_picker.currentIndexChanged.connect(self._show_contacts)
        self.copy_button.clicked.connect(self.copy_to_others)
        self.go_to(0)
        self._load()

    # --- loading what is there ---------------------------------------------------------------

    def _load(self) -> None:
        from app.services.village_settings import list_village_settings, township_settings

        db = self.db
        self.setEnabled(False)
        self.runner.start(lambda task: _Existing(township_settings(db), list_village_settings(db)),
                          on_success=self._loaded, on_failure=self._load_failed, lane="settings")

    def _loaded(self, existing: _Existing) -> None:
        self.township_form.set_values({"township_name": existing.township.name,
                                       "township_code": existing.township.code})
        for village in existing.villages:
            row = self.add_row()
            row.name.setText(village.name)
            row.code.setText(village.code)
            row.contacts = {key: str(getattr(village, key)) for key in _CONTACT_KEYS + _ARCHIVE_KEYS}
        if not self.rows:
            self.add_row()
        self.setEnabled(True)
        self.is_loaded = True
        self.township_form.edits["township_name"].setFocus()
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self.setEnabled(True)
        self.status.setText(f"读取失败：{messages.error_text(error)}")

    # --- step 2's rows -----------------------------------------------------------------------

    def add_row(self) -> VillageRow:
        row = VillageRow(self.grid, self._grid_lines, self.remove_row)
        self._grid_lines += 1  # a removed row's grid lines stay empty
        self.rows.append(row)
        return row

    def remove_row(self, row: VillageRow) -> None:
        if len(self.rows) <= 1:
            row.name.clear()
            row.code.clear()
            return
        for widget in row.widgets:
            widget.hide()
            widget.deleteLater()
        self.rows.remove(row)

    def _named_rows(self) -> list[VillageRow]:
        return [row for row in self.rows if row.name.text().strip() or row.code.text().strip()]

    # --- step 3 ------------------------------------------------------------------------------

    def _keep_contacts(self) -> None:
        if self._shown_row is not None:
            self._shown_row.contacts = {**self.contact_form.values(), **self.archive_form.values()}

    def _fill_picker(self) -> None:
        self._keep_contacts()
        self._shown_row = None
        self.village_picker.blockSignals(True)
        self.village_picker.clear()
        for index, row in enumerate(self._named_rows()):
            self.village_picker.addItem(row.name.text().strip() or f"第 {index + 1} 个村", index)
        self.village_picker.blockSignals(False)
        self.village_picker.setCurrentIndex(0)
        self._show_contacts()

    def _show_contacts(self) -> None:
        self._keep_contacts()
        rows = self._named_rows()
        index = self.village_picker.currentData()
        row = rows[index] if index is not None and 0 <= index < len(rows) else None
        self._shown_row = row
        values = row.contacts if row else {}
        self.contact_form.set_values(values)
        self.archive_form.set_values(values)

    def select_village(self, name: str) -> None:
        """Step 3 for the village `name` (as typed in step 2)."""
        index = self.village_picker.findText(name)
        if index >= 0:
            self.village_picker.setCurrentIndex(index)

    def copy_to_others(self) -> None:
        self._keep_contacts()
        if self._shown_row is None:
            return
        source = {key: value for key, value in self._shown_row.contacts.items() if key in _CONTACT_KEYS}
        copied = 0
        for row in self._named_rows():
            if row is self._shown_row:
                continue
            filled = {key: value for key, value in row.contacts.items() if key in _CONTACT_KEYS and value.strip()}
            row.contacts = {**row.contacts, **source, **filled}
            copied += 1
        self.status.setText(f"已复制给其余 {copied} 个村（各村已填写的内容保留）")

    # --- navigation --------------------------------------------------------------------------

    def go_to(self, step: int) -> None:
        step = max(0, min(step, self.steps.count() - 1))
        if self.steps.currentIndex() == 2 and step != 2:
            self._keep_contacts()
        self.steps.setCurrentIndex(step)
        self.title.setText(STEP_TITLES[step])
        self.back_button.setEnabled(step > 0)
        self.next_button.setVisible(step < self.steps.count() - 1)
        self.finish_button.setVisible(step == self.steps.count() - 1)
        if step == 2:
            self._fill_picker()

    def next_step(self) -> None:
        """Check what the step itself can (required fields); the service checks the rest at the end."""
        step = self.steps.currentIndex()
        if step == 0 and not self.township_form.values()["township_name"].strip():
            self.township_form.clear_errors()
            self.township_form.show_error("township_name", "请填写乡镇名称")
            self.township_form.edits["township_name"].setFocus()
            return
        if step == 1 and not any(row.name.text().strip() for row in self.rows):
            self.villages_error.setText("请至少填写一个村")
            self.villages_error.show()
            self.rows[0].name.setFocus()
            return
        self.villages_error.hide()
        self.go_to(step + 1)

    # --- saving ------------------------------------------------------------------------------

    def answers(self) -> tuple[str, str, list[NewVillage], dict[str, dict[str, str]]]:
        """(township name, code, villages, archive settings by village name) as typed."""
        self._keep_contacts()
        township = self.township_form.values()
        villages, archives = [], {}
        for row in self._named_rows():
            contacts = row.contacts
            villages.append(NewVillage(row.name.text(), row.code.text(),
                                       **{key: contacts.get(key, "") for key in _CONTACT_KEYS}))
            archive = {key: contacts.get(key, "") for key in _ARCHIVE_KEYS}
            if any(value.strip() for value in archive.values()):
                archives["".join(row.name.text().split())] = archive
        return township["township_name"], township["township_code"], villages, archives

    def finish(self) -> None:
        from app.services import archive as archive_service
        from app.services.village_settings import complete_first_start

        for form in (self.township_form, self.contact_form, self.archive_form):
            form.clear_errors()
        for row in self.rows:
            row.clear_error()
        name, code, villages, archives = self.answers()
        for index, village in enumerate(villages):
            archive = archives.get("".join(village.name.split()))
            problems = check_archive(archive) if archive else []
            if problems:
                self.go_to(2)
                self.village_picker.setCurrentIndex(index)
                for key, message in problems:
                    self.archive_form.show_error(key, message)
                self.status.setText("归档设置填写不对，见红字说明")
                return
        db, actor = self.db, self.actor

        def work(task: Task) -> None:  # runs in the worker
            complete_first_start(db, actor, name, code, villages)
            for village, archive in archives.items():
                archive_service.configure(db, village, archive["fonds"], actor, doc_class=archive["doc_class"],
                                          default_category=archive["default_category"],
                                          responsible=archive["responsible"])

        self.setEnabled(False)
        self.status.setText("正在保存……")
        self.runner.start(work, on_success=self._saved, on_failure=self._failed, lane="settings")

    def _saved(self, _: object) -> None:
        self.setEnabled(True)
        self.status.setText("已保存")
        self.finished_setup.emit()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.setEnabled(True)
        if not isinstance(error, SettingsInvalid):
            self.status.setText(messages.error_text(error))
            messages.failed(self, "没有保存", "保存首次设置失败", error)
            return
        self.show_problems(list(error.fields))

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        """Each problem under its field; the dialog goes to the first one's step and field."""
        rows = self._named_rows()
        target: tuple[int, object] | None = None
        for key, message in problems:
            if key.startswith("township_"):
                self.township_form.show_error(key, message)
                target = target or (0, self.township_form.edits.get(key))
            elif key == "villages":
                self.villages_error.setText(message)
                self.villages_error.show()
                target = target or (1, rows[0].name if rows else None)
            elif key.startswith("villages."):
                _, index, field = key.split(".", 2)
                row = rows[int(index)] if int(index) < len(rows) else None
                if row is None:
                    continue
                if field in ("name", "code"):
                    row.show_error(message)
                    target = target or (1, row.name if field == "name" else row.code)
                else:
                    target = target or (2, (int(index), field, message))
        if target is None:
            self.status.setText("；".join(message for _, message in problems))
            return
        step, where = target
        self.go_to(step)
        if step == 2 and isinstance(where, tuple):
            index, field, _ = where
            self.village_picker.setCurrentIndex(index)
            for key, message in problems:
                if key.startswith(f"villages.{index}."):
                    self.contact_form.show_error(key.split(".", 2)[2], message)
            widget = self.contact_form.widget(field)
            if widget is not None:
                widget.setFocus()
        elif isinstance(where, QWidget):
            where.setFocus()
        self.status.setText("有填写不对的地方，见红字说明")


def open_first_start(parent: QWidget | None, db: Database, runner: TaskRunner | None = None,
                     actor: str = "") -> FirstStartDialog:
    """Open 首次设置 (window-modal, not blocking); its `finished_setup` signal says it was saved."""
    dialog = FirstStartDialog(db, runner, actor, parent)
    dialog.open()
    return dialog


def first_start_if_needed(parent: QWidget | None, db: Database, runner: TaskRunner, actor: str = "",
                          on_done: Callable[[], None] | None = None) -> None:
    """Ask the database (off the GUI thread) whether it has a township and a village; if not, open
    首次设置. `on_done` is called after the set-up was saved (e.g. to reload the window's villages)."""
    from app.services.village_settings import needs_first_start

    def answered(needed: object) -> None:
        if not needed:
            return
        dialog = open_first_start(parent, db, runner, actor)
        if on_done is not None:
            dialog.finished_setup.connect(on_done)

    runner.start(lambda task: needs_first_start(db), on_success=answered, lane="settings")
