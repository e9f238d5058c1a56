"""Issue 17: the backup taken before an upgrade that encrypts is itself sealed under the data key.

No file under backups/ then holds a person's number in clear; the sealed copy restores to the same
people (and is encrypted again, under a new key); a damaged, cut, reordered or foreign one is refused
with one sentence and nothing changed; the clerk may keep the copy plain (`init --keep-plain-backup`).
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.cli.main import main
from app.core import crypto
from app.core.synthetic import make_people
from app.services.backups import forget_plaintext, list_backups, restore
from app.services.errors import ServiceError
from app.storage import engine as engine_module
from app.storage import keys, migrations, sealed_backup
from app.storage.engine import open_database
from app.storage.models import Person
from app.storage.paths import backups_dir
from tests.conftest import ACTOR
from tests.test_encryption import CODE_LINE, _files_of, _leaks, _secrets


def _old_database(path: Path, people) -> Path:
    """A database as version 0009 left it: every number in clear."""
    engine = engine_module.sqlite_engine(path)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0009")
        connection.execute(text("INSERT INTO village (name, code, supervision_phone) VALUES ('旧村', '1', '')"))
        for number, person in enumerate(people, start=1):
            connection.execute(text("INSERT INTO person (id, name, name_initials, id_number, phone, account, village_id) "
                                    "VALUES (:id, :name, '', :number, :phone, :account, 1)"),
                               {"id": number, "name": person.name, "number": person.id_number,
                                "phone": person.phone, "account": person.account})
    engine.dispose()
    assert _leaks([path], {people[0].id_number})
    return path


def _people_in(database) -> list[tuple[str, str, str, str]]:
    with database.reading() as session:
        rows = session.execute(select(Person).order_by(Person.id)).scalars().all()
    cipher = database.cipher
    return [(row.name, cipher.decrypt("id_number", row.id_index, row.id_cipher),
             cipher.decrypt("phone", row.id_index, row.phone_cipher),
             cipher.decrypt("account", row.id_index, row.account_cipher)) for row in rows]


def _expected(people) -> list[tuple[str, str, str, str]]:
    return [(p.name, p.id_number, p.phone, p.account) for p in people]


@pytest.fixture
def upgraded(tmp_path, monkeypatch):
    """An old database upgraded by opening it; small chunks, so the sealed copy has many."""
    monkeypatch.setattr(sealed_backup, "CHUNK_BYTES", 4096)
    people = make_people(40, seed=71)
    path = _old_database(tmp_path / "old.sqlite3", people)
    database = open_database(path)
    try:
        yield database, people
    finally:
        database.close()


def test_the_upgrade_leaves_only_a_sealed_copy_and_no_number_under_backups(upgraded):
    database, people = upgraded
    assert database.path is not None
    folder = backups_dir(database.path)
    sealed = database.backup_path
    assert sealed is not None and sealed.name.endswith("-before-0013.sqlite3.sealed")
    names = {found.name for found in folder.iterdir()}  # beside it: the day's backup, taken after the upgrade
    assert sealed.name in names and not any("plaintext" in name or name.startswith(".") for name in names)
    assert sealed_backup.is_sealed(sealed) and database.warnings == []
    assert _leaks(_files_of(database.path), _secrets(people)) == []
    assert (sealed.stat().st_mode & 0o077) == 0
    [entry] = [found for found in list_backups(database) if found.path == sealed]
    assert entry.kind == "升级（到 0013 版）前的备份（已加密）"
    assert forget_plaintext(database, ACTOR) == [] and sealed.exists()  # sealed: not a plain-text copy


def test_the_sealed_copy_restores_the_same_people_encrypted_again(upgraded):
    database, people = upgraded
    assert database.path is not None and database.backup_path is not None
    assert _people_in(database) == _expected(people)
    with database.transaction() as session:  # a change after the upgrade, which the restore undoes
        session.execute(text("DELETE FROM person WHERE id > 20"))
    result = restore(database, database.backup_path.name, ACTOR)
    # A copy from before encryption: encrypted again as it is put back, under a new key and code.
    assert result.recovery_code and CODE_LINE.match(f"恢复码：{result.recovery_code}")
    assert _people_in(database) == _expected(people)
    assert not list(database.path.parent.glob(".*.part"))  # the opened copy is gone
    database.close()
    assert _leaks(_files_of(database.path), _secrets(people)) == []


def _split(raw: bytes) -> tuple[bytes, list[bytes]]:
    """The file as its format says: header, then records (length-prefixed)."""
    start = len(sealed_backup.MAGIC)
    end = start + 2 + struct.unpack(">H", raw[start:start + 2])[0]
    header, records, at = raw[:end], [], end
    while at < len(raw):
        size = struct.unpack(">I", raw[at:at + 4])[0]
        records.append(raw[at:at + 4 + size])
        at += 4 + size
    return header, records


def _flip_a_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def _flip_the_header(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[raw.index(b'"name"') + 9] ^= 0x01  # a letter of the original file's name
    path.write_bytes(bytes(raw))


def _drop_the_last_chunk(path: Path) -> None:
    header, records = _split(path.read_bytes())
    path.write_bytes(header + b"".join(records[:-1]))


def _cut_in_a_chunk(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) - 100])


def _swap_two_chunks(path: Path) -> None:
    header, records = _split(path.read_bytes())
    assert len(records) > 3
    records[1], records[2] = records[2], records[1]
    path.write_bytes(header + b"".join(records))


def _another_databases_key(path: Path) -> None:
    """This account's key file for the backup's database holds another database's key."""
    header, _ = _split(path.read_bytes())
    database_id = header.split(b'"db": "')[1].split(b'"')[0].decode()
    keys.save_user_key(database_id, crypto.new_data_key())


def _another_account(path: Path) -> None:
    """The backup carried to an account that holds no key of its database."""
    database_id = _split(path.read_bytes())[0].split(b'"db": "')[1].split(b'"')[0].decode()
    keys.key_file(database_id).unlink()


DAMAGED = "文件已损坏、不完整或被改动过"


@pytest.mark.parametrize(("spoil", "said"), [
    (_flip_a_byte, DAMAGED), (_flip_the_header, DAMAGED), (_drop_the_last_chunk, DAMAGED),
    (_cut_in_a_chunk, DAMAGED), (_swap_two_chunks, DAMAGED),
    (_another_databases_key, "本账户没有加密它的密钥"), (_another_account, "本账户没有加密它的密钥"),
])
def test_a_spoiled_or_foreign_sealed_copy_is_refused_and_nothing_changes(upgraded, spoil, said):
    database, _ = upgraded
    assert database.path is not None and database.backup_path is not None
    sealed = database.backup_path
    with database.transaction() as session:
        session.execute(text("DELETE FROM person WHERE id > 20"))
    before = _people_in(database)
    backups_before = sorted(backups_dir(database.path).iterdir())
    spoil(sealed)
    with pytest.raises(ServiceError) as refused:
        restore(database, sealed.name, ACTOR)
    message = str(refused.value)
    assert message.startswith(f"备份文件“{sealed.name}”不能用来恢复：") and said in message
    assert message.endswith("当前数据库没有改动") and "Error" not in message
    assert _people_in(database) == before
    assert sorted(backups_dir(database.path).iterdir()) == backups_before  # no safety copy taken either
    assert not list(database.path.parent.glob(".*.part"))


def test_init_keep_plain_backup_keeps_the_plain_copy_with_the_warning(tmp_path, capsys):
    people = make_people(5, seed=73)
    path = _old_database(tmp_path / "old.sqlite3", people)
    assert main(["--db", str(path), "init", "--keep-plain-backup"]) == 0
    err = capsys.readouterr().err
    [plain] = backups_dir(path).glob("*-before-0013*")
    assert plain.name.endswith("-before-0013-plaintext.sqlite3") and not sealed_backup.is_sealed(plain)
    assert f"警告：升级前的备份“{plain}”" in err and "cunwu backup forget-plaintext" in err
    assert _leaks([plain], {people[0].id_number})
    assert main(["--db", str(path), "backup", "list"]) == 0
    assert "（明文，未加密）" in capsys.readouterr().out
    assert main(["--db", str(path), "backup", "forget-plaintext"]) == 0
    assert f"已删除明文备份：{plain.name}" in capsys.readouterr().out and not plain.exists()


def test_init_seals_by_default_and_names_older_plain_backups(tmp_path, capsys):
    people = make_people(5, seed=79)
    path = _old_database(tmp_path / "old.sqlite3", people)
    older = backups_dir(path) / f"{path.stem}-20260901T080000-manual.sqlite3"
    older.parent.mkdir()
    shutil.copyfile(path, older)  # a backup taken before the upgrade: as plain as the database was
    assert main(["--db", str(path), "init"]) == 0
    out, err = capsys.readouterr()
    assert len(CODE_LINE.findall(out)) == 1
    assert "还有 1 个升级前的旧备份" in err and "cunwu backup forget-plaintext" in err
    assert main(["--db", str(path), "backup", "list"]) == 0
    listed = capsys.readouterr().out
    sealed_line = next(line for line in listed.splitlines() if line.endswith(".sqlite3.sealed"))
    assert "升级（到 0013 版）前的备份（已加密）" in sealed_line
    assert main(["--db", str(path), "backup", "forget-plaintext"]) == 0
    assert capsys.readouterr().out.strip() == f"已删除明文备份：{older.name}"
    assert _leaks(sorted(backups_dir(path).iterdir()), _secrets(people)) == []


def test_a_wipe_killed_half_way_leaves_no_zeroed_file_under_a_backups_name(tmp_path, monkeypatch):
    """The plain copy leaves its name before it is overwritten: a kill during the wipe leaves a
    temporary leftover (cleared by the next backup), never a broken file that looks like a backup."""
    from app.storage import backup, sealed_backup

    folder = tmp_path / "backups"
    folder.mkdir()
    plain = folder / "cunwu-20261201T061603-before-0013-plaintext.sqlite3"
    plain.write_bytes(b"SQLite format 3\x00" + b"140123199001011234" * 1000)

    def killed(_fd: int) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(sealed_backup.os, "fsync", killed)
    with pytest.raises(SystemExit):
        sealed_backup.wipe(plain)
    monkeypatch.undo()
    assert not plain.exists()
    left = [p.name for p in folder.iterdir()]
    assert len(left) == 1 and left[0].startswith(".") and left[0].endswith(".part")
    backup._remove_leftovers(folder, "cunwu")
    assert list(folder.iterdir()) == []
