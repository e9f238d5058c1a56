"""Issue 17, what 0010 left in clear: notice rows' ID numbers, audit entries naming a personal number,
the pre-upgrade backup (sealed, or plain when the clerk keeps it), and a restored backup from before encryption (migration 0013)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text
from sqlmodel import Session

from app.cli.main import main
from app.core.disclosure import Channel, mask_account, mask_id, mask_phone
from app.core.synthetic import make_people
from app.outputs.notice_pdf import notice_document
from app.services import audit
from app.services.backups import forget_plaintext, restore
from app.services.notice_rows import add_typed_rows
from app.services.notices import NoticeDraft, notice_detail, notice_sheet
from app.storage import engine as engine_module
from app.storage import keys, migrations, sealed
from app.storage.engine import open_database
from app.storage.models import AuditLog, NoticeRow
from app.storage.paths import backups_dir
from tests.conftest import ACTOR, VILLAGE
from tests.pg_server import NO_SERVER, SERVER, fresh_database
from tests.tamper import unguard
from tests.test_encryption import CODE_LINE, _leaks, _secrets

START = dt.date(2026, 11, 2)


def _notice_with_typed_rows(db, people) -> int:
    from app.services.notices import create_notice

    notice_id = create_notice(db, NoticeDraft(village=VILLAGE, subject="临时救助对象公示", item_code="S04",
                                              kind="临时救助", start=START, end=dt.date(2026, 11, 8),
                                              place="村委会公开栏", body="拟给予以下农户临时救助，现予公示。"), ACTOR)
    add_typed_rows(db, notice_id, [[p.name, p.id_number, "2", "临时救助", "800"] for p in people], ACTOR)
    return notice_id


def _legacy_entry(db, person) -> int:
    """An entry as services wrote them before 0010: a person's snapshot with the numbers in full."""
    with db.transaction() as session:
        audit.record(session, ACTOR, "update", "person", 1,
                     before={"name": person.name, "id_number": person.id_number, "phone": "", "account": ""},
                     after={"name": person.name, "id_number": person.id_number, "phone": person.phone,
                            "account": person.account})
        return int(session.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).scalars().first())


def _back_to(db, revision: str) -> None:
    """The database as an older version left it (0013's downgrade puts the plain values back)."""
    with engine_module.migrating(db.engine) as connection:
        command.downgrade(migrations.alembic_config(connection), revision)


def _unguarded(connection, statement: str, **values) -> None:
    """What someone holding the file does: the append-only trigger dropped, then an entry changed."""
    unguard(connection)
    connection.execute(text(statement), values)


def test_a_typed_notice_row_keeps_its_number_sealed_and_shows_it_masked(db, db_path):
    people = make_people(3, seed=41)
    notice_id = _notice_with_typed_rows(db, people)
    rows = notice_detail(db, notice_id).rows
    assert [r.id_number for r in rows] == [mask_id(p.id_number) for p in people]
    with db.reading() as session:
        stored = session.execute(select(NoticeRow).order_by(NoticeRow.position)).scalars().all()
    assert [sealed.open_notice_id(db.cipher, r.id or 0, r.id_cipher) for r in stored] == [p.id_number for p in people]
    with pytest.raises(InvalidTag):  # bound to its row: moved onto another, it does not open
        sealed.open_notice_id(db.cipher, stored[1].id or 0, stored[0].id_cipher)
    # The sheets mask exactly as they did with the number itself.
    sheet = notice_sheet(db, notice_id)
    wall = notice_document(sheet, Channel.WALL)
    shown = " ".join(str(cell) for row in wall.rows for cell in row.values())
    assert mask_id(people[0].id_number) in shown and people[0].id_number not in shown
    db.close()
    assert _leaks([db_path, db_path.with_name(db_path.name + "-wal")] if db_path.with_name(
        db_path.name + "-wal").exists() else [db_path], _secrets(people)) == []


def test_upgrading_seals_old_audit_entries_and_notice_rows_and_the_chain_still_verifies(db, db_path):
    people = make_people(3, seed=43)
    notice_id = _notice_with_typed_rows(db, people)
    legacy = _legacy_entry(db, people[0])
    _back_to(db, "0012")
    with db.reading() as session:
        plain = session.execute(text("SELECT id_number FROM notice_row ORDER BY position")).scalars().all()
        assert plain == [p.id_number for p in people]  # the state 0013 finds
    assert audit.verify(db).ok
    db.close()
    assert _leaks([db_path], {people[0].id_number})

    again = open_database(db_path)
    try:
        assert again.backup_path is not None and again.backup_path.name.endswith("-before-0013.sqlite3.sealed")
        assert not any("forget-plaintext" in warning for warning in again.warnings)
        assert again.recovery_code is None  # the same key: 0013 encrypts under the key this account holds
        result = audit.verify(again)
        assert result.ok, result.summary
        with again.reading() as session:
            entry = session.get(AuditLog, legacy)
            assert entry is not None and sealed.is_sealed(entry.after) and sealed.is_sealed(entry.before)
        listed = {e.id: e for e in audit.list_entries(again).entries}[legacy]
        assert mask_id(people[0].id_number) in listed.after and people[0].id_number not in listed.after
        assert mask_phone(people[0].phone) in listed.change_text and mask_account(people[0].account) in listed.change_text
        assert [r.id_number for r in notice_detail(again, notice_id).rows] == [mask_id(p.id_number) for p in people]
        files = [db_path, db_path.with_name(db_path.name + "-wal")]
        assert _leaks([path for path in files if path.exists()], _secrets(people)) == []

        # The pre-upgrade copy is sealed: no backup holds a number, nothing is left for forget-plaintext.
        remaining = sorted(backups_dir(db_path).iterdir())
        assert again.backup_path in remaining and _leaks(remaining, _secrets(people)) == []
        assert forget_plaintext(again, ACTOR) == [] and again.backup_path.exists()

        # Tampering with a sealed entry is caught: changed, or a sealed text moved from another entry.
        original = entry.after
        with again.engine.begin() as connection:
            flipped = original[:-6] + ("A" if original[-6] != "A" else "B") + original[-5:]
            _unguarded(connection, "UPDATE audit_log SET after = :t WHERE id = :i", t=flipped, i=legacy)
        problem = audit.verify(again).problem
        assert problem is not None and problem.kind == "changed" and problem.entry_id == legacy
        with again.engine.begin() as connection:
            _unguarded(connection, "UPDATE audit_log SET after = :t WHERE id = :i", t=entry.before, i=legacy)
        problem = audit.verify(again).problem
        assert problem is not None and problem.kind == "changed" and problem.entry_id == legacy
    finally:
        again.close()


def test_entries_without_personal_numbers_and_file_hashes_stay_as_written(db):
    with db.transaction() as session:
        audit.record(session, ACTOR, "attach", "evidence", 7,
                     after={"piece": 1, "file": "照片.jpg", "sha256": "ab0123456789012345cd" + "e" * 44})
        audit.record(session, ACTOR, "configure", "village", 1, after={"board_place": "村委会大院"})
        kept = session.execute(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(2)).scalars().all()
    _back_to(db, "0012")
    with engine_module.migrating(db.engine) as connection:
        migrations.upgrade(connection)
    with db.reading() as session:
        texts = dict(session.execute(select(AuditLog.id, AuditLog.after)).all())
    assert not any(sealed.is_sealed(texts[entry_id]) for entry_id in kept)
    # The fixture's village settings name the supervision phone: what the gate masks is sealed too.
    assert any(sealed.is_sealed(text) for text in texts.values())
    assert audit.verify(db).ok


def _plain_backup(folder: Path, stem: str, person) -> Path:
    """A backup file from before encryption (revision 0009), holding one person in clear."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}-20260901T080000-manual.sqlite3"
    engine = engine_module.sqlite_engine(path)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0009")
        connection.execute(text("INSERT INTO village (name, code, supervision_phone) VALUES ('旧村', '1', '')"))
        connection.execute(text("INSERT INTO person (id, name, name_initials, id_number, phone, account, village_id) "
                                "VALUES (1, :name, '', :number, :phone, :account, 1)"),
                           {"name": person.name, "number": person.id_number, "phone": person.phone,
                            "account": person.account})
    with Session(engine) as session, session.begin():  # an entry as written then: the numbers in full
        audit.record(session, ACTOR, "update", "database", None,
                     after={"id_number": person.id_number, "phone": person.phone, "account": person.account})
    with engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA journal_mode=DELETE")  # one file, as backups are
    engine.dispose()
    return path


def test_restoring_a_backup_from_before_encryption_shows_the_new_recovery_code(db, db_path):
    person = make_people(1, seed=47)[0]
    source = _plain_backup(backups_dir(db_path), db_path.stem, person)
    result = restore(db, source.name, ACTOR)
    assert result.recovery_code and CODE_LINE.match(f"恢复码：{result.recovery_code}")
    # The code opens the restored database's new key, and nothing of the person is left in clear.
    with db.engine.connect() as connection:
        database_id = connection.execute(text("SELECT value FROM app_setting WHERE key = :k"), {"k": keys.DB_ID}).scalar()
    keys.key_file(database_id).unlink()
    keys.recover(db.engine, result.recovery_code)
    assert keys.recovery_code(db.engine) == result.recovery_code
    assert audit.verify(db).ok  # the backup's entry, sealed by 0013 under the key 0010 made
    with db.reading() as session:
        assert sealed.is_sealed(session.get(AuditLog, 1).after)
    db.close()
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    assert _leaks([path for path in files if path.exists()], _secrets([person])) == []


def test_the_restore_command_prints_the_recovery_code(db, db_path, capsys):
    person = make_people(1, seed=53)[0]
    source = _plain_backup(backups_dir(db_path), db_path.stem, person)
    db.close()
    assert main(["--db", str(db_path), "backup", "restore", source.name]) == 0
    out = capsys.readouterr().out
    codes = CODE_LINE.findall(out)
    assert len(codes) == 1 and "已从备份" in out
    # Restoring an encrypted backup makes no new key: no code.
    assert main(["--db", str(db_path), "backup", "create"]) == 0
    made = capsys.readouterr().out.split("：", 1)[1].strip()
    assert main(["--db", str(db_path), "backup", "restore", made]) == 0
    assert "恢复码" not in capsys.readouterr().out
    # The plain backup restored from is listed as such and goes with forget-plaintext.
    assert main(["--db", str(db_path), "backup", "forget-plaintext"]) == 0
    out = capsys.readouterr().out
    assert f"已删除明文备份：{source.name}" in out and not source.exists()


@pytest.fixture
def pg():
    if not SERVER:
        pytest.skip(NO_SERVER)
    with fresh_database() as (_, url), open_database(url) as database:
        yield database, url


def test_0013_on_postgresql(pg):
    from app.services.setup import initialize
    from app.services.villages import add_village

    db, url = pg
    initialize(db, ACTOR, "青山镇")
    add_village(db, VILLAGE, ACTOR, code="140123101201")
    people = make_people(2, seed=59)
    notice_id = _notice_with_typed_rows(db, people)
    legacy = _legacy_entry(db, people[0])
    _back_to(db, "0012")
    db.close()
    again = open_database(url)
    try:
        assert audit.verify(again).ok
        with again.reading() as session:
            entry = session.get(AuditLog, legacy)
            assert entry is not None and sealed.is_sealed(entry.after)
            logged = " ".join(e.before + e.after for e in session.execute(select(AuditLog)).scalars())
        assert not any(secret in logged for secret in _secrets(people))
        assert [r.id_number for r in notice_detail(again, notice_id).rows] == [mask_id(p.id_number) for p in people]
        with pytest.raises(Exception, match="CUNWU_AUDIT_APPEND_ONLY"), again.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = '别人' WHERE id = 1"))  # the trigger is back
    finally:
        again.close()


def test_another_account_recovers_the_key_before_0013_seals_with_it(db, db_path, tmp_path, monkeypatch, capsys):
    """A copy at 0012 opened by an account without its key: refused before any backup is taken;
    `key recover` brings the key without upgrading, and the next opening seals with it."""
    code = db.recovery_code
    assert code
    people = make_people(1, seed=61)
    _legacy_entry(db, people[0])
    _back_to(db, "0012")
    db.close()
    backups_before = sorted(backups_dir(db_path).iterdir()) if backups_dir(db_path).exists() else []

    monkeypatch.setenv(keys.KEY_DIR_ENV, str(tmp_path / "other-account"))
    assert main(["--db", str(db_path), "village", "list"]) == 1
    assert capsys.readouterr().err.strip() == f"错误：{keys.FOREIGN}"
    assert (sorted(backups_dir(db_path).iterdir()) if backups_dir(db_path).exists() else []) == backups_before
    assert main(["--db", str(db_path), "key", "recover", "--code", code]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "village", "list"]) == 0
    assert VILLAGE in capsys.readouterr().out
    assert _leaks([db_path], _secrets(people)) == []
