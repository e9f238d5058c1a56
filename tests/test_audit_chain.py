"""Issue 16, "Tamper-evident audit, on both engines": the operation log is a hash chain.

`verify` names the first entry that was changed, deleted or inserted past the program (raw SQL here:
the ORM's append-only guard is a mapper event, which plain SQL statements never meet); the code
printed on a posted sheet catches a log rewritten with every hash recomputed; the migration chains the
entries already there; `audit list` filters; the CLI exits 1 on a broken log.

On SQLite always; on PostgreSQL too when CUNWU_TEST_PG_URL names a server (as tests/test_postgresql.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import event, select, text

from app.cli.main import main
from app.core.periods import parse_month
from app.outputs.bulletin_pdf import render_bulletin
from app.services import audit
from app.services.audit import anchor_code, code_prefix, entry_hash, list_entries, verify
from app.services.bulletin import publish, sheet_for
from app.services.errors import ServiceError
from app.services.importing import ImportRequest, import_payouts
from app.services.payouts import reveal_id_number
from app.services.setup import initialize
from app.services.village_settings import update_village
from app.services.villages import add_village
from app.storage import engine as engine_module
from app.storage import migrations
from app.storage.engine import Database, open_database
from app.storage.models import AuditHead, AuditLog
from tests.conftest import ACTOR, VILLAGE, VILLAGE_CONTACTS
from tests.payout_files import grid, lines_for, write_xlsx
from tests.pg_server import NO_SERVER, SERVER, fresh_database
from tests.tamper import unguard

OCT, NOV = parse_month("2026-10"), parse_month("2026-11")
OTHER = "杏花村"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not SERVER, reason=NO_SERVER))]


def _prepare(database: Database) -> None:
    initialize(database, ACTOR, "青山镇")
    village = add_village(database, VILLAGE, ACTOR, code="140123101201")
    update_village(database, village.id, ACTOR, **VILLAGE_CONTACTS)
    other = add_village(database, OTHER, "李会计")
    update_village(database, other.id, "李会计", **VILLAGE_CONTACTS)


@pytest.fixture(params=ENGINES)
def where(request, tmp_path: Path):
    """A prepared database's address (a file or a server URL), closed: the CLI may open it."""
    if request.param == "sqlite":
        path = tmp_path / "审计.sqlite3"
        with open_database(path) as database:
            _prepare(database)
        yield str(path)
        return
    with fresh_database("cunwu_audit_") as (_, url):
        with open_database(url) as database:
            _prepare(database)
        yield url


@pytest.fixture
def db(where):
    database = open_database(where)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def october(db, people, tmp_path):
    """Five October payouts in 桃源村, imported (one audit entry for the batch)."""
    path = write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:5])))
    import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR)


def sql(db: Database, statement: str, **values) -> None:
    """Plain SQL on its own connection: what someone with the database's password could do."""
    with db.engine.begin() as connection:
        unguard(connection)
        connection.execute(text(statement), values)


def last_id(db: Database) -> int:
    with db.reading() as session:
        return session.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).scalars().first()


def recompute_chain(db: Database) -> None:
    """The attack the paper copy is for: rehash every entry in order and move the head along."""
    with db.reading() as session:
        rows = session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
    previous = audit.GENESIS
    with db.engine.begin() as connection:
        unguard(connection)
        for row in rows:
            digest = entry_hash(row.id, row.at, row.actor, row.action, row.entity, row.entity_id, row.village_id,
                                row.before, row.after, previous)
            connection.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
                               {"p": previous, "h": digest, "i": row.id})
            previous = digest
        connection.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"), {"i": rows[-1].id, "h": previous})


# --- the chain -------------------------------------------------------------------------------------


def test_the_log_refuses_changes_until_its_triggers_are_lifted(db, october):
    """Migration 0011: an UPDATE or DELETE of an entry is refused by the database itself."""
    for statement in ("UPDATE audit_log SET actor = '别人' WHERE id = 1", "DELETE FROM audit_log WHERE id = 1"):
        with pytest.raises(Exception, match="CUNWU_AUDIT_APPEND_ONLY"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert verify(db).ok


def test_every_service_entry_is_chained_and_verifies(db, october):
    result = verify(db)
    assert result.ok and result.problem is None
    with db.reading() as session:
        rows = session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        head = session.get(AuditHead, audit.HEAD_ID)
    assert result.count == len(rows) > 5
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))  # the head hands out ids: no gaps
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert (head.last_id, head.last_hash) == (rows[-1].id, rows[-1].hash)
    assert result.summary == (f"操作日志完好：共 {len(rows)} 条记录，校验链无断点，最后一条为第 {rows[-1].id} 条"
                              f"（校验码 {anchor_code(rows[-1].hash)}）")


def test_an_edited_entry_is_named(db, october):
    target = 3
    sql(db, "UPDATE audit_log SET actor = '别人' WHERE id = :i", i=target)
    result = verify(db)
    assert not result.ok
    assert (result.problem.kind, result.problem.entry_id) == ("changed", target)
    assert f"第 {target} 条记录（" in result.summary and "内容被改动过" in result.summary
    assert audit.local_time(result.problem.at) in result.summary


def test_an_edited_entry_whose_hash_was_recomputed_breaks_the_next_link(db, october):
    with db.reading() as session:
        row = session.get(AuditLog, 2)
        forged = entry_hash(row.id, row.at, "别人", row.action, row.entity, row.entity_id, row.village_id,
                            row.before, row.after, row.prev_hash)
    sql(db, "UPDATE audit_log SET actor = '别人', hash = :h WHERE id = 2", h=forged)
    result = verify(db)
    assert result.problem.entry_id == 3 and "第 2 条被改动后重算过校验码" in result.summary


def test_a_deleted_entry_is_named(db, october):
    sql(db, "DELETE FROM audit_log WHERE id = 4")
    result = verify(db)
    assert (result.problem.kind, result.problem.entry_id) == ("deleted", 4)
    assert "第 4 条记录被删除了" in result.summary


def test_deleting_the_newest_entries_is_seen_through_the_head(db, october):
    newest = last_id(db)
    sql(db, "DELETE FROM audit_log WHERE id >= :i", i=newest - 1)
    result = verify(db)
    assert (result.problem.kind, result.problem.entry_id) == ("deleted", newest - 1)
    assert f"第 {newest - 1} 条及以后的记录被删除了" in result.summary


def test_an_inserted_entry_is_named(db, october):
    """An entry added past the program, at the end (where the database puts a new row): even with its hash
    computed right, it is not on the chain the head names."""
    newest = last_id(db)
    with db.reading() as session:
        row = session.get(AuditLog, newest)
        fake = entry_hash(newest + 1, row.at, "别人", "delete", "payout", 1, row.village_id, "", "", row.hash)
    sql(db, "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, village_id, before, after, prev_hash, hash) "
            "SELECT :n, at, '别人', 'delete', 'payout', 1, village_id, '', '', hash, :h FROM audit_log WHERE id = :i",
        n=newest + 1, h=fake, i=newest)
    result = verify(db)
    assert (result.problem.kind, result.problem.entry_id) == ("inserted", newest + 1)
    assert f"第 {newest + 1} 条记录（" in result.summary and "绕过本程序插入" in result.summary


def test_an_entry_slipped_in_between_is_named(db, october):
    """Replace entry 3 with another one (delete, insert under its id): its link to entry 2 is wrong."""
    sql(db, "DELETE FROM audit_log WHERE id = 3")
    sql(db, "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, village_id, before, after, prev_hash, hash) "
            "SELECT 3, at, '别人', action, entity, entity_id, village_id, before, after, hash, hash FROM audit_log WHERE id = 4")
    result = verify(db)
    assert (result.problem.kind, result.problem.entry_id) == ("inserted", 3)


# --- anchors on posted sheets ------------------------------------------------------------------------


def test_a_posted_sheet_prints_the_head_and_reprints_identically(db, october, tmp_path):
    preview = sheet_for(db, VILLAGE, OCT)
    assert preview.meta.audit_anchor == ""  # not posted: no code
    head_before = verify(db).head
    info = publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    sheet = sheet_for(db, VILLAGE, OCT)
    assert sheet.meta.audit_anchor == info.audit_anchor == f"{head_before.code}（第 {head_before.entry_id} 条）"
    assert verify(db).head.entry_id > head_before.entry_id  # the posting itself was logged after its anchor
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_bulletin(sheet, first)
    reveal_id_number(db, 1, ACTOR)  # more entries are logged after the posting
    render_bulletin(sheet_for(db, VILLAGE, OCT), second)
    assert first.read_bytes() == second.read_bytes()
    from pypdf import PdfReader

    footer = PdfReader(first).pages[0].extract_text()
    assert f"操作日志校验码：{head_before.code}" in footer
    result = verify(db, [head_before.code])
    assert result.ok and result.codes[0].entry_id == head_before.entry_id
    assert "均在链上" in result.summary


def test_the_code_on_paper_catches_a_recomputed_chain(db, october):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    code = sheet_for(db, VILLAGE, OCT).meta.audit_anchor.split("（")[0]
    reveal_id_number(db, 2, ACTOR)
    # Someone removes the traces of an early change and recomputes every hash after it, and the head.
    sql(db, "UPDATE audit_log SET actor = '别人' WHERE id = 3")
    recompute_chain(db)
    assert verify(db).ok  # the chain alone cannot tell
    result = verify(db, [code])
    assert not result.ok and result.problem is None
    assert f"公开表上的校验码 {code}" in result.summary and "找不到" in result.summary


def test_codes_are_letters_that_the_gate_leaves_alone():
    from app.core.disclosure import for_output

    for digest in ("0" * 64, "0351765432109999" + "0" * 48, "1381234567890000" + "f" * 48):
        code = anchor_code(digest)
        assert for_output(f"操作日志校验码：{code}（第 12 条）") == f"操作日志校验码：{code}（第 12 条）"
        assert code_prefix(code.lower()) == digest[:12]
    with pytest.raises(ServiceError, match="格式不对"):
        code_prefix("1234-5678-9012")


# --- writers, the head, and what record costs ----------------------------------------------------------


def test_record_reads_the_head_by_key_not_the_log(db, october):
    """The head is one row read by its key: recording never scans or sorts the audit log."""
    seen: list[str] = []

    def remember(conn, cursor, statement, *_):
        seen.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        reveal_id_number(db, 1, ACTOR)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    touching = [s for s in seen if "audit_log" in s]
    assert touching and all(s.startswith("insert into audit_log") for s in touching), touching
    assert any("from audit_head" in s and "audit_head.id =" in s for s in seen)


@pytest.mark.skipif(not SERVER, reason="two writers at once: PostgreSQL (SQLite has one writer)")
def test_two_writers_never_chain_onto_the_same_entry(db, october):
    """The second transaction waits on the head's row lock and chains onto the first one's entry."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    holding, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with db.transaction() as session:
                audit.record(session, "甲", "test", "database", None)
                holding.set()
                done.wait(2)  # keep the lock while the second writer tries
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def second() -> None:
        holding.wait(5)
        try:
            with db.transaction() as session:
                audit.record(session, "乙", "test", "database", None)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(5)
    threads[1].join(0.5)
    assert threads[1].is_alive()  # blocked on the head
    done.set()
    for thread in threads:
        thread.join(10)
    assert errors == []
    result = verify(db)
    assert result.ok
    entries = list_entries(db, who="乙").entries
    assert len(entries) == 1 and entries[0].id == result.head.entry_id


# --- the migration ------------------------------------------------------------------------------


def test_the_migration_chains_the_entries_already_there(db, october):
    """Down to 0008 (no chain), an entry written the old way, and up again: every entry gets the same
    village and hash that `record` gave it, and the log verifies."""
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    delete_target = None
    with db.reading() as session:
        before = [(r.id, r.village_id, r.hash) for r in session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]
        village_id = dict((v, k) for k, v in session.execute(text("SELECT id, name FROM village")).all())[VILLAGE]
        delete_target = session.execute(text("SELECT id FROM payout ORDER BY id DESC")).scalars().first()
    assert all(v is not None for i, v, h in before if i > 20)  # import, publication, filing: all 桃源村's
    with engine_module.migrating(db.engine) as connection:  # foreign keys off on SQLite: 0010 rebuilds person
        command.downgrade(migrations.alembic_config(connection), "0008")
        # A deletion logged by the old program: the payout is gone, its village only in `before`.
        connection.execute(text(
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before, after) "
            "SELECT :n, at, '老版本', 'delete', 'payout', :p, :b, '' FROM audit_log WHERE id = :last"),
            {"n": before[-1][0] + 1, "p": delete_target, "last": before[-1][0],
             "b": json.dumps({"village_id": village_id, "amount_fen": 56000}, ensure_ascii=False, sort_keys=True)})
        migrations.upgrade(connection)
    with db.reading() as session:
        after = [(r.id, r.village_id, r.hash) for r in session.execute(select(AuditLog).order_by(AuditLog.id)).scalars()]
    assert after[:-1] == before
    assert after[-1][1] == village_id and after[-1][2]
    result = verify(db)
    assert result.ok and result.count == len(before) + 1 and result.head.entry_id == before[-1][0] + 1
    # …and the chain goes on from there.
    reveal_id_number(db, delete_target - 1, ACTOR)
    assert verify(db).ok and verify(db).count == len(before) + 2


# --- listing ---------------------------------------------------------------------------------------


def test_list_filters_by_village_person_and_dates(db, october):
    everything = list_entries(db)
    assert everything.total == len(everything.entries) == verify(db).count
    ours = list_entries(db, village=VILLAGE)
    assert ours.entries and all(e.village == VILLAGE for e in ours.entries)
    assert {e.action for e in ours.entries} >= {"create", "configure", "import"}
    theirs = list_entries(db, village=OTHER)
    assert theirs.entries and {e.actor for e in theirs.entries} == {"李会计"}
    assert [e.id for e in list_entries(db, who="李会").entries] == [e.id for e in theirs.entries]
    today = dt.date.today()
    assert list_entries(db, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1)).total == everything.total
    assert list_entries(db, start=today + dt.timedelta(days=2)).total == 0
    assert list_entries(db, end=today - dt.timedelta(days=2)).total == 0
    newest = list_entries(db, limit=2, newest_first=True)
    assert newest.total == everything.total and [e.id for e in newest.entries] == [everything.entries[-1].id,
                                                                                  everything.entries[-2].id]
    with pytest.raises(ServiceError):
        list_entries(db, start=today, end=today - dt.timedelta(days=1))


# --- the command line ---------------------------------------------------------------------------------


def test_cli_verify_exit_codes(where, capsys, people, tmp_path):
    path = write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:5])))
    assert main(["--db", where, "payouts", "import", str(path), "--village", VILLAGE]) == 0
    assert main(["--db", where, "publish", "--village", VILLAGE, "--month", "2026-10", "--by", "王文书",
                 "--date", "2026-11-01"]) == 0
    capsys.readouterr()
    assert main(["--db", where, "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("操作日志完好：") and out.count("\n") == 1
    with open_database(where) as database:
        code = sheet_for(database, VILLAGE, OCT).meta.audit_anchor.split("（")[0]
    assert main(["--db", where, "audit", "verify", "--code", code]) == 0
    assert "仍在链上" in capsys.readouterr().out
    assert main(["--db", where, "audit", "verify", "--code", "1234"]) == 1
    assert "格式不对" in capsys.readouterr().err
    with open_database(where) as database:
        sql(database, "DELETE FROM audit_log WHERE id = 5")
    assert main(["--db", where, "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "第 5 条记录被删除了" in out


def test_cli_list_masks_personal_numbers_and_filters(where, capsys, people):
    with open_database(where) as database:
        from app.services.payouts import PayoutInput, add_payout
        from app.services.subsidies import list_subsidies
        from app.services.villages import list_villages

        dibao = next(s.id for s in list_subsidies(database) if s.name == "最低生活保障金")
        village = next(v.id for v in list_villages(database) if v.name == VILLAGE)
        add_payout(database, village, PayoutInput(name=people[0].name, id_number=people[0].id_number,
                                                  subsidy_type_id=dibao, period=NOV, amount="100"), ACTOR)
    capsys.readouterr()
    assert main(["--db", where, "audit", "list", "--village", VILLAGE, "--format", "json"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out)
    assert people[0].id_number not in out
    assert any(e["action"] == "create" and e["entity"] == "person" for e in listed)
    assert all(e["village"] == VILLAGE for e in listed)
    assert main(["--db", where, "audit", "list", "--who", "李会计"]) == 0
    table = capsys.readouterr().out
    assert OTHER in table and VILLAGE not in table and table.rstrip().endswith("条")
    today = dt.date.today().isoformat()
    assert main(["--db", where, "audit", "list", "--from", today, "--to", today]) == 0
    assert "共 0 条" not in capsys.readouterr().out
    assert main(["--db", where, "audit", "list", "--village", "没有这个村"]) == 1


def test_the_log_reads_in_words_not_field_names(tmp_path):
    """操作日志's 内容: every field a service records by its Chinese name, states and money as people say
    them (a township official reads it; issue 14: nothing on screen in English)."""
    import re

    from app.services.audit import list_entries
    from app.services.demo import seed_demo, seed_demo_history
    from app.services.setup import initialize
    from app.storage.engine import open_database

    database = open_database(tmp_path / "demo.sqlite3")
    try:
        initialize(database, "测试员", "青山镇")
        seed_demo(database, "测试员")
        seed_demo_history(database, "测试员")  # postings, corrections, notices, filing
        texts = [entry.change_text for entry in list_entries(database).entries]
    finally:
        database.close()
    assert len(texts) > 50
    english = {word for text in texts for word in re.findall(r"[A-Za-z_]{3,}", text)} - {"xlsx", "xls", "csv"}
    assert not english, sorted(english)
    assert not any("其他：" in text for text in texts), [t for t in texts if "其他：" in t][:3]
