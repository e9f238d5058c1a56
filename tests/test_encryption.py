"""Issue 17: a person's ID number, phone and account are encrypted at rest.

A copied database, its WAL or any backup shows none of them; everything that reads the ledger works
on the masked forms as before; another account opens a copy only with the recovery code.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text, update

from app.cli.main import main
from app.core import crypto
from app.core.disclosure import mask_account, mask_id, mask_phone
from app.core.synthetic import make_people
from app.services.backups import back_up_now
from app.services.importing import ImportRefused, ImportRequest, import_payouts
from app.services.ledger import fetch_all
from app.services.ledger_filter import LedgerFilter
from app.services.payouts import reveal_id_number
from app.storage import engine as engine_module
from app.storage import keys, migrations
from app.storage.engine import open_database
from app.storage.models import AuditLog, Person
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = dt.date(2026, 10, 1)
CODE_LINE = re.compile(r"^恢复码：([0-9A-Z]{5}(?:-[0-9A-Z]{5}){7})$", re.MULTILINE)


def _secrets(people) -> set[str]:
    """Every ID number, phone and account, as digits only (separators stripped)."""
    found = set()
    for person in people:
        for value in (person.id_number, person.phone, person.account):
            digits = "".join(ch for ch in value if ch.isalnum())
            if digits:
                found.add(digits)
    return found


def _files_of(db_path: Path) -> list[Path]:
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    backups = db_path.parent / "backups"
    if backups.exists():
        files += sorted(backups.iterdir())
    return [path for path in files if path.exists()]


def _leaks(paths: list[Path], secrets: set[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        raw = path.read_bytes()
        for secret in secrets:
            if secret.encode("ascii") in raw or secret.encode("utf-16-le") in raw:
                found.append((path.name, secret[:6]))
    return found


def _import(db, people, tmp_path: Path, name: str = "oct.xlsx"):
    path = write_xlsx(tmp_path / name, grid(lines_for(people)))
    return import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR)


def test_an_import_leaves_no_number_in_the_database_its_wal_or_any_backup(db, db_path, tmp_path):
    people = make_people(60, seed=17)
    assert all(p.phone and p.account for p in people)  # all three kinds are planted
    secrets = _secrets(people)
    _import(db, people, tmp_path)
    back_up_now(db)
    assert Path(f"{db_path}-wal").exists()
    assert _leaks(_files_of(db_path), secrets) == []
    with db.engine.connect() as connection:  # VACUUM outside a transaction: on the driver's connection
        connection.connection.driver_connection.execute("VACUUM")  # free pages rewritten
    db.close()
    assert _leaks(_files_of(db_path), secrets) == []


def test_listing_masking_duplicates_and_reveal_work_as_before(db, tmp_path):
    people = make_people(12, seed=23)
    result = _import(db, people, tmp_path)
    assert result.count == 12 and result.new_people == 12
    with db.reading() as session:
        records = fetch_all(session, LedgerFilter(period=OCT))
    by_mask = {record.id_number: record for record in records}
    assert set(by_mask) == {mask_id(p.id_number) for p in people}
    for person in people:
        record = by_mask[mask_id(person.id_number)]
        assert (record.phone, record.account) == (mask_phone(person.phone), mask_account(person.account))

    # The same people for the same month again: found by their blind index and refused.
    with pytest.raises(ImportRefused) as refused:
        _import(db, people, tmp_path, "again.xlsx")
    assert sum("第 1 批导入" in problem for problem in map(str, refused.value.problems)) == 12
    # A second month: the same people are found (no new ones), nothing encrypted twice.
    nov = write_xlsx(tmp_path / "nov.xlsx", grid(lines_for(people, pay_date="2026-11-15")))
    assert import_payouts(db, ImportRequest(path=nov, village=VILLAGE), ACTOR).new_people == 0
    with db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM person")).scalar() == 12

    # 显示完整身份证号: decrypted for the one record, and audited.
    record = by_mask[mask_id(people[3].id_number)]
    assert reveal_id_number(db, record.payout_id, ACTOR) == people[3].id_number
    with db.reading() as session:
        reveal = session.execute(select(AuditLog).where(AuditLog.action == "reveal_id")).scalars().all()
        logged = " ".join(entry.before + entry.after for entry in session.execute(select(AuditLog)).scalars())
    assert len(reveal) == 1
    assert not any(secret in logged for secret in _secrets(people))


def test_a_value_moved_to_another_row_does_not_decrypt(db, tmp_path):
    """The associated data binds each ciphertext to its column and its person (by blind index)."""
    people = make_people(2, seed=5)
    _import(db, people, tmp_path)
    with db.transaction() as session:
        first, second = session.execute(select(Person).order_by(Person.id)).scalars().all()
        assert db.cipher.decrypt("phone", first.id_index, first.phone_cipher) == people[0].phone
        with pytest.raises(InvalidTag):
            db.cipher.decrypt("phone", second.id_index, first.phone_cipher)
        with pytest.raises(InvalidTag):
            db.cipher.decrypt("account", first.id_index, first.phone_cipher)


def test_init_shows_the_recovery_code_once(tmp_path, capsys):
    path = tmp_path / "new.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    out = capsys.readouterr().out
    codes = CODE_LINE.findall(out)
    assert len(codes) == 1
    assert main(["--db", str(path), "init"]) == 0
    assert "恢复码" not in capsys.readouterr().out  # once: the database exists now
    assert main(["--db", str(path), "key", "recovery", "--out", str(tmp_path / "code.txt")]) == 0
    assert codes[0] in (tmp_path / "code.txt").read_text(encoding="utf-8")
    database = open_database(path)
    try:
        with database.reading() as session:
            actions = session.execute(select(AuditLog.action)).scalars().all()
        assert "key_recovery_shown" in actions
    finally:
        database.close()


def test_another_account_needs_the_recovery_code(tmp_path, capsys, monkeypatch):
    path = tmp_path / "db.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    assert main(["--db", str(path), "village", "add", VILLAGE]) == 0
    code = CODE_LINE.findall(capsys.readouterr().out)[0]

    monkeypatch.setenv(keys.KEY_DIR_ENV, str(tmp_path / "other-account"))  # a profile without the key file
    for command in (["village", "list"], ["payouts", "list", "--village", VILLAGE, "--month", "2026-10"], ["init"]):
        assert main(["--db", str(path), *command]) == 1
        out, err = capsys.readouterr()
        assert out == "" and VILLAGE not in err
        assert err.strip() == f"错误：{keys.FOREIGN}"

    wrong = crypto.new_recovery_code()
    assert main(["--db", str(path), "key", "recover", "--code", wrong]) == 1
    out, err = capsys.readouterr()
    assert err.strip() == "错误：恢复码不正确，没有打开数据库" and out == ""
    assert main(["--db", str(path), "village", "list"]) == 1
    capsys.readouterr()

    typed = code.lower().replace("-", " ").replace("0", "O")  # as a clerk may type it
    assert main(["--db", str(path), "key", "recover", "--code", typed]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "village", "list"]) == 0
    assert VILLAGE in capsys.readouterr().out


def test_the_key_file_is_private_and_the_key_is_not_in_the_database(db, db_path):
    with db.engine.connect() as connection:
        database_id = connection.execute(text("SELECT value FROM app_setting WHERE key = :k"), {"k": keys.DB_ID}).scalar()
    key_file = keys.key_file(database_id)
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0
    data_key = keys.load_user_key(database_id)
    assert data_key is not None
    db.close()
    raw = db_path.read_bytes() + Path(f"{db_path}-wal").read_bytes() if Path(f"{db_path}-wal").exists() else db_path.read_bytes()
    import base64

    assert data_key not in raw and base64.b64encode(data_key) not in raw and data_key.hex().encode() not in raw


def test_upgrading_a_plain_database_encrypts_every_person_and_vacuums(tmp_path):
    """A database from before 0010: backed up (the copy sealed under the new key, see
    tests/test_sealed_backup.py), every person encrypted, the plain columns gone, no plain number left
    in the file or its backups; payouts keep their people."""
    path = tmp_path / "old.sqlite3"
    people = make_people(30, seed=9)
    engine = engine_module.sqlite_engine(path)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0009")
        connection.execute(text("INSERT INTO village (name, code, supervision_phone) VALUES ('旧村', '1', '')"))
        connection.execute(text("INSERT INTO subsidy_type (name, category, rhythm, sensitive, basis, aliases, issuer) "
                                "VALUES ('低保金', '', 'monthly', 0, '', '', '')"))
        for number, person in enumerate(people, start=1):
            connection.execute(text("INSERT INTO person (id, name, name_initials, id_number, phone, account, village_id) "
                                    "VALUES (:id, :name, '', :number, :phone, :account, 1)"),
                               {"id": number, "name": person.name, "number": person.id_number,
                                "phone": person.phone, "account": person.account})
            connection.execute(text("INSERT INTO payout (person_id, subsidy_type_id, village_id, period, amount_fen, "
                                    "standard, note, created_at, updated_at) VALUES (:id, 1, 1, '2026-10-01', 56000, '', '', "
                                    "'2026-10-01 00:00:00', '2026-10-01 00:00:00')"), {"id": number})
    engine.dispose()
    assert _leaks([path], {people[0].id_number})  # the old file holds them in clear

    database = open_database(path)
    try:
        assert database.recovery_code and CODE_LINE.match(f"恢复码：{database.recovery_code}")
        assert database.backup_path is not None and database.backup_path.name.endswith("-before-0013.sqlite3.sealed")
        assert not any("没有加密" in warning for warning in database.warnings)
        with database.reading() as session:
            columns = {row[1] for row in session.execute(text("PRAGMA table_info(person)"))}
            records = fetch_all(session, LedgerFilter(period=OCT))
        assert not {"id_number", "phone", "account"} & columns
        assert sorted(r.id_number for r in records) == sorted(mask_id(p.id_number) for p in people)
        assert reveal_id_number(database, records[0].payout_id, ACTOR) in {p.id_number for p in people}
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.close()
    assert _leaks(_files_of(path), _secrets(people)) == []
    again = open_database(path)  # the key file of this account opens it without the code
    try:
        assert again.recovery_code is None and again.backup_path is None
    finally:
        again.close()


def test_a_hand_entered_person_is_encrypted_and_audited_masked(db):
    from app.services.payouts import PayoutInput, add_payout, load_record

    person = make_people(1, seed=31)[0]
    payout_id = add_payout(db, 1, PayoutInput(name=person.name, id_number=person.id_number, subsidy_type_id=1,
                                              period=OCT, amount="100", phone=person.phone, account=person.account),
                           ACTOR)
    assert load_record(db, payout_id).id_number == person.id_number  # the edit dialog's copy
    with db.reading() as session:
        logged = " ".join(entry.after for entry in session.execute(select(AuditLog)).scalars())
        stored = session.execute(select(Person)).scalars().one()
    assert person.id_number not in logged and mask_id(person.id_number) in logged
    assert stored.phone_masked == mask_phone(person.phone)
    assert db.cipher.decrypt("account", stored.id_index, stored.account_cipher) == person.account


def test_recovery_code_round_trip_and_refusal():
    data_key, database_id = crypto.new_data_key(), crypto.new_database_id()
    code = crypto.new_recovery_code()
    wrapped = crypto.wrap_with_code(data_key, code, database_id)
    assert code not in wrapped
    assert crypto.unwrap_with_code(wrapped, code.lower().replace("-", ""), database_id) == data_key
    with pytest.raises(crypto.WrongRecoveryCode):
        crypto.unwrap_with_code(wrapped, crypto.new_recovery_code(), database_id)
    with pytest.raises(crypto.WrongRecoveryCode):
        crypto.unwrap_with_code(wrapped, code, crypto.new_database_id())  # bound to its database


def test_a_corrupted_ciphertext_is_refused(db, tmp_path):
    _import(db, make_people(1, seed=3), tmp_path)
    with db.transaction() as session:
        session.execute(update(Person).values(id_cipher=b"\x00" * 40))
    with db.reading() as session:
        records = fetch_all(session, LedgerFilter(period=OCT))
    with pytest.raises(InvalidTag):
        reveal_id_number(db, records[0].payout_id, ACTOR)


def test_the_batch_blind_index_is_hmac_sha256():
    cipher = crypto.PersonCipher(crypto.new_data_key())
    numbers = [p.id_number for p in make_people(50, seed=2)] + ["11010519491231002x"]
    assert cipher.blind_indexes(numbers) == [cipher.blind_index(number) for number in numbers]
    assert cipher.blind_index("11010519491231002x") == cipher.blind_index("11010519491231002X")
