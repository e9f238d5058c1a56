"""The main window's ledger: masked on screen, filtered and sorted in SQL, paged lazily."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.names import pinyin_initials
from app.services import ledger
from app.services.ledger import DEFAULT_SORT
from app.ui import ledger_model
from app.ui.ledger_model import COLUMNS
from tests.ui.conftest import OCT, wait_for_page


def shown_cells(win) -> list[list[str]]:  # noqa: ANN001
    model = win.model
    return [
        [model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def test_rows_show_masked_ids_and_never_a_full_one(seeded, window):
    assert window.filter_bar.selected_month() == OCT  # the newest month is shown first
    cells = shown_cells(window)
    assert len(cells) == len(seeded)
    id_column = COLUMNS.index("id_number")
    assert all("********" in row[id_column] for row in cells)
    everything = "\n".join("\t".join(row) for row in cells)
    assert not any(person.id_number in everything for person in seeded)
    assert {row[COLUMNS.index("name")] for row in cells} == {p.name for p in seeded}  # wall: full names


def test_status_bar_shows_count_and_total(seeded, window, qtbot):
    qtbot.waitUntil(lambda: not window.summary_pending(), timeout=5000)
    total = sum(300 + 7 * i for i in range(len(seeded)))
    assert window.summary_label.text() == f"共 {len(seeded)} 条，合计 {total:,}.00 元"


def test_pinyin_initials_narrow_the_rows(seeded, window, qtbot):
    initials = pinyin_initials(seeded[0].name)
    expected = {p.name for p in seeded if initials in pinyin_initials(p.name) or initials in p.name}
    assert len(expected) < len(seeded)
    wait_for_page(qtbot, window, lambda: window.filter_bar.search.setText(initials))
    names = {row[COLUMNS.index("name")] for row in shown_cells(window)}
    assert names == expected


def test_group_filter_narrows_the_rows(seeded, window, qtbot):
    combo = window.filter_bar.group
    second_group = next(i for i in range(combo.count()) if combo.itemText(i) == "2组")
    wait_for_page(qtbot, window, lambda: combo.setCurrentIndex(second_group))
    groups = {row[COLUMNS.index("group")] for row in shown_cells(window)}
    assert groups == {"2组"}
    assert window.model.rowCount() == len([i for i in range(len(seeded)) if i % 3 == 1])


def test_sorting_asks_the_database_again(seeded, window, qtbot, monkeypatch):
    asked = []
    real = ledger.fetch_page

    def spy(session, flt, offset, limit, sort=DEFAULT_SORT, descending=False):  # noqa: ANN001, ANN202
        asked.append((sort, descending, offset))
        return real(session, flt, offset, limit, sort, descending)

    monkeypatch.setattr(ledger, "fetch_page", spy)  # the model imports it in its worker
    amount = COLUMNS.index("amount")
    wait_for_page(qtbot, window, lambda: window.table.sortByColumn(amount, Qt.SortOrder.DescendingOrder))
    assert asked == [("amount", True, 0)]
    amounts = [window.model.display_row(row).amount_fen for row in range(window.model.rowCount())]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == len(seeded)


def test_pages_are_fetched_lazily(seeded, window, qtbot, monkeypatch):
    monkeypatch.setattr(ledger_model, "PAGE_SIZE", 8)
    wait_for_page(qtbot, window, window.model.reload)
    assert window.model.rowCount() == 8 and window.model.canFetchMore()
    with qtbot.waitSignal(window.model.page_loaded, timeout=5000):
        window.model.fetchMore()
    assert window.model.rowCount() == 16
    ids = [window.model.payout_id(row) for row in range(16)]
    assert len(set(ids)) == 16


def test_all_months_and_an_empty_village(seeded, window, qtbot):
    month = window.filter_bar.month
    wait_for_page(qtbot, window, lambda: month.setCurrentIndex(0))  # 全部月份
    assert month.currentText() == "全部月份"
    assert window.model.rowCount() == len(seeded)
    wait_for_page(qtbot, window, lambda: window.filter_bar.search.setText("没有这个人"))
    assert window.model.rowCount() == 0
    assert not window.delete_action.isEnabled()


def test_no_english_in_the_window(seeded, window):
    texts = [action.text() for action in window.findChildren(type(window.add_action))]
    texts += [window.windowTitle(), window.summary_label.text(), window.mask_label.text()]
    texts += [str(window.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(len(COLUMNS))]
    ascii_words = [text for text in texts if any("a" <= ch.lower() <= "z" for ch in text.replace("Excel", ""))]
    assert ascii_words == []
