"""Issue 12: the hostile corpus (tests/hostile_files.py), each file with its asserted outcome.

Every file goes through the service (dry run and import must agree), the command line (exit status
0 or 1, no traceback, the database unchanged when refused) and, in tests/ui/test_import_wizard.py,
the wizard. An import is all-or-nothing (README, "An import is all or nothing").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.disclosure import mask_id
from app.services.importing import (
    ImportRefused,
    ImportRequest,
    SheetChoiceNeeded,
    import_payouts,
)
from app.services.ledger import LedgerFilter, fetch_all
from app.storage.engine import open_database
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.hostile_files import Case, Corpus, build

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    "hidden_first_sheet_hidden.xlsx", "hidden_first_sheet_veryHidden.xlsx", "two_payout_sheets.xlsx",
    "two_payout_sheets.xlsx#十月高龄", "two_payout_sheets.xlsx#*", "merged_groups.xlsx", "far_cell.xlsx",
    "far_cell_within_columns.xlsx", "zip_bomb.xlsx", "zip_bomb_lying_sizes.xlsx", "nan_inf_1e20.xlsx",
    "amount_one_billion.xlsx", "plausibility.xlsx", "impossible_dates.xlsx", "hidden_characters.xlsx",
    "hidden_characters.csv", "nul_in_name.csv", "arabic_indic_digits.csv", "arabic_indic_duplicate.csv",
    "alias_duplicates.xlsx", "csv_field_200k.csv", "text_too_long.xlsx", "encrypted.xlsx", "encrypted.xls",
    "far_cell.xls", "dimensions_wrapped.xls", "regions.xlsx", "truncated.xlsx", "truncated.xls",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return build(tmp_path_factory.mktemp("hostile"))


def test_every_case_of_the_corpus_is_tested(corpus):
    assert sorted(corpus.cases) == sorted(CASES)


def _request(corpus: Corpus, case: Case, dry_run: bool) -> ImportRequest:
    return ImportRequest(path=corpus.path(case.name), village=VILLAGE, sheets=case.sheets, dry_run=dry_run)


def _outcome(db, corpus: Corpus, case: Case, dry_run: bool):
    try:
        result = import_payouts(db, _request(corpus, case, dry_run), ACTOR)
    except ImportRefused as refusal:
        return ("refused", refusal.message, tuple(refusal.problems))
    return ("imported", result.count, result.total_fen, tuple(result.warnings))


def assert_says(lines: list[str] | tuple[str, ...], wanted: tuple[str, ...]) -> None:
    for text in wanted:
        assert any(text in line for line in lines), f"no line says {text!r}: {lines}"


@pytest.mark.parametrize("key", CASES)
def test_dry_run_and_import_agree_and_refusals_write_nothing(db, corpus, key):
    case = corpus.cases[key]
    before = row_counts(db)
    dry = _outcome(db, corpus, case, dry_run=True)
    assert row_counts(db) == before
    real = _outcome(db, corpus, case, dry_run=False)
    assert dry == real, "the check and the import must say the same"
    if case.refused:
        assert real[0] == "refused"
        assert row_counts(db) == before
        assert_says(real[2], case.says)
        assert all("Traceback" not in line and "Error" not in line for line in real[2])
        return
    assert real[0] == "imported" and real[1] == case.rows
    with db.reading() as session:
        records = fetch_all(session, LedgerFilter())
    assert len(records) == case.rows
    assert {record.group for record in records} == set(case.groups)
    assert all(record.id_number.isascii() for record in records)
    assert_says(real[3], case.warns)
    for text in case.no_warning_with:
        assert not any(text in warning for warning in real[3])


def test_two_payout_sheets_are_listed_for_a_choice(db, corpus):
    with pytest.raises(SheetChoiceNeeded) as caught:
        import_payouts(db, _request(corpus, corpus.cases["two_payout_sheets.xlsx"], False), ACTOR)
    assert caught.value.sheets == ["十月低保", "十月高龄"] and caught.value.same_layout


def test_merged_group_cells_give_every_covered_row_its_group(db, corpus):
    case = corpus.cases["merged_groups.xlsx"]
    import_payouts(db, _request(corpus, case, False), ACTOR)
    with db.reading() as session:
        by_name = {record.name: record.group for record in fetch_all(session, LedgerFilter())}
    people = corpus.people
    assert [by_name[p.name] for p in people[10:14]] == ["2组"] * 4  # D4:D7 merged
    assert by_name[people[14].name] == "7组"


def test_hidden_first_sheet_is_not_imported(db, corpus):
    import_payouts(db, _request(corpus, corpus.cases["hidden_first_sheet_hidden.xlsx"], False), ACTOR)
    with db.reading() as session:
        names = {record.name for record in fetch_all(session, LedgerFilter())}
    assert names == {p.name for p in corpus.people[3:5]}


def test_arabic_indic_digits_are_one_person_stored_in_ascii(db, corpus):
    import_payouts(db, _request(corpus, corpus.cases["arabic_indic_digits.csv"], False), ACTOR)
    with db.reading() as session:
        numbers = [record.id_number for record in fetch_all(session, LedgerFilter())]
    assert numbers.count(mask_id(corpus.people[39].id_number)) == 2 and len(set(numbers)) == 2  # masked (issue 17)


# --- the command line ------------------------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path, capsys) -> Path:
    path = tmp_path / "命令行.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    assert main(["--db", str(path), "village", "add", VILLAGE]) == 0
    capsys.readouterr()
    return path


def _counts(path: Path) -> dict[str, int]:
    database = open_database(path)
    try:
        return row_counts(database)
    finally:
        database.close()


@pytest.mark.parametrize("key", CASES)
def test_command_line(cli_db, corpus, capsys, key):
    case = corpus.cases[key]
    before = _counts(cli_db)
    sheets = [arg for name in case.sheets for arg in ("--sheet", name)]
    code = main(["--db", str(cli_db), "payouts", "import", str(corpus.path(case.name)), "--village", VILLAGE, *sheets])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.refused:
        assert code == 1
        assert _counts(cli_db) == before
        assert_says(err.splitlines(), case.says)
    else:
        assert code == 0 and out.strip().startswith(f"导入 {case.rows} 条")
        assert_says(err.splitlines(), case.warns)


@pytest.mark.parametrize(
    "key", ["far_cell.xlsx", "far_cell_within_columns.xlsx", "zip_bomb.xlsx", "far_cell.xls", "dimensions_wrapped.xls"]
)
def test_files_that_aborted_the_process_are_refused_by_the_real_command(cli_db, corpus, key):
    """As a subprocess: an abort (exit 134) in calamine would take the process down, not raise."""
    case = corpus.cases[key]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--db", str(cli_db), "payouts", "import", str(corpus.path(case.name)),
         "--village", VILLAGE, "--dry-run"],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert_says(done.stderr.splitlines(), case.says)


_MUTATE = """
import random, sys, tempfile
from pathlib import Path
from app.core.synthetic import make_people
from app.inputs.tabular import TabularFileError, read_tabular
from tests.hostile_files import SheetSpec, _lines, _rows, _xls, xlsx_bytes

people = make_people(20, seed=3)
seeds = {"a.xlsx": xlsx_bytes([SheetSpec("发放明细", _rows(_lines(people)), merges=("D4:D7",))]),
         "a.xls": _xls(_rows(_lines(people)))}
rng = random.Random(int(sys.argv[1]))
folder = Path(tempfile.mkdtemp())
for index in range(int(sys.argv[2])):
    name = rng.choice(list(seeds))
    data = bytearray(seeds[name])
    for _ in range(rng.choice([1, 2, 5, 20])):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = folder / name
    path.write_bytes(bytes(data))
    print(index, name, flush=True)
    try:
        read_tabular(path)
    except TabularFileError as refusal:
        assert str(refusal).isascii() is False
print("done")
"""


@pytest.mark.parametrize("seed", [6, 27])
def test_damaged_workbooks_are_refused_or_read_never_abort(seed):
    """Random byte changes to an xlsx and an xls: a refusal in Chinese or a clean read, never an abort
    (such changes found the DIMENSIONS abort, now dimensions_wrapped.xls). In a subprocess, so that
    an abort fails this test instead of ending the run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), RUST_BACKTRACE="0")
    done = subprocess.run([sys.executable, "-c", _MUTATE, str(seed), "200"], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=300, check=False)
    last = done.stdout.strip().splitlines()[-1:] or ["nothing"]
    assert done.returncode == 0 and last == ["done"], f"stopped after {last}: {done.stderr[-2000:]}"
