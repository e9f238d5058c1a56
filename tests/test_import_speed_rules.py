"""What makes a 300,000-row import linear, held as behaviour (no timings here; bench/bench_import.py
measures): each distinct cell is checked once, a column the file lacks is not checked row by row,
the xlsx pre-scan matches nothing on a long ordinary sheet and stays exact where it refuses, and the
bulk writer puts the right values in the right columns."""

from __future__ import annotations

import datetime as dt
import gc
import random
import re
from pathlib import Path

import pytest
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, create_engine, select

from app.core import distinct, idnumber, payout_table
from app.core.payout_table import ParseOptions, parse_rows
from app.core.synthetic import make_people
from app.inputs import limits, xlsx_bounds
from app.services.importing import ImportRequest, import_payouts
from app.storage.bulk import Every, bulk_insert
from tests.conftest import ACTOR, VILLAGE
from tests.hostile_files import SheetSpec, xlsx_bytes
from tests.payout_files import HEADER, grid, lines_for, write_xlsx

TODAY = dt.date(2026, 11, 1)


def _counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args[0] if args else None)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_each_distinct_id_number_is_validated_once(monkeypatch):
    people = make_people(40, seed=7)
    lines = [line for subsidy in ("最低生活保障金", "高龄津贴", "公益性岗位补贴") for line in lines_for(people, subsidy=subsidy)]
    calls = _counting(monkeypatch, idnumber, "validate")
    table = parse_rows(grid(lines), ParseOptions(today=TODAY))
    assert not table.problems and len(table.rows) == 120
    assert sorted(calls) == sorted(p.id_number for p in people)  # 40 checks for 120 rows


def test_columns_the_file_lacks_are_not_checked_row_by_row(monkeypatch):
    people = make_people(30, seed=8)
    header = ("序号", "姓名", "身份证号码", "补贴金额(元)", "发放日期")
    rows = [["标题"], list(header)] + [[i, p.name, p.id_number, 100, "2026-10-15"] for i, p in enumerate(people)]
    account_checks = _counting(monkeypatch, payout_table, "_account_text")
    group_checks = _counting(monkeypatch, payout_table, "_group_text")
    table = parse_rows(rows, ParseOptions(today=TODAY, subsidy="高龄津贴"))
    assert not table.problems and len(table.rows) == 30
    assert len(account_checks) <= 2 and len(group_checks) <= 1  # once for the absent column, not per row
    assert {(row.account, row.phone, row.group, row.subsidy) for row in table.rows} == {("", "", "", "高龄津贴")}


def test_a_column_the_header_does_not_name_is_not_read_as_a_missing_one():
    # Absent columns used to point one cell right of the last known column: a bank's name there
    # became every person's account, phone, group, standard and note.
    people = make_people(3, seed=9)
    header = ("序号", "姓名", "身份证号码", "资金名称", "补贴金额(元)", "发放日期", "开户银行")
    rows = [list(header)] + [[i, p.name, p.id_number, "高龄津贴", 100, "2026-10-15", "农业银行"] for i, p in enumerate(people)]
    table = parse_rows(rows, ParseOptions(today=TODAY))
    assert not table.problems
    assert {(r.account, r.phone, r.group, r.standard, r.note) for r in table.rows} == {("", "", "", "", "")}


def test_problems_come_in_row_order_with_invisible_characters_first():
    people = make_people(4, seed=10)
    lines = lines_for(people)
    lines[1].name, lines[1].amount, lines[1].pay_date = "张\u202e三", "abc", "2026-13-45"
    lines[3].id_number = 1.4e17
    table = parse_rows(grid(lines), ParseOptions(today=TODAY))
    said = [(p.row, p.column) for p in table.problems]
    assert said == [(5, "B"), (5, "G"), (5, "H"), (8, "C")]  # a blank row follows the second line
    assert "U+202E" in table.problems[0].message
    assert [r.id_number for r in table.rows] == [people[0].id_number, people[2].id_number]


def test_cells_equal_as_keys_but_different_as_text_are_checked_apart():
    seen: list[object] = []

    def check(cell: object) -> str:
        seen.append(cell)
        return repr(cell)

    results, _ = distinct.check_each([1, 1.0, True, 0.0, -0.0, "1", 1, -0.0], check)
    assert results == ["1", "1.0", "True", "0.0", "-0.0", "'1'", "1", "-0.0"]
    floats, _ = distinct.check_each([2.5, 0.0, -0.0, 2.5], check)
    assert floats == ["2.5", "0.0", "-0.0", "2.5"]


def test_the_fast_check_character_is_the_standards_weighted_sum():
    rng = random.Random(11)
    for _ in range(20_000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert idnumber.check_character(first17) == idnumber.check_character_by_weights(first17)


def test_id_numbers_in_any_form_still_say_the_same():
    number = make_people(1, seed=12)[0].id_number
    assert idnumber.validate(number, TODAY) == idnumber.validate(" " + number.replace("1", "１") + " ", TODAY)
    with pytest.raises(idnumber.IdNumberError, match="科学计数法"):
        idnumber.validate("1.40123E+17", TODAY)


# --- the xlsx pre-scan ----------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, 1, 9, 10, 38_461, 615_384, 961_538])
def test_the_row_limit_regex_is_exact(limit):
    pattern = re.compile(xlsx_bounds._at_most(limit))
    rng = random.Random(limit)
    for number in [*range(200), limit - 1, limit, limit + 1, *(rng.randrange(10**8) for _ in range(2000))]:
        if number >= 0:
            assert bool(pattern.match(f'{number}"')) == (number <= limit), number
            assert not pattern.match(f'{number}0"') or number * 10 <= limit


def _sheet(rows: list[list[object]], extra: str = "") -> bytes:
    return xlsx_bytes([SheetSpec("发放明细", rows, extra_cells=extra)])


def test_a_far_row_in_an_early_column_is_still_found():
    rows = [["姓名", "金额"]] + [[f"人{i}", i] for i in range(50)]
    shape = xlsx_bounds.measure(_sheet(rows, '<row r="1000000"><c r="B1000000"><v>1</v></c></row>'))
    extent = shape.extents["发放明细"]
    assert (extent.rows, extent.columns, extent.farthest) == (1_000_000, 2, "B1000000")
    assert limits.refusal(extent) is not None


def test_a_few_cells_far_right_are_measured_exactly_not_refused_by_a_bound():
    rows = [["姓名", "金额"]] + [[f"人{i}", i] for i in range(50)]
    shape = xlsx_bounds.measure(_sheet(rows, '<row r="60"><c r="GR60"><v>1</v></c></row>'))
    extent = shape.extents["发放明细"]
    assert extent.columns == 200 and extent.rows == 60
    assert limits.refusal(extent) is None


def test_a_long_ordinary_sheet_needs_no_cell_read_one_by_one(monkeypatch):
    rows = [["姓名", "金额"]] + [[f"人{i}", i] for i in range(3000)]
    reads = _counting(monkeypatch, xlsx_bounds, "_extent_exact")
    extent = xlsx_bounds.measure(_sheet(rows)).extents["发放明细"]
    assert not reads and limits.refusal(extent) is None and extent.cells == 6002


# --- writing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("paramstyle", ["qmark", "named"])  # named: the dict path PostgreSQL's drivers take
def test_bulk_insert_puts_every_value_in_its_column(paramstyle):
    engine = create_engine("sqlite://", paramstyle=paramstyle)
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("day", Date), Column("at", DateTime),
                  Column("name", String(10)), Column("batch", Integer))
    metadata.create_all(engine)
    when = dt.datetime(2026, 10, 1, 8, 30)
    with engine.begin() as connection:
        count = bulk_insert(connection, table, {
            "name": ["甲", "乙", "丙"], "day": [dt.date(2026, 10, 1), None, dt.date(2026, 10, 1)],
            "at": Every(when), "batch": range(7, 10),
        })
        assert count == 3
        assert bulk_insert(connection, table, {"name": [], "batch": Every(1)}) == 0
        with pytest.raises(ValueError):
            bulk_insert(connection, table, {"name": ["甲"], "batch": [1, 2]})
        stored = connection.execute(select(table.c.name, table.c.day, table.c.at, table.c.batch).order_by(table.c.id)).all()
    assert [tuple(row) for row in stored] == [
        ("甲", dt.date(2026, 10, 1), when, 7), ("乙", None, when, 8), ("丙", dt.date(2026, 10, 1), when, 9)]


def test_the_import_leaves_the_collector_as_it_found_it(db, tmp_path):
    people = make_people(5, seed=13)
    path = write_xlsx(tmp_path / "gc.xlsx", grid(lines_for(people)))
    assert gc.isenabled()
    import_payouts(db, ImportRequest(path=Path(path), village=VILLAGE, dry_run=True), ACTOR)
    assert gc.isenabled()
    gc.disable()
    try:
        import_payouts(db, ImportRequest(path=Path(path), village=VILLAGE, dry_run=True), ACTOR)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_header_constant_is_the_one_the_builders_use():
    assert HEADER[2] == "身份证号码"  # the tests above build files through tests/payout_files.py
