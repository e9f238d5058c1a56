"""Names within a group: pinyin order, unless the village keeps the county file's order by choice;
a posted sheet reprints in the order it was posted in (issue 15, "Output integrity").

domain.md: the wall sheet is read by villagers looking for their own name, so by default a group's
names follow the pinyin of the surname, not code points; some townships keep the county's
一卡通 list order so that the sheet and the bank's list can be held side by side.
"""

from __future__ import annotations

import datetime as dt

from app.core.names import pinyin_initials
from app.core.periods import parse_month
from app.services.bulletin import publish, sheet_for
from app.services.importing import ImportRequest, import_payouts
from app.services.ledger import FILE_ORDER, PINYIN_ORDER
from app.services.payouts import PayoutInput, add_payout
from app.services.subsidies import list_subsidies
from app.services.village_settings import update_village, village_id_of
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = parse_month("2026-10")


def _names(db) -> list[str]:
    sheet = sheet_for(db, VILLAGE, OCT)
    return [row.cells["name"] for section in sheet.sections for row in section.rows]


def _choose(db, order: str) -> None:
    update_village(db, village_id_of(db, VILLAGE), ACTOR, sheet_order=order)


def _file_people(people):
    """Eight people in an order that is neither pinyin nor code-point order."""
    chosen = sorted(people[:8], key=lambda p: p.id_number[-4:])
    pinyin = sorted(chosen, key=lambda p: (pinyin_initials(p.name), p.name))
    assert [p.name for p in chosen] != [p.name for p in pinyin]
    return chosen


def test_names_print_in_pinyin_order_by_default_and_in_the_files_order_by_choice(db, people, tmp_path):
    chosen = _file_people(people)
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(chosen))), village=VILLAGE), ACTOR)

    by_pinyin = _names(db)
    assert sorted(by_pinyin) == sorted(p.name for p in chosen)
    # By pinyin initials, a surname by its own reading (the ledger filter's key), then the name.
    assert by_pinyin == sorted(by_pinyin, key=lambda name: (pinyin_initials(name), name))

    _choose(db, FILE_ORDER)
    assert _names(db) == [p.name for p in chosen]

    # A row typed in by hand has no place in the file: it follows the file's rows.
    late = people[30]
    dibao = next(s.id for s in list_subsidies(db) if s.name == "最低生活保障金")
    add_payout(db, 1, PayoutInput(name=late.name, id_number=late.id_number, subsidy_type_id=dibao, period=OCT,
                                  amount="560", group="3组"), ACTOR)
    assert _names(db) == [p.name for p in chosen] + [late.name]


def test_a_posted_sheet_keeps_the_order_it_was_posted_in(db, people, tmp_path):
    chosen = _file_people(people)
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(chosen))), village=VILLAGE), ACTOR)
    _choose(db, FILE_ORDER)
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    posted = _names(db)

    _choose(db, PINYIN_ORDER)
    assert _names(db) == posted == [p.name for p in chosen]
