"""A backup file sealed under the database's data key (issue 17): the copy taken before an upgrade that
encrypts, which would otherwise hold every ID number, phone and account in clear.

Format, version 1 (a change needs a new version, never an edit in place: such files are kept for years):

    MAGIC | header length (2 bytes, big-endian) | header (JSON, UTF-8)
    then one record per chunk of the SQLite file (at most CHUNK_BYTES of it):
    record length (4 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM ciphertext and tag

The header names the format version, the database id (app.storage.keys: which of this account's key
files holds the data key), the key check value stored in the database anyway (a wrong key is told from
a damaged file), the original file name and the chunk size. Each chunk has a fresh random nonce and,
as associated data, the whole header (magic included), its index and whether it is the last: a changed
header, chunks reordered, dropped or repeated, or a file cut at a chunk's end no longer opens. The key
is derived from the data key (crypto.backup_key). Streamed both ways: one chunk in memory at a time.
"""

from __future__ import annotations

import json
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core import crypto
from app.storage import keys
from app.storage.errors import BackupFailed
from app.storage.paths import SEALED_BACKUP_SUFFIX
from app.storage.private_files import create_temporary, sync_folder

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MAGIC = b"CUNWU SEALED BACKUP\n"
FORMAT_VERSION = 1
SUFFIX = SEALED_BACKUP_SUFFIX
CHUNK_BYTES = 1 << 20
_HEADER_LENGTH = struct.Struct(">H")
_RECORD_LENGTH = struct.Struct(">I")
_POSITION = struct.Struct(">QB")
_OVERHEAD = crypto.NONCE_BYTES + 16  # nonce and GCM tag
_WIPE_BLOCK = b"\0" * CHUNK_BYTES


class SealedBackupUnreadable(ValueError):
    """The sealed file cannot be opened here: one Chinese clause saying why (the caller names the file)."""


def is_sealed(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def sealed_name(plain_name: str, plain_suffix: str) -> str:
    """The sealed copy's name: the plain one's without the word saying it is plain, then SUFFIX."""
    stem, dot, extension = plain_name.rpartition(".")
    return f"{stem.removesuffix(plain_suffix)}{dot}{extension}{SUFFIX}"


def seal_copy(plain: Path, engine: Engine, plain_suffix: str) -> Path:
    """Seal the plain pre-upgrade copy under the (just upgraded) database's data key beside it, then
    wipe the plain copy. BackupFailed when it cannot be done: the plain copy is then left as it was."""
    found = _database_key(engine)
    if found is None:
        raise BackupFailed("没有找到这个数据库的密钥")
    database_id, data_key = found
    target = plain.with_name(sealed_name(plain.name, plain_suffix))
    try:
        seal(plain, target, database_id, data_key)
    except OSError as exc:
        raise BackupFailed(f"写入加密备份时出错（{type(exc).__name__}）") from exc
    wipe(plain)
    return target


def _database_key(engine: Engine) -> tuple[str, bytes] | None:
    """The database id and this account's data key of it (the upgrade has just made or unlocked it)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        database_id = connection.execute(text("SELECT value FROM app_setting WHERE key = :key"),
                                         {"key": keys.DB_ID}).scalar()
    if database_id is None:
        return None
    data_key = keys.load_user_key(database_id)
    return None if data_key is None else (database_id, data_key)


def seal(plain: Path, target: Path, database_id: str, data_key: bytes) -> None:
    """Write `target` from the file `plain`: under a temporary name, fsynced, then renamed."""
    header = _header(database_id, data_key, plain.name)
    sealer = AESGCM(crypto.backup_key(data_key))
    temporary, descriptor = create_temporary(target.parent, f".{target.name}.", ".part")
    try:
        with os.fdopen(descriptor, "wb") as out, plain.open("rb") as source:
            out.write(header)
            for index, chunk, last in _chunks(source):
                nonce = os.urandom(crypto.NONCE_BYTES)
                record = nonce + sealer.encrypt(nonce, chunk, header + _POSITION.pack(index, last))
                out.write(_RECORD_LENGTH.pack(len(record)) + record)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(target.parent)


def _header(database_id: str, data_key: bytes, name: str) -> bytes:
    fields = json.dumps({"v": FORMAT_VERSION, "db": database_id, "check": crypto.key_check(data_key, database_id),
                         "name": name, "chunk": CHUNK_BYTES}, ensure_ascii=False).encode()
    return MAGIC + _HEADER_LENGTH.pack(len(fields)) + fields


def _chunks(source: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(index, chunk, last): one chunk read ahead, so the last is known when it is sealed (an empty
    file is one empty last chunk)."""
    chunk = source.read(CHUNK_BYTES)
    index = 0
    while True:
        following = source.read(CHUNK_BYTES)
        yield index, chunk, not following
        if not following:
            return
        chunk, index = following, index + 1


def unseal(sealed: Path, folder: Path, prefix: str) -> Path:
    """Decrypt into a new private temporary file in `folder` (the caller removes it, with wipe()).
    SealedBackupUnreadable when this account has not the key, or the file is damaged, cut short or
    changed; nothing is left behind then."""
    temporary, descriptor = create_temporary(folder, prefix, ".part")
    try:
        with os.fdopen(descriptor, "wb") as out, sealed.open("rb") as source:
            opener, header = _opener(source)
            count = 0
            for index, record, last in _records(source):  # the index as found: a moved chunk does not open
                try:
                    out.write(opener.decrypt(record[:crypto.NONCE_BYTES], record[crypto.NONCE_BYTES:],
                                             header + _POSITION.pack(index, last)))
                except InvalidTag as exc:
                    raise SealedBackupUnreadable(_DAMAGED) from exc
                count += 1
            if count == 0:  # every chunk cut off: even an empty file has its one last chunk
                raise SealedBackupUnreadable(_DAMAGED)
    except BaseException:
        wipe(temporary)
        raise
    return temporary


_DAMAGED = "文件已损坏、不完整或被改动过"
_NOT_OURS = "它不是村务公开助手加密的备份，或是更新的版本做的"
_NO_KEY = ("本账户没有加密它的密钥（它来自另一台电脑、另一个账户或另一个数据库：请先在那里恢复，"
           "或用那个数据库的恢复码执行 cunwu key recover）")


def _opener(source: BinaryIO) -> tuple[AESGCM, bytes]:
    """The cipher for this file's chunks and its header bytes (their associated data)."""
    magic = source.read(len(MAGIC))
    length = source.read(_HEADER_LENGTH.size)
    if magic != MAGIC or len(length) != _HEADER_LENGTH.size:
        raise SealedBackupUnreadable(_NOT_OURS)
    fields_bytes = source.read(_HEADER_LENGTH.unpack(length)[0])
    try:
        fields = json.loads(fields_bytes)
        version, database_id, check = fields["v"], str(fields["db"]), str(fields["check"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SealedBackupUnreadable(_DAMAGED) from exc
    if version != FORMAT_VERSION:
        raise SealedBackupUnreadable(_NOT_OURS)
    data_key = keys.load_user_key(database_id)
    if data_key is None or crypto.key_check(data_key, database_id) != check:
        raise SealedBackupUnreadable(_NO_KEY)
    return AESGCM(crypto.backup_key(data_key)), magic + length + fields_bytes


def _records(source: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(index, record, last) as read; a record cut short or of an impossible length is damage."""
    record = _read_record(source)
    index = 0
    while record is not None:
        following = _read_record(source)
        yield index, record, following is None
        record, index = following, index + 1


def _read_record(source: BinaryIO) -> bytes | None:
    length = source.read(_RECORD_LENGTH.size)
    if not length:
        return None
    if len(length) != _RECORD_LENGTH.size:
        raise SealedBackupUnreadable(_DAMAGED)
    size = _RECORD_LENGTH.unpack(length)[0]
    if not _OVERHEAD <= size <= CHUNK_BYTES + _OVERHEAD:
        raise SealedBackupUnreadable(_DAMAGED)
    record = source.read(size)
    if len(record) != size:
        raise SealedBackupUnreadable(_DAMAGED)
    return record


def wipe(path: Path) -> None:
    """Overwrite a plain copy with zeros, flush, then delete it: best effort (a journaling or flash
    file system may keep old blocks elsewhere; the zeros still take the file's own blocks away from
    a plain reading of the disk). A file that cannot be overwritten is still deleted if it can be.

    The file first leaves its name for a temporary one (an atomic rename): killed half-way, the wipe
    leaves a leftover that the next backup clears (backup._remove_leftovers, with this function), never
    a zeroed file under a backup's name."""
    target = path
    if not (path.name.startswith(".") and path.name.endswith(".part")):
        hidden = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
        try:
            os.replace(path, hidden)
            target = hidden
        except OSError:
            pass  # no such file, or it cannot be renamed: overwritten (or left) where it is
    try:
        size = target.stat().st_size
        with target.open("r+b") as stream:
            for start in range(0, size, CHUNK_BYTES):
                stream.write(_WIPE_BLOCK[:min(CHUNK_BYTES, size - start)])
            stream.flush()
            os.fsync(stream.fileno())
    except OSError:
        pass
    for leftover in (target, path.with_name(path.name + "-journal")):
        try:
            leftover.unlink()
        except OSError:
            pass
