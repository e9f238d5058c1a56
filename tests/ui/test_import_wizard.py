"""The import wizard, driven offscreen: check → problems or confirmation → import, off the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.idnumber import check_character
from app.services.ledger import LedgerFilter, fetch_page, summarize
from app.services.payouts import delete_payout
from app.services.subsidies import list_subsidies
from app.ui import import_wizard
from app.ui.import_wizard import ImportContext, ImportWizard
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import HEADER, Layout, grid, lines_for, write_xlsx
from tests.ui.conftest import OCT, WAIT_MS


@pytest.fixture
def wizard(db, runner, qtbot) -> ImportWizard:
    context = ImportContext(db, ACTOR, [VILLAGE], VILLAGE, list_subsidies(db), OCT)
    dialog = ImportWizard(context, runner)
    qtbot.addWidget(dialog)
    return dialog


def check(wizard: ImportWizard, qtbot, path: Path) -> None:  # noqa: ANN001
    if wizard.currentPage() is None:
        wizard.restart()  # what showing the wizard does; it stays hidden offscreen
    wizard.file_page.path_edit.setText(str(path))
    assert wizard.file_page.isComplete()
    wizard.next()
    assert wizard.currentPage() is wizard.check_page
    qtbot.waitUntil(lambda: not wizard.check_page.running(), timeout=WAIT_MS)


def payouts_in(db) -> tuple[int, int]:  # noqa: ANN001
    with db.reading() as session:
        return summarize(session, LedgerFilter())


def test_a_good_file_is_previewed_then_imported(wizard, db, people, qtbot, tmp_path):
    path = write_xlsx(tmp_path / "十月低保.xlsx", grid(lines_for(people[:10], amount="560.00")))
    before = row_counts(db)
    check(wizard, qtbot, path)
    page = wizard.check_page
    assert page.isComplete()
    assert "可以导入：10 条，合计 5,600.00 元（伍仟陆佰元整）" in page.headline.text()
    assert [page.breakdown.item(0, c).text() for c in range(3)] == ["最低生活保障金", "10", "5,600.00"]
    assert "新登记的人员 10 人" in page.details.text()
    assert row_counts(db) == before  # the check wrote nothing
    assert wizard.button(wizard.WizardButton.CommitButton).text() == "开始导入"
    wizard.next()
    assert wizard.currentPage() is wizard.import_page
    qtbot.waitUntil(lambda: wizard.import_page.outcome != "", timeout=WAIT_MS)
    assert wizard.import_page.outcome == "imported"
    assert "已导入 10 条，合计 5,600.00 元" in wizard.import_page.headline.text()
    assert payouts_in(db) == (10, 560000)
    assert wizard.imported() is not None and wizard.imported().count == 10


def test_a_bad_file_lists_row_and_column_and_writes_nothing(wizard, db, people, qtbot, tmp_path):
    lines = lines_for(people[:6])
    number = people[2].id_number
    lines[2].id_number = number[:17] + ("1" if check_character(number[:17]) != "1" else "2")
    lines[4].amount = "12.345"
    path = write_xlsx(tmp_path / "有错.xlsx", grid(lines, Layout(blank_after=None)))
    before = row_counts(db)
    check(wizard, qtbot, path)
    page = wizard.check_page
    assert not page.isComplete()
    assert "有 2 个问题，没有导入任何数据" in page.headline.text()
    shown = [page.problem_list.item(i).text() for i in range(page.problem_list.count())]
    # Header on row 3, data from row 4: the third line is row 6, the fifth row 8.
    assert any("第 6 行" in line and "C 列（身份证号码）" in line and "校验位" in line for line in shown)
    assert any("第 8 行" in line and "G 列（补贴金额(元)）" in line for line in shown)
    assert all("有错.xlsx" in line for line in shown)
    assert page.problem_list.isVisibleTo(wizard) and page.hint.isVisibleTo(wizard)
    assert row_counts(db) == before


def test_month_and_subsidy_can_be_given_for_a_file_without_them(wizard, db, people, qtbot, tmp_path):
    header = tuple(h for h in HEADER if h not in ("资金名称", "发放日期"))
    rows = [[i + 1, p.name, p.id_number, "1组", "560元/月", "560", p.account, p.phone, ""]
            for i, p in enumerate(people[:4])]
    path = write_xlsx(tmp_path / "无日期.xlsx", [["某县发放明细"], ["单位：元"], list(header), *rows])
    check(wizard, qtbot, path)
    problems = [wizard.check_page.problem_list.item(i).text() for i in range(wizard.check_page.problem_list.count())]
    assert any("请指定补贴项目" in line for line in problems) and any("请指定月份" in line for line in problems)
    wizard.back()
    page = wizard.file_page
    page.month_check.setChecked(True)
    page.month_edit.set_month(OCT)
    page.subsidy_check.setChecked(True)
    page.subsidy_edit.setCurrentText("高龄津贴")
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.check_page.running(), timeout=WAIT_MS)
    assert wizard.check_page.isComplete()
    assert wizard.check_page.breakdown.item(0, 0).text() == "高龄津贴"


def test_force_lets_a_file_imported_before_in_again(db, runner, people, qtbot, tmp_path):
    """The clerk deleted a batch by mistake: the same file is refused until 强制导入 is ticked."""
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3])))
    context = ImportContext(db, ACTOR, [VILLAGE], VILLAGE, list_subsidies(db), OCT)
    first = ImportWizard(context, runner)
    qtbot.addWidget(first)
    check(first, qtbot, path)
    first.next()
    qtbot.waitUntil(lambda: first.import_page.outcome == "imported", timeout=WAIT_MS)
    with db.reading() as session:
        payout_ids = [record.payout_id for record in fetch_page(session, LedgerFilter(), 0, 100)]
    for payout_id in payout_ids:
        delete_payout(db, payout_id, ACTOR)
    second = ImportWizard(context, runner)
    qtbot.addWidget(second)
    check(second, qtbot, path)
    problems = [second.check_page.problem_list.item(i).text() for i in range(second.check_page.problem_list.count())]
    assert any("导入过" in line and "强制导入" in line for line in problems)
    second.back()
    second.file_page.force_check.setChecked(True)
    second.next()
    qtbot.waitUntil(lambda: not second.check_page.running(), timeout=WAIT_MS)
    assert second.check_page.isComplete()
    second.next()
    qtbot.waitUntil(lambda: second.import_page.outcome != "", timeout=WAIT_MS)
    assert second.import_page.outcome == "imported"
    assert payouts_in(db) == (3, 3 * 56000)


def hold_inside_the_write(monkeypatch) -> threading.Event:  # noqa: ANN001
    """The import worker waits inside its write transaction until the returned gate is set."""
    gate = threading.Event()
    real = import_wizard.import_payouts

    def held(db_, request, actor, progress, cancelled):  # noqa: ANN001, ANN202
        def report(stage: str, done: int, total: int) -> None:
            progress(stage, done, total)
            if stage == "写入数据库":
                gate.wait(WAIT_MS / 1000)

        return real(db_, request, actor, report, cancelled)

    monkeypatch.setattr(import_wizard, "import_payouts", held)
    return gate


def test_cancel_during_the_import_writes_nothing(wizard, db, people, qtbot, tmp_path, monkeypatch):
    """The worker is held inside the write transaction until the clerk has pressed 取消导入."""
    gate = hold_inside_the_write(monkeypatch)
    path = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:10])))
    before = row_counts(db)
    check(wizard, qtbot, path)
    wizard.next()
    page = wizard.import_page
    qtbot.waitUntil(lambda: "写入数据库" in page.stage.text(), timeout=WAIT_MS)
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    assert page.stage.text() == "正在取消…"
    gate.set()
    qtbot.waitUntil(lambda: page.outcome != "", timeout=WAIT_MS)
    assert page.outcome == "cancelled"
    assert "没有写入任何数据" in page.headline.text()
    assert row_counts(db) == before
    assert wizard.imported() is None


def test_closing_the_wizard_mid_import_cancels_and_then_closes(wizard, db, people, qtbot, tmp_path, monkeypatch):
    gate = hold_inside_the_write(monkeypatch)
    before = row_counts(db)
    check(wizard, qtbot, write_xlsx(tmp_path / "b.xlsx", grid(lines_for(people[:5]))))
    wizard.next()
    qtbot.waitUntil(lambda: "写入数据库" in wizard.import_page.stage.text(), timeout=WAIT_MS)
    with qtbot.waitSignal(wizard.finished, timeout=WAIT_MS):
        wizard.reject()  # the window's close box or 取消: closing waits for the rollback
        assert wizard.import_page.running()
        gate.set()
    assert wizard.import_page.outcome == "cancelled"
    assert row_counts(db) == before


# --- issue 12: the hostile corpus through the wizard's check and import ---------------------------

from tests.hostile_files import build as build_hostile_corpus  # noqa: E402
from tests.test_import_hostile import CASES as HOSTILE_CASES  # noqa: E402


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):  # noqa: ANN001, ANN201
    return build_hostile_corpus(tmp_path_factory.mktemp("hostile-ui"))


def shown_problems(page) -> list[str]:  # noqa: ANN001
    return [page.problem_list.item(i).text() for i in range(page.problem_list.count())]


@pytest.mark.parametrize("key", [key for key in HOSTILE_CASES if not key.startswith("two_payout_sheets")])
def test_hostile_file_in_the_wizard(wizard, db, hostile, qtbot, key):
    """The same outcome as the command line: refused whole with its reasons, or imported whole.
    (Two payout sheets: the wizard asks which, below, where the command line refuses.)"""
    case = hostile.cases[key]
    before = row_counts(db)
    check(wizard, qtbot, hostile.path(case.name))
    page = wizard.check_page
    if case.refused:
        assert not page.isComplete()
        lines = [page.headline.text(), *shown_problems(page)]
        assert all(any(text in line for line in lines) for text in case.says), lines
        assert row_counts(db) == before
        return
    assert page.isComplete(), page.headline.text()
    assert f"可以导入：{case.rows} 条" in page.headline.text()
    warnings = [page.warning_list.item(i).text() for i in range(page.warning_list.count())]
    assert all(any(text in line for line in warnings) for text in case.warns), warnings
    wizard.next()
    qtbot.waitUntil(lambda: wizard.import_page.outcome != "", timeout=WAIT_MS)
    assert wizard.import_page.outcome == "imported"
    assert payouts_in(db)[0] == case.rows


def test_two_payout_sheets_the_wizard_asks_which(wizard, db, hostile, qtbot):
    check(wizard, qtbot, hostile.path("two_payout_sheets.xlsx"))
    page = wizard.check_page
    assert not page.isComplete() and page.sheet_box.isVisibleTo(wizard)
    choices = [page.sheet_choice.itemText(i) for i in range(page.sheet_choice.count())]
    assert choices == ["十月低保", "十月高龄", "全部 2 个工作表（表头相同）"]
    page.sheet_choice.setCurrentIndex(1)
    qtbot.mouseClick(page.sheet_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running(), timeout=WAIT_MS)
    assert page.isComplete() and "可以导入：2 条" in page.headline.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.import_page.outcome != "", timeout=WAIT_MS)
    assert wizard.import_page.outcome == "imported" and payouts_in(db)[0] == 2
