"""Corrections of a posted month (domain.md, "Posting and locking"): a new amount and a reason,
all rows or none, each audited and listed once on the next posted sheet's 更正说明."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.periods import parse_month
from app.services.audit import entries
from app.services.bulletin import publish, sheet_for
from app.services.corrections import correct_many, pending
from app.services.errors import ServiceError
from app.services.importing import ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, fetch_all
from app.services.villages import list_villages
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import grid, lines_for, write_xlsx

OCT, NOV = parse_month("2026-10"), parse_month("2026-11")


def village_id(db) -> int:
    return next(v.id for v in list_villages(db) if v.name == VILLAGE)


@pytest.fixture
def posted(db, people, tmp_path):
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:4]))), village=VILLAGE), ACTOR)
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    with db.reading() as session:
        return fetch_all(session, LedgerFilter(period=OCT))


def test_a_selection_is_corrected_for_one_reason_and_listed_on_the_next_sheet(db, people, posted, tmp_path):
    first, second = posted[0], posted[1]
    made = correct_many(db, [(first.payout_id, "580"), (second.payout_id, "600.50")], "低保标准上调补差", "王文书")
    assert [(m.old_fen, m.new_fen) for m in made] == [(56000, 58000), (56000, 60050)]
    waiting = pending(db, village_id(db))
    assert [(p.name, p.new_fen, p.reason, p.created_by) for p in waiting] == [
        (first.name, 58000, "低保标准上调补差", "王文书"), (second.name, 60050, "低保标准上调补差", "王文书")]
    with db.reading() as session:
        assert [e.actor for e in entries(session, "payout", "correct")] == ["王文书", "王文书"]

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "nov.xlsx", grid(lines_for(people[:4], pay_date="2026-11-15"))),
                                     village=VILLAGE, month=NOV), ACTOR)
    november = sheet_for(db, VILLAGE, NOV)
    assert [(c.old_fen, c.new_fen, c.reason) for c in november.corrections] == [
        (56000, 58000, "低保标准上调补差"), (56000, 60050, "低保标准上调补差")]
    # The posted October sheet is unchanged.
    assert sheet_for(db, VILLAGE, OCT).total_fen == 4 * 56000


def test_a_second_correction_starts_from_the_first_ones_amount(db, posted):
    correct_many(db, [(posted[0].payout_id, "580")], "补差", ACTOR)
    [again] = correct_many(db, [(posted[0].payout_id, "590")], "再次补差", ACTOR)
    assert (again.old_fen, again.new_fen) == (58000, 59000)


@pytest.mark.parametrize(
    ("amount", "reason", "said"),
    [("580", " ", "写明原因"), ("abc", "补差", "第 2 行：新金额“abc”不对"), ("560", "补差", "第 2 行：新金额与现在的金额相同")],
)
def test_nothing_is_corrected_when_one_row_is_wrong(db, posted, amount, reason, said):
    before = row_counts(db)
    with pytest.raises(ServiceError, match=said):
        correct_many(db, [(posted[0].payout_id, "580"), (posted[1].payout_id, amount)], reason, ACTOR)
    assert row_counts(db) == before


def test_an_unposted_month_is_edited_not_corrected(db, people, tmp_path):
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:2]))), village=VILLAGE), ACTOR)
    with db.reading() as session:
        record = fetch_all(session, LedgerFilter(period=OCT))[0]
    with pytest.raises(ServiceError, match="尚未张贴"):
        correct_many(db, [(record.payout_id, "580")], "补差", ACTOR)
