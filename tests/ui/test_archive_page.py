"""The archive page (issue 5, GUI): pieces by year and month, add, attach evidence, print index and labels."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog

from app.services import archive
from app.ui import archive_page
from app.ui.archive_page import ArchivePage
from tests import evidence_samples
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import WAIT_MS, settle

JPEG = evidence_samples.jpeg()


def open_page(qtbot, db) -> ArchivePage:
    page = ArchivePage(db, VILLAGE, ACTOR)
    qtbot.addWidget(page)
    page.year.setValue(2026)
    page.show()
    settle(qtbot, page)
    return page


def test_the_import_shows_as_a_filed_piece_and_months_filter(seeded, db, qtbot):
    page = open_page(qtbot, db)
    assert page.table.rowCount() == 1
    assert "发放明细" in page.table.item(0, 3).text() and page.table.item(0, 0).text() == "0001"
    assert page.table.item(0, 1).text() == "（未设全宗号）"
    page.month.setCurrentIndex(page.month.findData(10))
    settle(qtbot, page)
    assert page.table.rowCount() == 1
    page.month.setCurrentIndex(page.month.findData(9))
    settle(qtbot, page)
    assert page.table.rowCount() == 0 and page.status.text() == "共 0 件"


def test_add_a_piece_through_the_dialog(db, qtbot, monkeypatch):
    archive.configure(db, VILLAGE, "J012", ACTOR, default_category="GK")

    def fill(dialog):  # the clerk types and presses 登记
        dialog.title.setText("村民代表会议记录")
        dialog.date.setDate(dialog.date.date().fromString("2026-03-05", "yyyy-MM-dd"))
        dialog.pages.setValue(3)
        return 1

    monkeypatch.setattr(archive_page.PieceDialog, "exec", fill)
    page = open_page(qtbot, db)
    page.add_button.click()
    settle(qtbot, page)
    assert page.table.rowCount() == 1
    assert page.table.item(0, 1).text() == "J012-2026-D10-GK-0001"
    assert page.table.item(0, 2).text() == "20260305" and page.table.item(0, 4).text() == "3"


def test_attach_and_check_evidence(db, qtbot, monkeypatch, tmp_path, boxes):
    archive.add_piece(db, VILLAGE, ACTOR, title="公开栏照片", doc_date=dt.date(2026, 11, 2), retention="D10")
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(JPEG)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(photo), ""))
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    page.attach_button.click()
    settle(qtbot, page)
    assert page.table.item(0, 7).text() == "1 份"
    page.check_button.click()
    settle(qtbot, page)
    assert any("都完好" in text for text in boxes.shown)


def test_print_index_and_labels_off_the_gui_thread(db, qtbot, monkeypatch, tmp_path, boxes):
    archive.configure(db, VILLAGE, "J012", ACTOR)
    archive.add_piece(db, VILLAGE, ACTOR, title="村民代表会议记录", doc_date=dt.date(2026, 3, 5), retention="D10")
    page = open_page(qtbot, db)
    index, labels = tmp_path / "目录.pdf", tmp_path / "盒签.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(index), ""))
    page.index_button.click()
    qtbot.waitUntil(lambda: page.status.text().startswith("已保存归档文件目录"), timeout=WAIT_MS)
    assert "村民代表会议记录" in PdfReader(index).pages[0].extract_text()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(labels), ""))
    page.labels_button.click()
    qtbot.waitUntil(lambda: page.status.text().startswith("已保存 1 个档案盒"), timeout=WAIT_MS)
    assert page.table.item(0, 6).text() == "1"  # now in box 1
    assert "0001—0001" in PdfReader(labels).pages[0].extract_text()


def test_printing_without_a_fonds_number_says_what_to_do(db, qtbot, monkeypatch, tmp_path, boxes):
    archive.add_piece(db, VILLAGE, ACTOR, title="一件", doc_date=dt.date(2026, 3, 5), retention="D10")
    page = open_page(qtbot, db)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "目录.pdf"), ""))
    page.index_button.click()
    qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
    assert "全宗号" in boxes.shown[0] and not (tmp_path / "目录.pdf").exists()


def test_void_asks_for_a_reason(db, qtbot, monkeypatch):
    archive.add_piece(db, VILLAGE, ACTOR, title="错登的一件", doc_date=dt.date(2026, 3, 5), retention="D10")
    monkeypatch.setattr(archive_page, "ask_text", lambda *a, **k: "重复登记")
    page = open_page(qtbot, db)
    page.table.selectRow(0)
    page.void_button.click()
    settle(qtbot, page)
    assert page.table.rowCount() == 0 and page.status.text() == "已作废件号 0001"


def test_main_window_opens_the_archive_for_the_selected_village(seeded, window, qtbot):
    assert window.archive_action.isEnabled()
    window.archive_action.trigger()
    assert window.archive_page.village == VILLAGE
    window.archive_page.reject()
