"""The bulletin preview dialog, offscreen: generate, navigate, print, save, register posting."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog

from app.services.bulletin import find_publication
from app.services.importing import ImportRequest, import_payouts
from app.ui import bulletin_preview
from app.ui.bulletin_preview import BulletinPreviewDialog
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def seeded(db, people, tmp_path):
    """30 October payouts, more than one page."""
    lines = lines_for(people[:30])
    for i, line in enumerate(lines):
        line.amount = f"{300 + 7 * i}.00"
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines)), village=VILLAGE), ACTOR)


def open_preview(qtbot, db) -> BulletinPreviewDialog:
    dialog = BulletinPreviewDialog(db, VILLAGE, OCT, ACTOR)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.rendered, timeout=20_000):
        dialog.refresh_button.click()
    return dialog


def test_preview_shows_pages_and_navigates(qtbot, db, seeded, tmp_path):
    dialog = open_preview(qtbot, db)
    assert dialog.pages >= 1
    assert dialog.page_label.text() == f"第 1 页 / 共 {dialog.pages} 页"
    assert not dialog.view.pixmap().isNull()
    assert "共 30 人次" in dialog.status.text()
    dialog.grab().save(str(tmp_path / "preview.png"))
    if dialog.pages > 1:
        dialog.next_button.click()
        assert dialog.page_label.text().startswith("第 2 页")


def test_print_goes_through_the_printer_dialog(qtbot, db, seeded, tmp_path, monkeypatch):
    dialog = open_preview(qtbot, db)
    out = tmp_path / "printed.pdf"

    def accept(self):  # the system dialog, answered: print to a PDF file instead of paper
        printer: QPrinter = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    dialog.print_button.click()
    assert out.exists() and len(PdfReader(out).pages) == dialog.pages
    assert "已送打印机" in dialog.status.text()


def test_save_pdf_and_excel(qtbot, db, seeded, tmp_path, monkeypatch):
    dialog = open_preview(qtbot, db)
    targets = iter([str(tmp_path / "公开表.pdf"), str(tmp_path / "公开表.xlsx")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (next(targets), ""))
    dialog.save_button.click()
    dialog.excel_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("已导出"), timeout=20_000)  # written off the GUI thread
    text = PdfReader(tmp_path / "公开表.pdf").pages[0].extract_text()
    assert "桃源村2026年10月惠民惠农补贴资金发放公开表" in text
    assert (tmp_path / "公开表.xlsx").stat().st_size > 0


def answer_the_posting_dialog(monkeypatch) -> None:
    class Answered(bulletin_preview.PostingDialog):
        def exec(self):
            self.by.setText("王文书")
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(bulletin_preview, "PostingDialog", Answered)


def test_register_posting_locks_the_month(qtbot, db, seeded, monkeypatch):
    dialog = open_preview(qtbot, db)
    answer_the_posting_dialog(monkeypatch)
    asked = []
    # Posted today (after the default period began on 11-01): the clerk must confirm it is a late entry.
    monkeypatch.setattr(bulletin_preview.messages, "confirm", lambda parent, title, text, accept, detail="": asked.append(title) or True)
    with qtbot.waitSignal(dialog.posted, timeout=20_000):  # registered off the GUI thread
        dialog.post_button.click()
    with db.reading() as session:
        publication = find_publication(session, 1, OCT)
    assert asked == ["确认登记张贴", "补登张贴"]
    assert publication is not None and publication.posted_by == "王文书"
    assert "已锁定" in dialog.status.text()


def test_a_backdated_posting_refused_by_the_clerk_is_not_recorded(qtbot, db, seeded, monkeypatch):
    dialog = open_preview(qtbot, db)
    answer_the_posting_dialog(monkeypatch)
    asked = []
    # Yes to 登记, no to 补登.
    monkeypatch.setattr(bulletin_preview.messages, "confirm", lambda parent, title, *a, **k: asked.append(title) or len(asked) == 1)
    dialog.post_button.click()
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=20_000)
    qtbot.waitUntil(lambda: not dialog.runner.busy(), timeout=20_000)
    with db.reading() as session:
        assert find_publication(session, 1, OCT) is None


def test_a_bad_month_is_explained_not_rendered(qtbot, db, seeded):
    dialog = BulletinPreviewDialog(db, VILLAGE, OCT, ACTOR)
    qtbot.addWidget(dialog)
    dialog.month.setText("2026-13")
    dialog.refresh_button.click()
    assert "不存在" in dialog.status.text() and dialog.pdf_path is None
