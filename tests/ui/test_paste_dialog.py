"""从 Excel 粘贴 in the window (issue 14, "Excel-grade entry"): rows copied in Excel reach the ledger
through the import's checks, with the pasted block's rows and columns named when refused."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from app.core.payout_table import Col
from app.services.ledger import LedgerFilter, fetch_all
from app.ui.paste_dialog import PasteDialog
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.ui.conftest import OCT, WAIT_MS


def _clip(people, amount="560.00") -> str:  # noqa: ANN001
    return "".join(f"{p.name}\t{p.id_number}\t2组\t最低生活保障金\t{amount}\t2026-10-15\r\n" for p in people)


def _dialog(qtbot, db, runner, text: str) -> PasteDialog:  # noqa: ANN001
    dialog = PasteDialog(db, runner, ACTOR, VILLAGE, OCT, ["最低生活保障金"], text)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=WAIT_MS)
    return dialog


def test_two_pasted_rows_are_checked_then_imported(qtbot, db, people, runner):
    dialog = _dialog(qtbot, db, runner, _clip(people[:2]))
    assert "复制了 2 行" in dialog.intro.text() and "按内容推测" in dialog.intro.text()
    assert dialog.chosen_columns() == (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE)
    assert dialog.preview.item(0, 1).text().count("*") == 8  # the screen shows IDs masked
    assert not dialog.import_button.isEnabled()
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=WAIT_MS)
    assert "检查通过：可导入 2 条，合计 1,120.00 元" in dialog.outcome.text()
    assert row_counts(db)["payout"] == 0
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.import_button.click()
    assert dialog.imported().count == 2
    with db.reading() as session:
        assert len(fetch_all(session, LedgerFilter(period=OCT))) == 2


def test_a_refused_paste_names_row_and_column_and_writes_nothing(qtbot, db, people, runner):
    text = _clip(people[:3]).replace(people[1].id_number, people[1].id_number[:17] + "Y")
    dialog = _dialog(qtbot, db, runner, text)
    dialog.set_column(1, Col.ID_NUMBER)
    dialog.check_button.click()
    qtbot.waitUntil(lambda: not dialog.problems.isHidden() and dialog.problems.count() > 0, timeout=WAIT_MS)
    said = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert any(line.startswith("粘贴的内容第 2 行，B 列（身份证号）") for line in said), said
    assert "没有导入任何数据" in dialog.outcome.text() and not dialog.import_button.isEnabled()
    assert row_counts(db)["payout"] == 0


def test_ctrl_v_on_the_ledger_opens_it_with_the_clipboard(qtbot, seeded, window, people):
    QGuiApplication.clipboard().setText(_clip(people[35:37]))
    window.tabs.setCurrentIndex(1)
    window.open_page("paste")
    dialog = window.paste_dialog
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=WAIT_MS)
    assert "复制了 2 行" in dialog.intro.text()
    dialog.reject()
