"""首次设置 and 设置 in the window, offscreen (issue 14).

domain.md "Printed forms": every sheet carries the supervision phone; the clerk uses the window,
never a terminal, so the window must set what a sheet needs, say what is missing and take the clerk
to the field. "Who uses it": an old office PC, so every dialog fits 1366×768 at 125 % scaling.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from app.services.setup import initialize
from app.services.village_settings import (
    SettingsMissing,
    list_village_settings,
    township_settings,
    update_village,
    village_settings,
)
from app.storage.engine import open_database
from app.ui.first_start import FirstStartDialog
from app.ui.settings_dialog import SettingsDialog, explain_missing, open_settings
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import WAIT_MS

# 1366×768 at 125 % leaves 1093×614 logical pixels, less the taskbar and the title bar.
MAX_WIDTH, MAX_HEIGHT = 1000, 600


@pytest.fixture
def empty_db(tmp_path: Path):
    """What the window opens on the first day: `initialize` only (the placeholder township, no village)."""
    database = open_database(tmp_path / "首次" / "cunwu.sqlite3")
    initialize(database, ACTOR)
    try:
        yield database
    finally:
        database.close()


def typed(edit: QLineEdit, text: str) -> None:
    edit.clear()
    edit.insert(text)


def first_start(qtbot, db, runner) -> FirstStartDialog:
    dialog = FirstStartDialog(db, runner, ACTOR)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT_MS):
        dialog.show()
    return dialog


def settings_at(qtbot, db, runner, village_id=None, field=None) -> SettingsDialog:
    dialog = open_settings(None, db, runner, village_id=village_id, focus_field=field, actor=ACTOR)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.is_loaded, timeout=WAIT_MS)
    return dialog


def test_the_first_start_on_an_empty_database_sets_the_township_villages_and_their_contacts(qtbot, empty_db, runner):
    dialog = first_start(qtbot, empty_db, runner)
    assert dialog.title.text().startswith("第 1 步") and len(dialog.rows) == 1
    dialog.next_button.click()  # no township's name: said under the field, not a step further
    assert dialog.steps.currentIndex() == 0
    assert dialog.township_form.error_text("township_name") == "请填写乡镇名称"

    typed(dialog.township_form.edits["township_name"], "桃花乡")
    typed(dialog.township_form.edits["township_code"], "140123101")
    dialog.next_button.click()
    assert dialog.title.text().startswith("第 2 步")
    typed(dialog.rows[0].name, "桃源村")
    typed(dialog.rows[0].code, "140123101201")
    dialog.add_row_button.click()
    typed(dialog.rows[1].name, "杏花村")
    typed(dialog.rows[1].code, "140123102202")  # outside the township: the service says so
    dialog.next_button.click()
    assert dialog.title.text().startswith("第 3 步") and dialog.village_picker.count() == 2

    dialog.select_village("桃源村")
    form = dialog.contact_form.edits
    typed(form["supervision_phone"], "0351-1234567")
    typed(form["contact_person"], "王文书")
    typed(form["board_place"], "村委会大院门口公开栏")
    typed(form["board_hours"], "工作日 8:30—17:30")
    typed(dialog.archive_form.edits["fonds"], "J012")
    dialog.copy_button.click()  # the same contacts for the other village
    dialog.select_village("杏花村")
    assert form["supervision_phone"].text() == "0351-1234567" and dialog.archive_form.edits["fonds"].text() == ""
    typed(form["supervision_phone"], "0351-7654321")

    dialog.finish_button.click()
    qtbot.waitUntil(lambda: dialog.steps.currentIndex() == 1 and dialog.rows[1].error.isVisible(), timeout=WAIT_MS)
    assert "村代码 140123102202 的前 9 位应是乡镇代码 140123101" in dialog.rows[1].error.text()
    assert dialog.focusWidget() is dialog.rows[1].code
    assert not list_village_settings(empty_db)  # nothing written: all or nothing

    typed(dialog.rows[1].code, "140123101202")
    dialog.next_button.click()
    with qtbot.waitSignal(dialog.finished_setup, timeout=WAIT_MS):
        dialog.finish_button.click()

    township = township_settings(empty_db)
    assert (township.name, township.code) == ("桃花乡", "140123101")
    villages = {v.name: v for v in list_village_settings(empty_db)}
    assert set(villages) == {"桃源村", "杏花村"}
    peach, apricot = villages["桃源村"], villages["杏花村"]
    assert (peach.code, peach.supervision_phone, peach.contact_person, peach.fonds) == (
        "140123101201", "0351-1234567", "王文书", "J012")
    assert (apricot.supervision_phone, apricot.board_place, apricot.board_hours) == (
        "0351-7654321", "村委会大院门口公开栏", "工作日 8:30—17:30")


def test_settings_open_at_the_field_asked_for(qtbot, db, village_id, runner):
    dialog = settings_at(qtbot, db, runner, village_id, "supervision_phone")
    edit = dialog.village_form.edits["supervision_phone"]
    assert dialog.tabs.currentIndex() == 1 and dialog.current_village_id() == village_id
    assert dialog.focusWidget() is edit and edit.text() == "0351-1234567"
    assert edit.placeholderText() and dialog.village_form.errors  # a Chinese hint in every empty field
    dialog.focus_field("township_name")
    assert dialog.tabs.currentIndex() == 0 and dialog.focusWidget() is dialog.township_form.edits["township_name"]
    assert dialog.township_form.edits["township_name"].text() == "青山镇"


def test_settings_show_a_problem_under_its_field_and_save_what_is_right(qtbot, db, village_id, runner):
    dialog = settings_at(qtbot, db, runner, village_id)
    typed(dialog.village_form.edits["supervision_phone"], "请打村部电话")
    typed(dialog.village_form.edits["code"], "1401")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(dialog.error_text("supervision_phone")), timeout=WAIT_MS)
    assert "不像电话号码" in dialog.error_text("supervision_phone")
    assert "应为 12 位数字" in dialog.error_text("code")
    assert dialog.focusWidget() is dialog.village_form.edits["code"]  # the first problem, in form order
    assert village_settings(db, village_id).supervision_phone == "0351-1234567"

    typed(dialog.village_form.edits["supervision_phone"], "0351-7654321")
    typed(dialog.village_form.edits["code"], "140123101201")
    dialog.village_form.order.setCurrentIndex(dialog.village_form.order.findData("file"))
    typed(dialog.archive_form.edits["fonds"], "J012")
    typed(dialog.township_form.edits["township_name"], "桃花乡")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=WAIT_MS)
    saved = village_settings(db, village_id)
    assert (saved.supervision_phone, saved.sheet_order, saved.fonds) == ("0351-7654321", "file", "J012")
    assert township_settings(db).name == "桃花乡"
    assert not dialog.error_text("supervision_phone")


def test_the_missing_settings_box_names_them_and_goes_to_fill_them(qtbot, boxes, db, village_id):
    called = []
    error = SettingsMissing(village_id, VILLAGE, (("supervision_phone", "监督电话"), ("board_place", "公开栏位置")))
    assert explain_missing(None, error, lambda village, field: called.append((village, field)))
    assert called == [(village_id, "supervision_phone")]
    title, text, detail = boxes.shown[0].split("｜")
    assert title == "还不能打印" and text == "桃源村还没有填写：监督电话、公开栏位置。请在“设置”中填写后再打印"
    assert detail == "需要填写：监督电话、公开栏位置"


def test_the_preview_refused_for_a_missing_phone_opens_the_settings_at_it(qtbot, boxes, db, village_id, seeded):
    from app.ui.bulletin_preview import BulletinPreviewDialog

    update_village(db, village_id, ACTOR, supervision_phone="")
    preview = BulletinPreviewDialog(db, VILLAGE, dt.date(2026, 10, 1), ACTOR)
    qtbot.addWidget(preview)
    preview.show()
    preview.refresh_button.click()
    qtbot.waitUntil(lambda: preview.settings_dialog is not None, timeout=20_000)  # “去填写” was pressed
    assert "桃源村还没有填写：监督电话" in boxes.shown[0] and preview.pdf_path is None
    settings = preview.settings_dialog
    qtbot.waitUntil(lambda: settings.is_loaded, timeout=WAIT_MS)
    phone = settings.village_form.edits["supervision_phone"]
    assert settings.focusWidget() is phone and settings.current_village_id() == village_id
    typed(phone, "0351-1234567")
    with qtbot.waitSignal(preview.rendered, timeout=20_000):  # saved: the sheet is made again
        settings.save_button.click()
    assert preview.pages >= 1 and "监督电话：0351-1234567" in _pdf_text(preview.pdf_path)
    preview.close()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", "")


def test_the_dialogs_fit_a_1366_by_768_screen_at_125_percent(qtbot, db, village_id, runner):
    settings = settings_at(qtbot, db, runner, village_id)
    setup = first_start(qtbot, db, runner)
    for dialog in (settings, setup):
        hint = dialog.minimumSizeHint()
        smallest = dialog.minimumSize().expandedTo(hint)
        assert smallest.width() <= MAX_WIDTH and smallest.height() <= MAX_HEIGHT, (type(dialog).__name__, smallest)
        assert dialog.width() <= MAX_WIDTH and dialog.height() <= MAX_HEIGHT
