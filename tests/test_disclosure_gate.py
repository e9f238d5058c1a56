"""Issue 11: one gate for personal data.

Personal numbers (ID, mobile, landline, bank/一卡通 account) planted in every free-text field of every
entity, in the spellings a clerk or a paste produces, must not come out of any registered output on
any channel (domain.md, "Masking personal identifiers": one policy per channel, applied to every
output). The planted values are synthetic: valid check characters, no real person.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import importlib
import io
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.cli.main import main
from app.core import identifiers
from app.core.disclosure import for_output, normalised, published, scrub_free_text
from app.core.idnumber import check_character
from app.outputs import registry

APP = Path(__file__).resolve().parents[1] / "app"
OUTPUTS_DIR = APP / "outputs"

# --- spellings ---------------------------------------------------------------------------------

_SEPARATORS = [" ", "  ", "\t", ".", "-", "/", "·", "_", "\u200b", "\u200d", "\n", "\r\n", "\u3000", "－", "．", "\u202e", "\ufeff"]
_DIGIT_FORMS = {
    "ascii": "0123456789",
    "full": "０１２３４５６７８９",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
    "devanagari": "०१२३४५६७८९",
}


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["140122", "140124", "141102", "411082", "110101", "652901"]))
    birth = draw(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    if draw(st.booleans()):
        return first17 + check_character(first17)
    return first17 + draw(st.sampled_from("0123456789X"))  # a not-quite-valid check character


@st.composite
def secrets(draw: st.DrawFn) -> tuple[str, str]:
    """(kind, the number as digits) — what must never be readable in an output."""
    kind = draw(st.sampled_from(["id", "id15", "mobile", "landline", "account"]))
    if kind == "id":
        return kind, draw(id_numbers())
    if kind == "id15":
        return kind, draw(id_numbers())[:6] + draw(st.text("0123456789", min_size=9, max_size=9))
    if kind == "mobile":
        return kind, "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    if kind == "landline":
        return kind, draw(st.sampled_from(["0351", "0358", "010", "0374"])) + draw(st.text("0123456789", min_size=7, max_size=8))
    return kind, "62" + draw(st.text("0123456789", min_size=14, max_size=17))


@st.composite
def spelled(draw: st.DrawFn) -> tuple[str, str]:
    """(what is planted, the digits to look for)."""
    kind, digits = draw(secrets())
    form = _DIGIT_FORMS[draw(st.sampled_from(sorted(_DIGIT_FORMS)))]
    parts = []
    for index, ch in enumerate(digits):
        if index and draw(st.integers(0, 3)) == 0:
            parts.append(draw(st.sampled_from(_SEPARATORS)))
        parts.append(draw(st.sampled_from("xX")) if ch == "X" else form[int(ch)])
    text = "".join(parts)
    if kind == "mobile":
        text = draw(st.sampled_from(["", "+86 ", "+86-", "0086 ", "86"])) + text
    return text, digits


def visible(output: str, digits: str) -> bool:
    return digits in normalised(output)


@settings(max_examples=400, deadline=None)
@given(spelled(), st.sampled_from(["", "代领人", "电话：", "卡号", "备注 "]), st.sampled_from(["", "签收", "。", " 已核实"]))
def test_no_spelling_survives_the_sink(planted, before, after):
    text, digits = planted
    shown = for_output(before + text + after)
    assert not visible(shown, digits), (text, shown)
    assert scrub_free_text(before + text + after) == shown
    assert for_output(shown) == shown  # masking is idempotent


@pytest.mark.parametrize("text", [
    "2026年10月低保金 580.00 元", "自 2026-11-01 至 2026-11-30", "2026-11-01 2026-11-30", "第 1 页 / 共 3 页",
    "0194-WS·2016-D30-BGS-0001", "每亩 126.50 元，面积 12.35 亩", "140123********123X", "共 2,014 人次，合计 1,234,567.89 元",
])
def test_ordinary_text_is_left_alone(text):
    assert for_output(text) == text


def test_masks_follow_the_channel_rule():
    assert for_output("代领人 140122-19630809-7411") == "代领人 140122********7411"
    assert for_output("电话138-1234-5678") == "电话138****5678"
    assert for_output("+86 138 1234 5678") == "138****5678"
    assert for_output("卡号 6222 0212 3456 7890 123") == "卡号 ***************0123"


def test_published_numbers_are_exempt_by_construction_only():
    line = "监督电话：0351-7654321，代领人电话 13912345678"
    with published("0351-7654321"):
        assert for_output(line) == "监督电话：0351-7654321，代领人电话 139****5678"
    assert for_output(line) == "监督电话：035****4321，代领人电话 139****5678"


# --- the registry ------------------------------------------------------------------------------

def _public_writers() -> set[str]:
    found = set()
    for path in OUTPUTS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(("render_", "write_", "to_")):
                found.add(f"{path.stem}:{node.name}")
    return found


def test_every_writer_is_registered():
    registered = {kind.writer for kind in registry.OUTPUTS}
    missing = _public_writers() - registered - registry.NOT_OUTPUTS
    assert not missing, f"outputs not in app/outputs/registry.py: {sorted(missing)}"
    for writer in registered:
        module, function = writer.split(":")
        assert hasattr(importlib.import_module(f"app.outputs.{module}"), function), writer


def test_every_registered_kind_is_rendered_by_the_planted_test():
    assert {kind.name for kind in registry.OUTPUTS} == set(RENDERED_BY)


_SINKS = {  # the one module allowed to make each kind of byte
    "cell": "app/outputs/xlsx_cells.py",
    "drawString": "app/outputs/pdf_text.py",
    "writer": "app/outputs/listing.py",
    "QTableWidgetItem": "app/ui/table_helpers.py",
}


def test_no_output_bypasses_the_sinks():
    """Bytes for a person are made only in the sink modules, which pass every string through the gate."""
    offenders = []
    for path in sorted(list((APP / "outputs").glob("*.py")) + list((APP / "ui").glob("*.py")) + list((APP / "cli").glob("*.py"))):
        relative = path.relative_to(APP.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "cell" and any(k.arg == "value" for k in node.keywords) and relative != _SINKS["cell"]:
                offenders.append(f"{relative}:{node.lineno} writes a cell value")
            if name == "drawString" and relative != _SINKS["drawString"]:
                offenders.append(f"{relative}:{node.lineno} draws text")
            if name in ("writer", "DictWriter") and isinstance(func, ast.Attribute) and relative != _SINKS["writer"]:
                offenders.append(f"{relative}:{node.lineno} writes CSV")
            if name == "QTableWidgetItem" and relative != _SINKS["QTableWidgetItem"]:
                offenders.append(f"{relative}:{node.lineno} makes a table item")
            if name == "append" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id in {"ws", "sheet", "summary", "detail", "worksheet"}:
                offenders.append(f"{relative}:{node.lineno} appends a spreadsheet row")
    assert not offenders, offenders


# --- every output from a database with planted numbers -----------------------------------------

VILLAGE = "桃源村"
MONTH = "2026-11"
POSTED_MONTH = "2026-10"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    return path


def _plant(db: Path, values: list[str]) -> None:
    """Write planted values straight into the stored free-text fields (as a hostile or old database
    would hold them, past every input check)."""
    pick = iter(values * 20)
    con = sqlite3.connect(db)
    with con:
        village_id = con.execute("SELECT id FROM village WHERE name = ?", (VILLAGE,)).fetchone()[0]
        payouts = con.execute(
            "SELECT p.id, p.person_id FROM payout p JOIN subsidy_type s ON s.id = p.subsidy_type_id "
            "WHERE p.village_id = ? AND p.period = ? AND s.sensitive = 0 ORDER BY p.id LIMIT 4",
            (village_id, MONTH + "-01")).fetchall()
        for payout_id, person_id in payouts:
            con.execute("UPDATE payout SET note = ?, standard = ? WHERE id = ?",
                        (f"代领人{next(pick)}签收", f"按月{next(pick)}", payout_id))
        con.execute("UPDATE person SET name = name || ? WHERE id = ?", (next(pick), payouts[0][1]))
        group_id = con.execute("SELECT group_id FROM person WHERE id = ?", (payouts[1][1],)).fetchone()[0]
        con.execute("UPDATE villager_group SET name = name || ? WHERE id = ?", (next(pick), group_id))
        con.execute("UPDATE notice SET subject = subject || ?, body = ? || body", (next(pick), f"联系{next(pick)}\n"))
        con.execute("UPDATE notice_row SET note = ?, item = item || ?", (next(pick), next(pick)))
        con.execute("UPDATE filed_piece SET title = title || ?, remark = ?, doc_number = ?, responsible = ? "
                    "WHERE id IN (SELECT id FROM filed_piece WHERE village_id = ? ORDER BY id LIMIT 3)",
                    (next(pick), next(pick), next(pick), next(pick), village_id))
        con.execute("UPDATE catalog_item SET content = content || ?, basis = ? || basis", (next(pick), next(pick)))
        con.execute("UPDATE notice_objection SET raised_by = ?, handling = ?", (next(pick), f"经核实{next(pick)}"))
        con.execute("UPDATE archive_box SET note = ?, organizer = ?", (f"含{next(pick)}", next(pick)))
    con.close()


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _xlsx_text(path: Path) -> str:
    texts = []
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name}!{cell.coordinate} is a formula"
                if cell.value is not None:
                    texts.append(str(cell.value))
    return "\n".join(texts)


def _read(path: Path) -> str:
    if path.is_dir():
        return "\n".join(_read(p) for p in sorted(path.iterdir()))
    return _pdf_text(path) if path.suffix == ".pdf" else _xlsx_text(path) if path.suffix == ".xlsx" else path.read_text("utf-8")


def _run(capsys, db: Path, *args: str) -> str:
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert code == 0, (args, err)
    return out + err


def _notice_id(db: Path) -> str:
    con = sqlite3.connect(db)
    notice_id = con.execute("SELECT id FROM notice ORDER BY id LIMIT 1").fetchone()[0]
    con.close()
    return str(notice_id)


def _render_all(capsys, db: Path, out: Path) -> dict[str, str]:
    """Every registered output kind, through the commands a clerk runs; kind name → text as read."""
    texts: dict[str, str] = {}
    v = ["--village", VILLAGE]
    listing = ["payouts", "list", *v, "--month", MONTH]
    for channel in ("wall", "online"):
        texts[f"listing-table/{channel}"] = _run(capsys, db, *listing, "--channel", channel, "--format", "table")
        texts[f"listing-csv/{channel}"] = _run(capsys, db, *listing, "--channel", channel, "--format", "csv")
        texts[f"listing-json/{channel}"] = _run(capsys, db, *listing, "--channel", channel, "--format", "json")
        _run(capsys, db, "payouts", "export", *v, "--month", MONTH, "--channel", channel, "--out", str(out / f"l-{channel}.xlsx"))
        texts[f"ledger-xlsx/{channel}"] = _read(out / f"l-{channel}.xlsx")
        for size in ("A4", "A3"):
            pdf = out / f"b-{channel}-{size}.pdf"
            _run(capsys, db, "bulletin", *v, "--month", MONTH, "--channel", channel, "--size", size, "--out", str(pdf))
            texts[f"bulletin-pdf/{channel}/{size}"] = _read(pdf)
        notice_pdf = out / f"n-{channel}.pdf"
        _run(capsys, db, "notice", "print", _notice_id(db), "--channel", channel, "--out", str(notice_pdf))
        texts[f"notice-pdf/{channel}"] = _read(notice_pdf)
    _run(capsys, db, "notice", "print", _notice_id(db), "--filing-copy", "--out", str(out / "n-filing.pdf"))
    texts["notice-pdf/filing"] = _read(out / "n-filing.pdf")
    texts["bulletin-batch"] = _run(capsys, db, "bulletin", "--all", "--month", MONTH, "--out", str(out / "batch")) + _read(out / "batch")
    texts["bulletin-xlsx"] = texts["ledger-xlsx/wall"] + texts["ledger-xlsx/online"]
    _run(capsys, db, "catalog", "poster", *v, "--out", str(out / "poster.pdf"))
    texts["catalog-poster"] = _read(out / "poster.pdf")
    texts["terminal/catalog"] = _run(capsys, db, "catalog", "list", *v)
    for suffix in ("pdf", "xlsx"):
        _run(capsys, db, "archive", "index", *v, "--year", "2026", "--out", str(out / f"index.{suffix}"))
        texts[f"filing-index-{suffix}"] = _read(out / f"index.{suffix}")
    texts["terminal/archive"] = _run(capsys, db, "archive", "list", *v, "--year", "2026")
    _run(capsys, db, "archive", "labels", *v, "--year", "2026", "--out", str(out / "labels.pdf"))
    texts["box-labels"] = _read(out / "labels.pdf")
    _run(capsys, db, "due", "--month", MONTH, "--format", "csv", "--xlsx", str(out / "due.xlsx"))
    texts["due-xlsx"] = _read(out / "due.xlsx")
    texts["terminal/notices"] = _run(capsys, db, "notice", "list", *v, "--format", "json")
    return texts


# Which rendered texts stand for which registered kind (table-pdf, township-summary and csv-document
# are written by the commands above through the kinds that use them).
RENDERED_BY = {
    "bulletin-pdf": "bulletin-pdf/", "bulletin-batch": "bulletin-batch", "township-summary": "bulletin-batch",
    "bulletin-xlsx": "bulletin-xlsx", "ledger-xlsx": "ledger-xlsx/", "listing-table": "listing-table/",
    "listing-csv": "listing-csv/", "listing-json": "listing-json/", "csv-document": "listing-csv/",
    "notice-pdf": "notice-pdf/", "catalog-poster": "catalog-poster", "filing-index-pdf": "filing-index-pdf",
    "filing-index-xlsx": "filing-index-xlsx", "box-labels": "box-labels", "due-xlsx": "due-xlsx",
    "table-pdf": "notice-pdf/", "table-pdfs": "filing-index-pdf", "terminal": "terminal/",
}


@pytest.mark.slow
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],  # no shrinking: a run costs seconds
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(spelled(), min_size=4, max_size=4))
def test_planted_numbers_never_leave_through_any_output(demo_db, tmp_path_factory, capsys, values):
    work = tmp_path_factory.mktemp("planted")
    db = work / "db.sqlite3"
    shutil.copy(demo_db, db)
    # A correction of a posted month: its reason is printed in the next sheet's 更正说明.
    con = sqlite3.connect(db)
    payout_id = con.execute("SELECT p.id FROM payout p JOIN village v ON v.id = p.village_id JOIN subsidy_type s "
                            "ON s.id = p.subsidy_type_id WHERE v.name = ? AND p.period = ? AND s.sensitive = 0 LIMIT 1",
                            (VILLAGE, POSTED_MONTH + "-01")).fetchone()[0]
    con.close()
    _run(capsys, db, "payouts", "correct", str(payout_id), "--amount", "1", "--reason", f"补差{values[0][0]}")
    _run(capsys, db, "notice", "object", _notice_id(db), "--content", f"反映{values[1][0]}", "--from", "李某")
    _plant(db, [text for text, _ in values])
    texts = _render_all(capsys, db, work)
    for name, prefix in RENDERED_BY.items():
        assert any(key.startswith(prefix) for key in texts), name
    for key, text in texts.items():
        for planted, digits in values:
            assert not visible(text, digits), f"{key} shows {planted!r}"
    # The planted text did reach the outputs (masked): the test looks where the values are.
    assert "代领人" in texts["bulletin-pdf/wall/A4"] and "*" in texts["listing-csv/wall"]


# --- spreadsheets and CSV: never a formula, amounts as numbers ---------------------------------

HOSTILE_TEXTS = ['=HYPERLINK("http://x","点")', "=cmd|'/Ccalc'!A", "=1+1", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture
def hostile_db(demo_db, tmp_path):
    db = tmp_path / "hostile.sqlite3"
    shutil.copy(demo_db, db)
    con = sqlite3.connect(db)
    with con:
        village_id = con.execute("SELECT id FROM village WHERE name = ?", (VILLAGE,)).fetchone()[0]
        rows = con.execute("SELECT id, person_id FROM payout WHERE village_id = ? AND period = ? ORDER BY id LIMIT 6",
                           (village_id, MONTH + "-01")).fetchall()
        for (payout_id, person_id), text in zip(rows, HOSTILE_TEXTS):
            con.execute("UPDATE payout SET note = ?, standard = ? WHERE id = ?", (text, text, payout_id))
        con.execute("UPDATE person SET name = ? WHERE id = ?", (HOSTILE_TEXTS[0], rows[0][1]))
        con.execute("UPDATE filed_piece SET title = ? WHERE village_id = ?", ("=1+2", village_id))
    con.close()
    return db


def test_no_spreadsheet_cell_from_data_is_a_formula(hostile_db, tmp_path, capsys):
    v = ["--village", VILLAGE]
    for channel in ("wall", "online"):
        out = tmp_path / f"{channel}.xlsx"
        _run(capsys, hostile_db, "payouts", "export", *v, "--month", MONTH, "--channel", channel, "--out", str(out))
        cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert "=1+1" in texts and "@SUM(A1)" in texts  # kept as the clerk wrote it, as text
        assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")))
    _run(capsys, hostile_db, "archive", "index", *v, "--year", "2026", "--out", str(tmp_path / "index.xlsx"))
    cells = [c for row in load_workbook(tmp_path / "index.xlsx").active.iter_rows() for c in row]
    assert "=1+2" in {c.value for c in cells} and not [c for c in cells if c.data_type == "f"]


def test_no_csv_cell_from_data_starts_a_formula(hostile_db, capsys):
    out = _run(capsys, hostile_db, "payouts", "list", "--village", VILLAGE, "--month", MONTH, "--format", "csv")
    assert out.startswith("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(out.lstrip("\ufeff"))) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=1+1" in cells and "'@SUM(A1)" in cells


def _amount_cells(path: Path) -> tuple[list[float], float]:
    """The amount column's numbers above the total row, and the total row's number."""
    cells = [c for row in load_workbook(path).active.iter_rows() for c in row
             if c.number_format == "#,##0.00" and c.value is not None]
    assert cells and all(c.data_type == "n" for c in cells)
    return [float(c.value) for c in cells[:-1]], float(cells[-1].value)


def test_amounts_in_every_xlsx_add_up_to_the_printed_total(demo_db, tmp_path, capsys):
    v = ["--village", VILLAGE, "--month", MONTH]
    out = tmp_path / "ledger.xlsx"
    _run(capsys, demo_db, "payouts", "export", *v, "--out", str(out))
    amounts, total = _amount_cells(out)
    assert round(sum(amounts), 2) == total
    sheet = _run(capsys, demo_db, "bulletin", *v, "--out", str(tmp_path / "b.pdf"))
    assert f"合计 {total:,.2f} 元" in sheet or f"{total:,.2f}" in sheet
    # The sheet as Excel (the window's 保存为 Excel) with its sensitive sections as totals only.
    from app.outputs.bulletin_xlsx import write_bulletin_xlsx
    from app.services.bulletin import sheet_for
    from app.storage.engine import open_database

    database = open_database(demo_db)
    try:
        built = sheet_for(database, VILLAGE, dt.date(2026, 11, 1))
    finally:
        database.close()
    assert any(s.sensitive for s in built.sections)
    write_bulletin_xlsx(built, tmp_path / "b.xlsx")
    amounts, total = _amount_cells(tmp_path / "b.xlsx")
    assert round(sum(amounts) * 100) == built.total_fen == round(total * 100)


# --- notices: objections on public sheets ------------------------------------------------------

def test_public_notice_shows_objections_as_count_date_and_outcome_only(demo_db, tmp_path, capsys):
    db = tmp_path / "db.sqlite3"
    shutil.copy(demo_db, db)
    notice = _notice_id(db)
    _run(capsys, db, "notice", "object", notice, "--content", "张三家有两辆小车", "--from", "李某某", "--date", "2026-12-03")
    con = sqlite3.connect(db)
    objection = con.execute("SELECT id FROM notice_objection").fetchone()[0]
    con.close()
    _run(capsys, db, "notice", "handle", str(objection), "--handling", "经入户核实，车辆已于去年出售", "--outcome", "异议不成立",
         "--by", "王主任")
    for channel in ("wall", "online"):
        _run(capsys, db, "notice", "print", notice, "--channel", channel, "--out", str(tmp_path / f"{channel}.pdf"))
        text = normalised(_pdf_text(tmp_path / f"{channel}.pdf"))
        assert "公示期间共收到异议1件" in text and "2026年12月3日收到" in text and "异议不成立" in text
        for private in ("李某某", "张三家有两辆小车", "车辆已于去年出售"):
            assert private not in text, (channel, private)
    _run(capsys, db, "notice", "print", notice, "--filing-copy", "--out", str(tmp_path / "filing.pdf"))
    text = normalised(_pdf_text(tmp_path / "filing.pdf"))
    assert "李某某" in text and "张三家有两辆小车" in text and "车辆已于去年出售" in text and "存档联" in text


# --- errors ------------------------------------------------------------------------------------

def test_a_full_disk_during_import_shows_no_personal_data(tmp_path, capsys, monkeypatch):
    """SQLite's own 'database or disk is full' (max_page_count), with the file's ID numbers in the statement."""
    from tests.payout_files import grid, lines_for, write_csv
    from app.core.synthetic import make_people
    from app.storage import engine

    people = make_people(600, seed=5)
    db = tmp_path / "db.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    assert main(["--db", str(db), "village", "add", VILLAGE]) == 0
    capsys.readouterr()
    original = engine._sqlite_pragmas

    def tiny_disk(connection, record):  # noqa: ANN001
        original(connection, record)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages + 1}")

    monkeypatch.setattr(engine, "_sqlite_pragmas", tiny_disk)
    source = write_csv(tmp_path / "十一月.csv", grid(lines_for(people)))
    code = main(["--db", str(db), "payouts", "import", str(source), "--village", VILLAGE, "--month", POSTED_MONTH])
    out, err = capsys.readouterr()
    assert code == 1
    assert "磁盘空间" in err and "Traceback" not in err
    for person in people:
        assert person.id_number not in out + err


def test_an_unexpected_error_message_is_scrubbed(tmp_path, capsys, monkeypatch):
    import app.services.listings as villages

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("INSERT failed for 140122196308097411 phone 13912345678")

    monkeypatch.setattr(villages, "list_villages", broken)
    db = tmp_path / "db.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "village", "list"]) == 1
    out, err = capsys.readouterr()
    assert "程序内部出错" in err and "140122196308097411" not in out + err and "13912345678" not in out + err


def test_a_failed_insert_says_nothing_of_the_values(db, people):
    """A constraint violation's text (what a log or a careless message would show) holds no ID number."""
    from sqlalchemy.exc import IntegrityError
    from app.storage.models import Person

    sealed = db.cipher.seal(people[0].id_number, people[0].phone, "")  # stored encrypted (issue 17)

    def person(name: str) -> Person:
        return Person(name=name, id_index=sealed.id_index, id_masked=sealed.id_masked, id_cipher=sealed.id_cipher,
                      phone_masked=sealed.phone_masked, phone_cipher=sealed.phone_cipher)

    with db.transaction() as session:
        session.add(person(people[0].name))
    with pytest.raises(IntegrityError) as caught:
        with db.transaction() as session:
            session.add(person(people[1].name))
    assert people[0].id_number not in str(caught.value) and people[1].name not in str(caught.value)
    from app.services.errors import clerk_message

    assert people[0].id_number not in clerk_message(caught.value)


def test_engines_hide_statement_parameters(tmp_path):
    from app.storage.engine import open_database

    database = open_database(tmp_path / "db.sqlite3")
    try:
        assert database.engine.hide_parameters
    finally:
        database.close()


def test_terminal_drops_escape_sequences(capsys):
    from app.outputs.terminal import gated
    import sys

    with gated():
        print("张\x1b[31m三\x08\x00 140122196308097411")
    out = capsys.readouterr().out
    assert out == "张[31m三 140122********7411\n"


def test_identifiers_find_reports_spans():
    text = "甲 138 1234 5678 乙"
    (start, end, masked), = identifiers.find(text)
    assert text[start:end] == "138 1234 5678" and masked == "138****5678"


def test_json_listing_is_valid_after_the_gate(demo_db, capsys):
    out = _run(capsys, demo_db, "payouts", "list", "--village", VILLAGE, "--month", MONTH, "--format", "json")
    assert json.loads(out)


def test_outputs_never_see_the_database():
    """Writers take plain, already-disclosed data: no output module imports the ORM or the engine."""
    forbidden = ("app.storage", "sqlmodel", "sqlalchemy", "app.services")
    offenders = []
    for path in sorted(OUTPUTS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {name}" for name in names if name.startswith(forbidden)]
    assert not offenders, offenders
