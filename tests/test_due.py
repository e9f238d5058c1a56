"""What is due, on a constructed month: a sheet posted on time, a notice posted late, items missing.

domain.md "What the rules ask for" item 5 (finances monthly, ordinary items quarterly, by the due
day of the next month) and item 1 (the monthly bulletin sheet on the village board).
"""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from app.cli.main import main
from app.core.catalog import DueStatus
from app.core.periods import parse_month
from app.outputs.due_xlsx import write_due_xlsx
from app.services.bulletin import publish
from app.services.due import due_report
from app.services.importing import ImportRequest, import_payouts
from app.services.notices import NoticeDraft, advance, create_notice
from app.services.villages import add_village
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = parse_month("2026-10")
D = dt.date


def constructed(db, people, tmp_path) -> None:
    """September's sheet posted 10-08 (on time), September's finances posted 10-12 (late)."""
    path = write_xlsx(tmp_path / "sep.xlsx", grid(lines_for(people[:4], pay_date="2026-09-15")))
    import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR)
    publish(db, VILLAGE, parse_month("2026-09"), D(2026, 10, 8), "王文书", ACTOR, backdate=True)  # posted late
    notice = create_notice(db, NoticeDraft(VILLAGE, "2026年9月村级财务收支公开", "S01", D(2026, 10, 12), D(2026, 10, 18),
                                           body="收入 12,000.00 元，支出 8,500.00 元。", place="公开栏"), ACTOR)
    for by in ("王文书", "张主任", "赵监委"):
        advance(db, notice, by, D(2026, 10, 12), ACTOR)
    add_village(db, "杏花村", ACTOR)


def by_code(report, village=VILLAGE):
    return {line.code: line for line in report.lines if line.village == village}


def test_done_late_and_overdue_on_a_constructed_month(db, people, tmp_path):
    constructed(db, people, tmp_path)
    report = due_report(db, OCT, today=D(2026, 10, 20))
    lines = by_code(report)
    assert lines["S02"].status is DueStatus.DONE and "公开表 2026-09（2026-10-08 张贴）" in lines["S02"].posted
    assert lines["S01"].status is DueStatus.LATE and lines["S01"].deadline == D(2026, 10, 10)
    assert lines["S03"].status is DueStatus.OVERDUE and lines["S03"].requirement == "按季公开 2026-07至2026-09"
    assert lines["S06"].status is DueStatus.OVERDUE
    assert lines["S04"].status is DueStatus.AS_NEEDED
    assert "S10" not in lines  # yearly: due in January
    scores = {s.village: s for s in report.scores()}
    mine = scores[VILLAGE]
    assert (mine.due, mine.on_time, mine.late, mine.missing, mine.pending) == (4, 1, 1, 2, 0)
    assert mine.rate == 0.5
    # The township view: a village without any posting has everything missing.
    other = scores["杏花村"]
    assert (other.due, other.on_time, other.missing, other.rate) == (4, 0, 4, 0.0)


def test_due_soon_and_not_yet_due_depend_on_the_day_of_the_check(db, people, tmp_path):
    constructed(db, people, tmp_path)
    early = by_code(due_report(db, OCT, today=D(2026, 10, 5), village=VILLAGE))
    assert early["S03"].status is DueStatus.DUE_SOON and early["S01"].status is DueStatus.DUE_SOON
    assert early["S02"].status is DueStatus.DUE_SOON  # posted 10-08: after the day of the check
    quarter = due_report(db, parse_month("2026-11"), today=D(2026, 9, 1), quarter=True, village=VILLAGE)
    assert quarter.title == "2026年第4季度"
    assert {line.status for line in quarter.lines} == {DueStatus.PENDING, DueStatus.AS_NEEDED}
    assert sum(line.code == "S01" for line in quarter.lines) == 3


def test_excel_and_csv_for_the_quarterly_evaluation(db, people, tmp_path, capsys):
    constructed(db, people, tmp_path)
    out = write_due_xlsx(due_report(db, OCT, today=D(2026, 10, 20)), tmp_path / "测评.xlsx")
    summary = load_workbook(out)["测评汇总"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    assert rows[0] == ["村", "应公开事项", "按时完成", "逾期完成", "未公开（已逾期）", "未到期", "完成率"]
    assert rows[1] == [VILLAGE, 4, 1, 1, 2, 0, 0.5] and rows[2][0] == "杏花村"
    detail = load_workbook(out)["事项明细"]
    statuses = [row[6].value for row in detail.iter_rows(min_row=2) if row[0].value == VILLAGE]
    assert statuses.count("已逾期") == 2 and statuses.count("逾期完成") == 1
    assert main(["--db", str(db.path), "due", "--month", "2026-10", "--village", VILLAGE, "--format", "csv",
                 "--today", "2026-10-20"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "\ufeffvillage,code,item,requirement,deadline,posted,status"
    assert any(line.startswith(f"{VILLAGE},S01,村级财务收支,") and line.endswith(",逾期完成") for line in csv_lines)


def test_nothing_due_yet_is_not_counted_as_complete():
    """A village with nothing due yet has no completion rate, not 100%."""
    from app.services.due import VillageScore

    waiting = VillageScore(village="桃源村", due=2, on_time=0, late=0, missing=0, pending=2)
    assert waiting.rate is None and waiting.rate_text == "—"
    assert VillageScore("杏花村", 4, 1, 1, 2, 0).rate_text == "50%"
