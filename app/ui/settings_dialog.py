"""设置: the township (名称, 代码) and each village (代码, 电话, 联系人, 公开栏, 名单顺序, 归档设置).

Every public sheet names the township and the village's supervision phone; the catalog poster also
whom to ask, where and when (app.services.village_settings.REQUIRED_FOR). A sheet missing one is
refused with SettingsMissing; `explain_missing` says so and offers “去填写”, which opens this dialog at
the first missing field.

Thin: reading and saving run on the TaskRunner (never on the GUI thread); the services decide what is
valid and name each problem with its field, shown in red under that field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.disclosure import for_output
from app.services.ledger import NAME_ORDERS, PINYIN_ORDER
from app.services.village_settings import (
    SettingsInvalid,
    SettingsMissing,
    TownshipSettings,
    VillageSettings,
)
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import Task, TaskRunner

# (field key, label, placeholder): the keys are app.services.village_settings' field keys.
TOWNSHIP_FIELDS = (
    ("township_name", "乡镇名称", "如 桃花乡（印在每张公开表上）"),
    ("township_code", "乡镇代码", "9 位统计用区划代码，可不填"),
)
NAME_FIELDS = (
    ("name", "村名", "如 桃源村"),
    ("code", "村代码", "12 位统计用区划代码，前 9 位是乡镇代码"),
)
CONTACT_FIELDS = (
    ("supervision_phone", "监督电话", "村务监督委员会的电话，每张公开表都要印"),
    ("consult_phone", "咨询电话", "可不填；不填时公开目录上印监督电话"),
    ("contact_person", "联系人", "村民查询时的接待人，如 王文书"),
    ("board_place", "公开栏位置", "如 村委会大院门口公开栏"),
    ("board_hours", "公开时间", "可以查询的时间，如 工作日 8:30—17:30"),
)
ARCHIVE_FIELDS = (
    ("fonds", "全宗号", "归档用，如 J012；可以以后再填"),
    ("doc_class", "门类代码", "可不填，如 WS（文书）"),
    ("default_category", "机构（问题）代码", "可不填，如 GK（村务公开）"),
    ("responsible", "责任者", "可不填；默认为“××村民委员会”"),
)
ORDER_FIELD = ("sheet_order", "名单顺序")


def _actor_of(parent: QWidget | None, actor: str | None) -> str:
    if actor:
        return actor
    if parent is not None and isinstance(getattr(parent, "actor", None), str):
        return parent.actor  # type: ignore[attr-defined]
    from app.services.audit import default_actor

    return default_actor()


class FieldsForm(QWidget):
    """Labelled line edits, each with its placeholder and a red line for its problem under it."""

    def __init__(self, fields: Sequence[tuple[str, str, str]], parent: QWidget | None = None,
                 with_order: bool = False) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.order: QComboBox | None = None
        for key, label, placeholder in fields:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            edit.setObjectName(key)
            self._add(key, label, edit)
            self.edits[key] = edit
        if with_order:
            self.order = QComboBox()
            self.order.setObjectName(ORDER_FIELD[0])
            for key, label in NAME_ORDERS.items():
                self.order.addItem(label, key)
            self.order.setToolTip("公开表上同一村民小组内的名单顺序")
            self._add(ORDER_FIELD[0], ORDER_FIELD[1], self.order)

    def _add(self, key: str, label: str, widget: QWidget) -> None:
        error = messages.problem_label()
        error.hide()
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        self.form.addRow(f"{label}：", box)
        self.errors[key] = error

    def widget(self, key: str) -> QWidget | None:
        if key == ORDER_FIELD[0]:
            return self.order
        return self.edits.get(key)

    def set_values(self, values: dict[str, str]) -> None:
        for key, edit in self.edits.items():
            edit.setText(values.get(key, ""))
        if self.order is not None:
            index = self.order.findData(values.get(ORDER_FIELD[0], PINYIN_ORDER))
            self.order.setCurrentIndex(max(index, 0))
        self.clear_errors()

    def values(self) -> dict[str, str]:
        found = {key: edit.text() for key, edit in self.edits.items()}
        if self.order is not None:
            found[ORDER_FIELD[0]] = str(self.order.currentData())
        return found

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def show_error(self, key: str, message: str) -> bool:
        """Show `message` under the field `key`; False when this form has no such field."""
        label = self.errors.get(key)
        if label is None:
            return False
        label.setText(for_output(message))
        label.show()
        return True

    def error_text(self, key: str) -> str:
        label = self.errors.get(key)
        return label.text() if label is not None and label.isVisible() else ""


def scrolled(widget: QWidget) -> QScrollArea:
    """A form in a scroll area: the dialog stays usable on a 1366×768 screen at 125 %."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _village_values(settings: VillageSettings) -> dict[str, str]:
    return {key: str(getattr(settings, key)) for key in (
        "name", "code", "supervision_phone", "consult_phone", "contact_person", "board_place", "board_hours",
        "sheet_order", "fonds", "doc_class", "default_category", "responsible")}


def check_archive(values: dict[str, str]) -> list[tuple[str, str]]:
    """The archive settings' own rules (app.core.archive), by field, before anything is saved."""
    from app.core.archive import ArchiveError, FondsSettings, check_category_code

    problems: list[tuple[str, str]] = []
    fonds, doc_class = values.get("fonds", "").strip(), values.get("doc_class", "").strip()
    if not fonds:
        problems.append(("fonds", "请填写全宗号（归档设置以全宗号为准；不用归档设置时其余几项也请留空）"))
    if fonds:
        try:
            FondsSettings(fonds, doc_class)
        except ArchiveError as exc:
            problems.append(("doc_class" if fonds and "门类" in str(exc) else "fonds", str(exc)))
    try:
        check_category_code(values.get("default_category", ""))
    except ArchiveError as exc:
        problems.append(("default_category", str(exc)))
    return problems


@dataclass(frozen=True)
class _Loaded:
    township: TownshipSettings
    villages: list[VillageSettings]


class SettingsDialog(QDialog):
    loaded = Signal()
    saved = Signal()

    def __init__(self, db: Database, runner: TaskRunner | None = None, parent: QWidget | None = None,
                 village_id: int | None = None, focus_field: str | None = None, actor: str | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.runner = runner or TaskRunner(self)
        self.actor = _actor_of(parent, actor)
        self.villages: list[VillageSettings] = []
        self.township: TownshipSettings | None = None
        self._wanted_village, self._focus = village_id, focus_field
        self.is_loaded = False
        self.setWindowTitle("设置")
        self.resize(760, 560)

        self.township_form = FieldsForm(TOWNSHIP_FIELDS)
        township_page = QWidget()
        township_box = QVBoxLayout(township_page)
        note = QLabel("乡镇名称印在每张公开表、公开事项目录和公示上；乡镇代码是 9 位统计用区划代码。")
        note.setWordWrap(True)
        township_box.addWidget(note)
        township_box.addWidget(self.township_form)
        township_box.addStretch(1)

        self.village_picker = QComboBox()
        self.village_picker.setObjectName("village_picker")
        self.village_form = FieldsForm(NAME_FIELDS + CONTACT_FIELDS, with_order=True)
        self.archive_form = FieldsForm(ARCHIVE_FIELDS)
        village_page = QWidget()
        village_box = QVBoxLayout(village_page)
        picker_row = QHBoxLayout()
        picker_row.addWidget(QLabel("村："))
        picker_row.addWidget(self.village_picker, 1)
        village_box.addLayout(picker_row)
        village_box.addWidget(self.village_form)
        archive_title = QLabel("归档设置（档号用）")
        archive_title.setStyleSheet("font-weight: bold;")
        village_box.addWidget(archive_title)
        village_box.addWidget(self.archive_form)
        village_box.addStretch(1)

        self.tabs = QTabWidget()
        self.township_scroll, self.village_scroll = scrolled(township_page), scrolled(village_page)
        self.tabs.addTab(self.township_scroll, "乡镇")
        self.tabs.addTab(self.village_scroll, "村")

        self.status = QLabel("正在读取设置……")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("保存")
        self.close_button = QPushButton("关闭")
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.village_picker.currentIndexChanged.connect(self._show_village)
        self._set_enabled(False)
        self.reload()

    # --- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        from app.services.village_settings import list_village_settings, township_settings

        db = self.db
        self.runner.start(lambda task: _Loaded(township_settings(db), list_village_settings(db)),
                          on_success=self._loaded, on_failure=self._load_failed, lane="settings")

    def _loaded(self, data: _Loaded) -> None:
        self.township, self.villages = data.township, data.villages
        self.township_form.set_values({"township_name": data.township.name, "township_code": data.township.code})
        wanted = self._wanted_village if self._wanted_village is not None else self.current_village_id()
        self.village_picker.blockSignals(True)
        self.village_picker.clear()
        for village in self.villages:
            self.village_picker.addItem(village.name, village.id)
        index = self.village_picker.findData(wanted) if wanted is not None else 0
        self.village_picker.setCurrentIndex(max(index, 0))
        self.village_picker.blockSignals(False)
        self._show_village()
        self._set_enabled(True)
        self.status.setText("" if self.villages else "还没有村：请先在主窗口“添加村”，或在首次设置中填写")
        self.is_loaded = True
        if self._focus:
            self.focus_field(self._focus)
            self._focus = None
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self.status.setText(f"读取设置失败：{messages.error_text(error)}")

    def _set_enabled(self, enabled: bool) -> None:
        self.save_button.setEnabled(enabled)
        self.tabs.setEnabled(enabled)

    def current_village_id(self) -> int | None:
        data = self.village_picker.currentData()
        return int(data) if data is not None else None

    def _current(self) -> VillageSettings | None:
        village_id = self.current_village_id()
        return next((v for v in self.villages if v.id == village_id), None)

    def _show_village(self) -> None:
        village = self._current()
        values = _village_values(village) if village else {}
        self.village_form.set_values(values)
        self.archive_form.set_values(values)
        has_village = village is not None
        self.village_form.setEnabled(has_village)
        self.archive_form.setEnabled(has_village)

    # --- focus -------------------------------------------------------------------------------

    def field_widget(self, key: str) -> QWidget | None:
        for form in (self.township_form, self.village_form, self.archive_form):
            widget = form.widget(key)
            if widget is not None:
                return widget
        return None

    def focus_field(self, key: str) -> None:
        """Show the tab holding the field `key` (a village_settings field key) and put the cursor in it."""
        widget = self.field_widget(key)
        if widget is None:
            return
        on_township = key.startswith("township_")
        self.tabs.setCurrentIndex(0 if on_township else 1)
        (self.township_scroll if on_township else self.village_scroll).ensureWidgetVisible(widget)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    # --- saving ------------------------------------------------------------------------------

    def _changes(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        township_now = self.township_form.values()
        township_then = {"township_name": self.township.name if self.township else "",
                         "township_code": self.township.code if self.township else ""}
        township = {key: value for key, value in township_now.items() if value.strip() != township_then[key].strip()}
        village = self._current()
        then = _village_values(village) if village else {}
        village_changes = {key: value for key, value in self.village_form.values().items()
                           if value.strip() != then.get(key, "").strip()}
        archive_now = self.archive_form.values()
        changed = any(value.strip() != then.get(key, "").strip() for key, value in archive_now.items())
        # Nothing typed where nothing was set: no archive settings yet, and none asked for.
        archive = archive_now if changed and any(value.strip() for value in archive_now.values()) else {}
        return township, village_changes, archive

    def save(self) -> None:
        from app.services import archive as archive_service
        from app.services.village_settings import update_township, update_village

        for form in (self.township_form, self.village_form, self.archive_form):
            form.clear_errors()
        township, village_changes, archive = self._changes()
        village = self._current()
        problems = check_archive(archive) if archive else []
        if problems:
            self._show_problems(problems)
            return
        if not (township or village_changes or archive):
            self.status.setText("没有改动")
            return
        db, actor = self.db, self.actor
        village_id, village_name = (village.id, village.name) if village else (None, "")

        def work(task: Task) -> None:  # runs in the worker
            if township:
                update_township(db, actor, name=township.get("township_name"), code=township.get("township_code"))
            name = village_name
            if village_id is not None and village_changes:
                name = update_village(db, village_id, actor, **village_changes).name
            if village_id is not None and archive:
                archive_service.configure(db, name, archive["fonds"], actor, doc_class=archive["doc_class"],
                                          default_category=archive["default_category"],
                                          responsible=archive["responsible"])

        self._set_enabled(False)
        self.status.setText("正在保存……")
        self.runner.start(work, on_success=self._saved, on_failure=self._save_failed, lane="settings")

    def _saved(self, _: object) -> None:
        self.status.setText("已保存")
        self._wanted_village = self.current_village_id()
        self.saved.emit()
        self.reload()

    def _save_failed(self, error: BaseException) -> None:
        self._set_enabled(True)
        if isinstance(error, SettingsInvalid):
            self._show_problems(list(error.fields))
            return
        self.status.setText(messages.error_text(error))
        messages.failed(self, "没有保存", "保存设置失败", error)

    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        first = None
        unplaced = []
        for key, message in problems:
            shown = any(form.show_error(key, message)
                        for form in (self.township_form, self.village_form, self.archive_form))
            if shown and first is None:
                first = key
            if not shown:
                unplaced.append(message)
        self.status.setText(for_output("；".join(unplaced) if unplaced else "有填写不对的地方，见红字说明"))
        if first:
            self.focus_field(first)

    def error_text(self, key: str) -> str:
        for form in (self.township_form, self.village_form, self.archive_form):
            text = form.error_text(key)
            if text:
                return text
        return ""


def open_settings(parent: QWidget | None, db: Database, runner: TaskRunner | None = None,
                  village_id: int | None = None, focus_field: str | None = None,
                  actor: str | None = None) -> SettingsDialog:
    """Open 设置 (window-modal, not blocking), at the village and field given (a village_settings field
    key such as "supervision_phone" or "township_name"), once its values are read."""
    dialog = SettingsDialog(db, runner, parent, village_id=village_id, focus_field=focus_field, actor=actor)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def explain_missing(parent: QWidget | None, error: SettingsMissing,
                    open_settings_callback: Callable[[int, str], object]) -> bool:
    """Say which settings a sheet lacks; “去填写” calls open_settings_callback(village_id, first field key).
    Returns True when the clerk chose to fill them in."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("还不能打印")
    box.setText(for_output(error.message))
    box.setInformativeText(for_output("需要填写：" + "、".join(label for _, label in error.fields)))
    go = box.addButton("去填写", QMessageBox.ButtonRole.AcceptRole)
    later = box.addButton("以后再说", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(go)
    box.setEscapeButton(later)
    box.exec()
    if box.clickedButton() is go:
        open_settings_callback(error.village_id, error.fields[0][0] if error.fields else "")
        return True
    return False


def offer_settings(page: QWidget, error: SettingsMissing, on_saved: Callable[[], None] | None = None) -> None:
    """A page refused a sheet for missing settings: its status line says which, and “去填写” opens 设置
    at the first of them with the page's database, worker and acting person (kept as
    `page.settings_dialog`); `on_saved` runs once they are saved (e.g. make the sheet again)."""
    page.status.setText(error.message)  # type: ignore[attr-defined]

    def fill_in(village_id: int, field: str) -> None:
        dialog = open_settings(page, page.db, page.runner, village_id, field, actor=page.actor)  # type: ignore[attr-defined]
        page.settings_dialog = dialog  # type: ignore[attr-defined]
        if on_saved is not None:
            dialog.saved.connect(on_saved)

    explain_missing(page, error, fill_in)

