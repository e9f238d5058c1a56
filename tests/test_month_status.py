"""Where a village's month stands and what comes next (issue 14, "The month's work from one place"):
未导入 → 待核对 → 待预览 → 待张贴 → 已张贴 → 已归档, per village, and for the township every village at once."""

from __future__ import annotations

import datetime as dt

from app.core.periods import parse_month
from app.services import archive
from app.services.bulletin import publish, record_printed
from app.services.corrections import correct_many
from app.services.importing import ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, fetch_all
from app.services.month_status import NextStep, Stage, month_states
from app.services.subsidies import list_subsidies
from app.services.villages import add_village
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = parse_month("2026-10")
TODAY = dt.date(2026, 11, 20)


def _state(db):  # noqa: ANN001, ANN202
    [state] = [s for s in month_states(db, OCT, TODAY) if s.village == VILLAGE]
    return state


def test_a_month_from_nothing_to_filed(db, people, tmp_path):
    assert (_state(db).stage, _state(db).next_step) == (Stage.NOT_IMPORTED, NextStep.IMPORT)

    # One line above the township's plausibility threshold (50,000 yuan): it waits for a look.
    lines = lines_for(people[:3]) + lines_for(people[3:4], amount="60000.00")
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines)), village=VILLAGE), ACTOR)
    state = _state(db)
    assert (state.stage, state.next_step, state.payouts, state.to_check) == (Stage.TO_CHECK, NextStep.CHECK, 4, 1)
    assert state.total_fen == 3 * 56000 + 6000000
    # The catalog's monthly bulletin item is due and not yet posted.
    assert any("公开表" in requirement or "惠民惠农" in item for item, requirement, _ in state.due_items)

    from app.services.payouts import PayoutInput, load_record, update_payout

    with db.reading() as session:
        big = next(r for r in fetch_all(session, LedgerFilter(period=OCT)) if r.amount_fen == 6000000)
    dibao = next(s.id for s in list_subsidies(db) if s.name == big.subsidy)
    full_id = load_record(db, big.payout_id).id_number  # the ledger's is masked (issue 17)
    update_payout(db, big.payout_id, PayoutInput(name=big.name, id_number=full_id, subsidy_type_id=dibao,
                                                 period=OCT, amount="600.00", group=big.group), ACTOR)
    assert (_state(db).stage, _state(db).next_step) == (Stage.TO_PREVIEW, NextStep.PREVIEW)
    record_printed(db, VILLAGE, OCT, "打印", 1, "wall", ACTOR)  # the preview printed it
    assert (_state(db).stage, _state(db).next_step) == (Stage.TO_POST, NextStep.POST)

    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    state = _state(db)
    assert (state.stage, state.next_step, state.posted_on) == (Stage.POSTED, NextStep.FILE, dt.date(2026, 11, 1))
    correct_many(db, [(big.payout_id, "650")], "补差", ACTOR)
    assert _state(db).corrections_waiting == 1

    archive.configure(db, VILLAGE, "J001", ACTOR)
    archive.box_labels(db, VILLAGE, 2026, ACTOR)
    assert (_state(db).stage, _state(db).next_step) == (Stage.FILED, NextStep.NONE)


def test_township_staff_see_every_village(db, people, tmp_path):
    add_village(db, "杏花村", ACTOR)
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:2]))), village=VILLAGE), ACTOR)
    states = month_states(db, OCT, TODAY)
    assert [(s.village, s.stage) for s in states] == [(VILLAGE, Stage.TO_PREVIEW), ("杏花村", Stage.NOT_IMPORTED)]
    [only] = month_states(db, OCT, TODAY, village_id=states[1].village_id)
    assert only.village == "杏花村"


def test_a_sheet_made_on_the_command_line_counts_as_printed(db, db_path, people, tmp_path):
    """`cunwu bulletin` is recorded in the operation log like the window's 打印: the month waits for its
    posting, and the log says who made the copy."""
    from app.cli.main import main
    from app.services.audit import list_entries

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:2]))), village=VILLAGE), ACTOR)
    assert _state(db).stage is Stage.TO_PREVIEW
    assert main(["--db", str(db_path), "bulletin", "--village", VILLAGE, "--month", "2026-10",
                 "--out", str(tmp_path / "十月.pdf")]) == 0
    assert _state(db).stage is Stage.TO_POST
    [printed] = [e for e in list_entries(db).entries if e.action == "print"]
    assert "方式：生成 PDF" in printed.change_text and printed.village == VILLAGE
