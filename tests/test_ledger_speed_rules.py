"""The ledger's speed rules (issue 18), checked by what SQLite plans, never by a timing.

- a name search across all months goes from the people to their payouts (the payout index on
  person_id), never through every payout;
- a sort by name walks the people's name index and stops when the page is full;
- a sort by amount walks the village's amount index;
- whichever way a page is read, it holds the same rows in the same order (tie-breaks included);
- the window's village list reads no payout; migration 0008 adds the amount index.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import event, insert, inspect, select, text

from app.core import names
from app.core.synthetic import make_people
from app.services import ledger
from app.services.ledger import SORT_COLUMNS, LedgerFilter, fetch_page
from app.services.setup import initialize
from app.services.villages import add_village, list_villages, village_choices
from app.storage import engine as engine_module
from app.storage import migrations
from app.storage.engine import Database, open_database
from app.storage.models import Payout, Person, SubsidyType, VillagerGroup, table_of

ACTOR = "测试员"
MONTHS = [dt.date(2025, month, 1) for month in range(1, 13)]
AMOUNT_INDEX = "ix_payout_village_amount"


def _fill(database: Database) -> None:
    """Three villages, 600 people (names repeated on purpose, some without a group), each paid
    monthly in one or two subsidies; amounts from a short list (ties), some notes and dates missing,
    a few payouts booked to another village than the person's."""
    rng = random.Random(18)
    people = make_people(600, seed=18)
    village_ids = [add_village(database, name, ACTOR).id for name in ("桃源村", "杏花村", "柳林村")]
    with database.transaction() as session:
        types = [row[0] for row in session.execute(select(table_of(SubsidyType).c.id).order_by(table_of(SubsidyType).c.id))][:5]
        groups: dict[int, list[int | None]] = {}
        for village_id in village_ids:
            session.execute(insert(table_of(VillagerGroup)), [{"village_id": village_id, "name": f"{n}组"} for n in range(1, 5)])
            ids = session.execute(select(table_of(VillagerGroup).c.id).where(table_of(VillagerGroup).c.village_id == village_id))
            groups[village_id] = [row[0] for row in ids] + [None]
        rows = []
        cipher = database.cipher  # stored encrypted, as the import stores them (issue 17)
        for index, person in enumerate(people):
            name = people[index - 7].name if index % 9 == 0 else person.name  # the same name, another person
            village_id = village_ids[0] if index % 10 < 7 else village_ids[1 + index % 2]
            sealed = cipher.seal(person.id_number, "", "")
            rows.append({"name": name, "name_initials": names.pinyin_initials(name), "id_index": sealed.id_index,
                         "id_masked": sealed.id_masked, "id_cipher": sealed.id_cipher, "village_id": village_id,
                         "group_id": rng.choice(groups[village_id])})
        session.execute(insert(table_of(Person)), rows)
        persons = session.execute(select(table_of(Person).c.id, table_of(Person).c.village_id)).all()
        payouts = []
        for person_id, village_id in persons:
            for subsidy_id in rng.sample(types, rng.choice((1, 1, 2))):
                for period in MONTHS:
                    booked = village_ids[2] if rng.random() < 0.01 else village_id
                    payouts.append({"person_id": person_id, "subsidy_type_id": subsidy_id, "village_id": booked,
                                    "period": period, "amount_fen": rng.choice((30000, 45000, 56000, 56000, 120000)),
                                    "pay_date": None if rng.random() < 0.05 else period.replace(day=rng.choice((10, 15))),
                                    "standard": rng.choice(("", "560 元/月", "300 元/月")),
                                    "note": rng.choice(("", "", "补发")), "batch_id": None})
        rng.shuffle(payouts)  # ids not in name or period order
        session.execute(insert(table_of(Payout)), payouts)
    database.refresh_statistics()


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(tmp_path_factory.mktemp("ledger") / "cunwu.sqlite3")
    initialize(database, ACTOR, "青山镇")
    _fill(database)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def walk_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test database is small: every filter counts as one whose payouts are too many to sort."""
    monkeypatch.setattr(ledger, "DENSE_ROWS", 1)


def _plan(database: Database, flt: LedgerFilter, sort: str = "period", descending: bool = False) -> list[str]:
    """EXPLAIN QUERY PLAN of the page statement, with its parameters bound as when it runs."""
    with database.reading() as session:
        statement = ledger.page_query(session, flt, 500, 500, sort, descending)
        compiled = statement.compile(dialect=database.engine.dialect)
        params = tuple(compiled.params[key] for key in compiled.positiontup or ())
        rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    return [str(row[-1]) for row in rows]


def _scans_payout(plan: list[str]) -> bool:
    """A full pass over the payout table or one of its indexes (older SQLite says SCAN TABLE)."""
    return any(re.match(r"SCAN (TABLE )?payout\b", step) for step in plan)


def _searches_payout_by_person(plan: list[str]) -> bool:
    return any(re.match(r"SEARCH (TABLE )?payout USING (COVERING )?INDEX \S+ \(person_id=\?", step) for step in plan)


def _village(database: Database) -> int:
    return list_villages(database)[0].id


# --- plans ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("search", ["王", "zs", "qqq"])
def test_a_name_search_across_all_months_goes_from_people_to_their_payouts(ledger_db, search):
    plan = _plan(ledger_db, LedgerFilter(_village(ledger_db), text=search))
    assert not _scans_payout(plan), plan
    assert _searches_payout_by_person(plan), plan


def test_a_name_search_in_a_month_does_not_walk_the_payouts_either(ledger_db):
    plan = _plan(ledger_db, LedgerFilter(_village(ledger_db), MONTHS[-1], text="王"))
    assert not _scans_payout(plan), plan


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("month", [None, MONTHS[-1]])
def test_a_sort_by_name_walks_the_name_index(ledger_db, walk_always, descending, month):
    plan = _plan(ledger_db, LedgerFilter(_village(ledger_db), month), "name", descending)
    assert any(re.match(r"SCAN (TABLE )?person USING (COVERING )?INDEX ix_person_name\b", step) for step in plan), plan
    assert not _scans_payout(plan), plan
    assert _searches_payout_by_person(plan), plan
    # Only the payouts of one name are sorted (by record number), never the whole selection.
    assert not any(step == "USE TEMP B-TREE FOR ORDER BY" for step in plan), plan


def test_a_sort_by_amount_walks_the_village_amount_index(ledger_db):
    plan = _plan(ledger_db, LedgerFilter(_village(ledger_db)), "amount", descending=True)
    assert any(f"INDEX {AMOUNT_INDEX} (village_id=?)" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_few_payouts_are_sorted_rather_than_walked_for(ledger_db):
    """A filter selecting fewer payouts than DENSE_ROWS: sorting them beats walking every person."""
    plan = _plan(ledger_db, LedgerFilter(_village(ledger_db), MONTHS[0]), "name")
    assert not any("ix_person_name" in step for step in plan), plan


# --- the same rows in the same order, whichever way they are read ------------------------------

_KEYS = {"name": "name", "id_number": "id_number", "group": "group", "subsidy": "subsidy", "period": "period",
         "amount": "amount_fen", "pay_date": "pay_date", "standard": "standard", "note": "note", "record": "payout_id"}


def _expected(records: list, sort: str, descending: bool) -> list[int]:
    """The order the ledger promises: the column (NULL first when ascending, as SQL sorts it; text by
    code point), then the record number, both reversed when descending."""
    key = _KEYS[sort]

    def order(record) -> tuple:
        value = getattr(record, key)
        return (value is not None, value if value is not None else 0, record.payout_id)

    ids = [record.payout_id for record in sorted(records, key=order)]
    return ids[::-1] if descending else ids


def _filters(database: Database) -> list[LedgerFilter]:
    villages = [v.id for v in list_villages(database)]
    with database.reading() as session:
        group = session.execute(select(table_of(VillagerGroup).c.id).where(
            table_of(VillagerGroup).c.village_id == villages[0])).scalars().first()
        subsidy = session.execute(select(table_of(Payout).c.subsidy_type_id)).scalars().first()
    return [
        LedgerFilter(),
        LedgerFilter(villages[0]),
        LedgerFilter(villages[2]),
        LedgerFilter(villages[0], MONTHS[3]),
        LedgerFilter(villages[0], text="王"),
        LedgerFilter(villages[0], text="w"),
        LedgerFilter(villages[1], MONTHS[5], text="z"),
        LedgerFilter(villages[0], group_id=group),
        LedgerFilter(villages[0], subsidy_type_id=subsidy),
        LedgerFilter(villages[1], MONTHS[0], subsidy_type_id=subsidy),
    ]


@pytest.mark.parametrize("dense_rows", [1, 10**9], ids=["walked", "sorted"])
def test_every_sort_and_filter_gives_the_promised_rows_in_the_promised_order(ledger_db, monkeypatch, dense_rows):
    monkeypatch.setattr(ledger, "DENSE_ROWS", dense_rows)
    for flt in _filters(ledger_db):
        with ledger_db.reading() as session:
            everything = fetch_page(session, flt, 0, 10**6, "period")
            assert everything and len(everything) == ledger.summarize(session, flt)[0]
            for sort in SORT_COLUMNS:
                for descending in (False, True):
                    expected = _expected(everything, sort, descending)
                    for offset in (0, 60, len(expected) - 5):
                        page = fetch_page(session, flt, max(offset, 0), 60, sort, descending)
                        wanted = expected[max(offset, 0):max(offset, 0) + 60]
                        assert [r.payout_id for r in page] == wanted, (flt, sort, descending, offset)


def test_the_group_summary_counts_what_the_pages_show(ledger_db):
    flt = _filters(ledger_db)[7]
    with ledger_db.reading() as session:
        rows = fetch_page(session, flt, 0, 10**6)
        assert ledger.summarize(session, flt) == (len(rows), sum(r.amount_fen for r in rows))


# --- the window's village list, the migration ----------------------------------------------------


def test_the_village_list_for_the_window_reads_no_payout(ledger_db):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(ledger_db.engine, "before_cursor_execute", seen)
    try:
        choices = village_choices(ledger_db)
    finally:
        event.remove(ledger_db.engine, "before_cursor_execute", seen)
    assert choices == [(v.id, v.name) for v in list_villages(ledger_db)]
    assert statements and not any(re.search(r"\b(payout|person)\b", s, re.IGNORECASE) for s in statements), statements


def test_the_window_loads_its_choices_without_counting_payouts(ledger_db, monkeypatch):
    from app.services import villages
    from app.ui.ledger_choices import load_choices

    def counting(_db):
        raise AssertionError("list_villages counts every payout: not for the window's first paint")

    monkeypatch.setattr(villages, "list_villages", counting)
    choices = load_choices(ledger_db)
    assert [name for _, name in choices.villages] == ["桃源村", "杏花村", "柳林村"]


def _indexes(path: Path) -> set[str]:
    database = open_database(path, migrate=False, daily_backup=False)
    try:
        with database.engine.connect() as connection:
            return {index["name"] for index in inspect(connection).get_indexes("payout")}
    finally:
        database.close()


def test_upgrading_to_0008_adds_the_amount_index_and_keeps_the_payouts(tmp_path):
    path = tmp_path / "old.sqlite3"
    database = open_database(path)
    initialize(database, ACTOR, "青山镇")
    _fill(database)
    with engine_module.migrating(database.engine) as connection:  # foreign keys off: 0010 rebuilds person
        command.downgrade(migrations.alembic_config(connection), "0007")
        before = connection.execute(text("SELECT count(*), sum(amount_fen) FROM payout")).one()
    database.close()
    assert AMOUNT_INDEX not in _indexes(path)

    database = open_database(path)  # at 0007: upgraded, after a backup
    try:
        assert database.backup_path is not None
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.SCHEMA_HEAD
            assert connection.execute(text("SELECT count(*), sum(amount_fen) FROM payout")).one() == before
    finally:
        database.close()
    assert AMOUNT_INDEX in _indexes(path)
