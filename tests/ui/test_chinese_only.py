"""The clerk reads Chinese only (issue 14): no English word in any text, tooltip, label, heading, menu
or placeholder of the main window, its pages and dialogs — Qt's own file dialog included, with the
translations the program loads (app.ui.launch.install_qt_translation: "查找范围", not "Look in").

Allowed: the names of formats and things that have no other name in a village office (PDF, Excel, CSV,
xlsx, ID…), catalog item numbers (S03), the pinyin example "zs" and the X that ends some ID numbers. Data in table cells is the
clerk's own and is not checked here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
    QWizard,
)

from app.services.catalog import village_catalog
from app.services.payouts import load_record
from app.ui import messages
from app.ui.actor import ActorDialog
from app.ui.archive_page import ArchivePage, PieceDialog
from app.ui.audit_page import AuditPage
from app.ui.bulletin_preview import BulletinPreviewDialog
from app.ui.catalog_page import CatalogPage
from app.ui.correction_dialog import CorrectionDialog, RowToCorrect
from app.ui.due_page import DuePage
from app.ui.first_start import FirstStartDialog
from app.ui.holidays_page import HolidaysPage
from app.ui.import_wizard import ImportContext, ImportWizard
from app.ui.launch import install_qt_translation
from app.ui.notice_dialogs import HandlingDialog, NoticeForm, ObjectionDialog, PayoutsDialog, SignDialog
from app.ui.notices_page import NoticesPage
from app.ui.paste_dialog import PasteDialog
from app.ui.payout_dialog import PayoutDialog
from app.ui.settings_dialog import SettingsDialog
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import OCT, settle

ALLOWED = {"pdf", "excel", "csv", "xlsx", "xls", "wps", "jpg", "jpeg", "png", "id", "a3", "a4", "zs", "x"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CODE = re.compile(r"[A-Z]\d{2,}")  # a catalog item's number (S03), printed on the poster the same way
COLUMN = re.compile(r"[A-Z]{1,2}")  # a spreadsheet's column letter (A 列), as Excel shows it
TODAY = dt.date(2026, 11, 2)


def english(text: str) -> list[str]:
    """English words, a Chinese label's mnemonic ("文件名称(&N)") aside."""
    text = re.sub(r"\(&\w\)", "", text).replace("&", "")
    text = re.sub(r"\b[A-Z]{4}-[A-Z]{4}-[A-Z]{4}\b", "", text)  # the operation log's code, as printed on a sheet
    return [word for word in WORD.findall(text)
            if word.lower() not in ALLOWED and not CODE.fullmatch(word) and not COLUMN.fullmatch(word)]


def texts_of(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for everything in `root` a clerk can read."""
    found: list[tuple[str, str]] = [(f"{type(root).__name__} title", root.windowTitle())]
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        kind = type(widget).__name__
        found.append((f"{kind} tooltip", widget.toolTip()))
        if isinstance(widget, (QLabel, QAbstractButton)):
            found.append((kind, widget.text()))
        if isinstance(widget, QGroupBox):
            found.append((kind, widget.title()))
        if isinstance(widget, QLineEdit):
            found.append((f"{kind} placeholder", widget.placeholderText()))
        if isinstance(widget, QComboBox):
            found += [(f"{kind} item", widget.itemText(i)) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            found += [(f"{kind} tab", widget.tabText(i)) for i in range(widget.count())]
        if isinstance(widget, QMenu):
            found.append((kind, widget.title()))
        if isinstance(widget, QHeaderView) and widget.model() is not None:
            model, orientation = widget.model(), widget.orientation()
            count = model.columnCount() if orientation == Qt.Orientation.Horizontal else 0
            found += [(f"{kind} heading", str(model.headerData(c, orientation) or "")) for c in range(count)]
        if isinstance(widget, QWizard):
            unused = set() if widget.testOption(QWizard.WizardOption.HaveHelpButton) else {QWizard.WizardButton.HelpButton}
            found += [(f"{kind} button", widget.buttonText(button)) for button in QWizard.WizardButton
                      if button.value < QWizard.WizardButton.NButtons.value and button not in unused]
            found += [(f"{kind} page", text) for page_id in widget.pageIds()
                      for text in (widget.page(page_id).title(), widget.page(page_id).subTitle())]
        for action in widget.actions():
            found += [(f"{type(action).__name__}", action.text()), ("action tip", action.toolTip()),
                      ("action status tip", action.statusTip())]
    return [(where, text) for where, text in found if text]


def assert_chinese(root: QWidget) -> None:
    problems = [f"{where}: {text!r}" for where, text in texts_of(root) if english(text)]
    assert problems == []


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_window_and_its_pages_speak_chinese(seeded, db, window, qtbot):
    settle(qtbot, window)
    window.table.selectRow(0)
    assert_chinese(window)
    for action in window.findChildren(QAction):
        assert not english(action.text()) and not english(action.toolTip()), action.text()
    subsidies = [s.name for s in window.subsidies]
    entries = village_catalog(db, VILLAGE, ACTOR).entries
    dialogs = [
        PayoutDialog(window.entry_context()),
        PayoutDialog(window.entry_context(), load_record(db, window.selected_payout())),
        ImportWizard(ImportContext(db, ACTOR, [VILLAGE], VILLAGE, window.subsidies, OCT), window.runner),
        ArchivePage(db, VILLAGE, ACTOR), PieceDialog(),
        NoticesPage(db, VILLAGE, ACTOR, today=TODAY), NoticeForm(entries, subsidies, TODAY, None),
        SignDialog("签署", "第 1 号公示现为“草稿”。", "签署", TODAY, ask_reason=True), ObjectionDialog(TODAY),
        HandlingDialog("匿名：某户家有小轿车", TODAY), PayoutsDialog(subsidies, TODAY),
        DuePage(db, VILLAGE, ACTOR, month=OCT, today=TODAY),
        BulletinPreviewDialog(db, VILLAGE, OCT, ACTOR, runner=window.runner),
        CorrectionDialog(db, window.runner, ACTOR, [RowToCorrect(1, "张*", "最低生活保障金", "2026-10", 56000)]),
        PasteDialog(db, window.runner, ACTOR, VILLAGE, OCT, subsidies, "张三\t1\r\n"),
        SettingsDialog(db, window.runner, actor=ACTOR), FirstStartDialog(db, window.runner, ACTOR),
        CatalogPage(db, ACTOR, [VILLAGE], VILLAGE), HolidaysPage(db, ACTOR, today=TODAY), AuditPage(db, [VILLAGE]),
        ActorDialog(),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        if getattr(dialog, "runner", None) is not None:
            settle(qtbot, dialog)
        assert_chinese(dialog)


def test_message_boxes_label_their_buttons_in_chinese(monkeypatch):
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    messages.confirm(None, "删除发放记录", "确定删除吗？", "删除")
    messages.inform(None, "提示", "已保存")
    messages.refuse(None, "没有保存", "不能保存", ["第 2 行：金额不对"])
    for box in shown:
        assert [b.text() for b in box.buttons()] and not any(english(b.text()) for b in box.buttons())
        assert_chinese(box)


@pytest.fixture
def qt_translation(qapp):
    installed = install_qt_translation(qapp)
    assert installed, "qtbase_zh_CN.qm was not found in PySide6's translations folder"
    yield
    for translator in installed:
        QApplication.removeTranslator(translator)


@pytest.mark.parametrize("mode", [QFileDialog.AcceptMode.AcceptOpen, QFileDialog.AcceptMode.AcceptSave])
def test_the_file_dialog_speaks_chinese(qt_translation, qtbot, mode, tmp_path):
    """Qt's own dialog (as used where the desktop has no native one): its labels, buttons and tooltips."""
    dialog = QFileDialog(None, "导出 Excel", str(tmp_path), "Excel 表格 (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(mode)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "查找范围：" in labels and "文件类型：" in labels  # Qt 6 asks for "&Look in:", the .qm has "Look in:"
    problems = [f"{where}: {text!r}" for where, text in texts_of(dialog)
                if english(text) and where != "QLineEdit" and str(tmp_path) not in text]
    assert problems == []
