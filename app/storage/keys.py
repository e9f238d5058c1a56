"""Where a database's data key is kept (issue 17): never in the database in clear.

In the database (app_setting): a random database id, the key wrapped by the recovery code, a check
value that tells a right key from a wrong one, and the recovery code sealed under the data key (so
`cunwu key recovery` can print it again for whoever can open the database).

For the current OS user: a key file named by the database id in the user's config folder
(platformdirs, or CUNWU_KEY_DIR): on Windows it holds the key wrapped by DPAPI (CryptProtectData, bound
to the Windows account); elsewhere the key itself, in a 0600 file in a 0700 folder. (`keyring` and the
Secret Service are not used: not installed, and a village PC's Linux has no desktop keyring to rely on.)
A copy of the database opened under another account or on another PC finds no key file and is
refused until `cunwu key recover --code …` re-wraps the key for that account.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.storage.errors import DatabaseOpenError
from app.storage.private_files import make_private_dir

DB_ID = "crypto.database_id"
KEY_CHECK = "crypto.key_check"
RECOVERY_WRAP = "crypto.recovery_wrap"
RECOVERY_SEALED = "crypto.recovery_code"
KEY_DIR_ENV = "CUNWU_KEY_DIR"

FOREIGN = ("这个数据库是在另一台电脑或另一个账户上建立的，本账户还没有它的密钥，所以没有打开："
           "请用建库时打印的恢复码执行“cunwu key recover --code 恢复码”（或在窗口中输入恢复码）后再打开")


class KeyUnavailable(DatabaseOpenError):
    """This account holds no key for this database (FOREIGN says so and how to recover)."""


@dataclass(frozen=True)
class Provisioned:
    database_id: str
    data_key: bytes
    recovery_code: str


if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from app.core import crypto

_CIPHERS: "weakref.WeakKeyDictionary[Engine, crypto.PersonCipher]" = weakref.WeakKeyDictionary()


def cipher_for(bind: Engine | Connection) -> "crypto.PersonCipher":
    """The open database's person cipher, for code that holds a session or connection."""
    from sqlalchemy.engine import Connection

    engine = bind.engine if isinstance(bind, Connection) else bind
    cipher = _CIPHERS.get(engine)
    if cipher is None:
        raise KeyUnavailable(FOREIGN)
    return cipher


def register(engine: Engine, data_key: bytes) -> "crypto.PersonCipher":
    from app.core import crypto

    cipher = crypto.PersonCipher(data_key)
    _CIPHERS[engine] = cipher
    return cipher


# --- the key file ----------------------------------------------------------------------------------

def key_dir() -> Path:
    named = os.environ.get(KEY_DIR_ENV)
    if named:
        return Path(named)
    from platformdirs import user_config_dir

    return Path(user_config_dir("Cunwu", appauthor=False)) / "keys"


def key_file(database_id: str) -> Path:
    return key_dir() / f"{database_id}.key"


def save_user_key(database_id: str, data_key: bytes) -> Path:
    folder = key_dir()
    if not folder.exists():
        make_private_dir(folder)
    path = key_file(database_id)
    if sys.platform == "win32":
        content = {"db": database_id, "dpapi": _b64(_dpapi_protect(data_key))}
    else:
        content = {"db": database_id, "key": _b64(data_key)}
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(content, stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    return path


def load_user_key(database_id: str) -> bytes | None:
    try:
        content = json.loads(key_file(database_id).read_text(encoding="utf-8"))
        if content.get("db") != database_id:
            return None
        if "dpapi" in content:
            return _dpapi_unprotect(_unb64(content["dpapi"])) if sys.platform == "win32" else None
        return _unb64(content["key"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: str) -> bytes:
    return base64.b64decode(value.encode("ascii"), validate=True)


# Windows DPAPI through ctypes: a blob only this Windows account (on this PC, or its roaming profile)
# can open. Exercised on Windows only (CI's Windows runner).
def _dpapi_call(function_name: str, data: bytes) -> bytes:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    class Blob(ctypes.Structure):
        _fields_ = [("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char))]

    crypt32, kernel32 = ctypes.windll.crypt32, ctypes.windll.kernel32  # type: ignore[attr-defined]
    buffer = ctypes.create_string_buffer(data, len(data))
    source = Blob(len(data), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char)))
    result = Blob()
    entropy_bytes = b"Cunwu data key"
    entropy_buffer = ctypes.create_string_buffer(entropy_bytes, len(entropy_bytes))
    entropy = Blob(len(entropy_bytes), ctypes.cast(entropy_buffer, ctypes.POINTER(ctypes.c_char)))
    CRYPTPROTECT_UI_FORBIDDEN = 0x01
    function = getattr(crypt32, function_name)
    if function_name == "CryptProtectData":
        ok = function(ctypes.byref(source), "Cunwu", ctypes.byref(entropy), None, None,
                      CRYPTPROTECT_UI_FORBIDDEN, ctypes.byref(result))
    else:
        ok = function(ctypes.byref(source), None, ctypes.byref(entropy), None, None,
                      CRYPTPROTECT_UI_FORBIDDEN, ctypes.byref(result))
    if not ok:
        raise OSError(ctypes.GetLastError(), f"{function_name} failed")  # type: ignore[attr-defined]
    try:
        return ctypes.string_at(result.pbData, result.cbData)
    finally:
        kernel32.LocalFree(result.pbData)


def _dpapi_protect(data: bytes) -> bytes:  # pragma: no cover - Windows only
    return _dpapi_call("CryptProtectData", data)


def _dpapi_unprotect(blob: bytes) -> bytes | None:  # pragma: no cover - Windows only
    try:
        return _dpapi_call("CryptUnprotectData", blob)
    except OSError:
        return None  # another account's blob


# --- the database's side ---------------------------------------------------------------------------

def _settings(connection: Connection) -> dict[str, str]:
    from sqlalchemy import text

    rows = connection.execute(
        text("SELECT key, value FROM app_setting WHERE key IN (:a, :b, :c, :d)"),
        {"a": DB_ID, "b": KEY_CHECK, "c": RECOVERY_WRAP, "d": RECOVERY_SEALED},
    )
    return {key: value for key, value in rows}


def _put(connection: Connection, key: str, value: str) -> None:
    from sqlalchemy import text

    connection.execute(text("DELETE FROM app_setting WHERE key = :key"), {"key": key})
    connection.execute(text("INSERT INTO app_setting (key, value) VALUES (:key, :value)"), {"key": key, "value": value})


def provision(connection: Connection) -> Provisioned:
    """A new data key for this database (inside the migration's transaction): its wrapped forms into
    app_setting, the key file for this account. The key file is written before the transaction commits:
    a failed commit leaves an unused file, never an encrypted database without a key here."""
    from app.core import crypto

    database_id = crypto.new_database_id()
    data_key = crypto.new_data_key()
    code = crypto.new_recovery_code()
    _put(connection, DB_ID, database_id)
    _put(connection, KEY_CHECK, crypto.key_check(data_key, database_id))
    _put(connection, RECOVERY_WRAP, crypto.wrap_with_code(data_key, code, database_id))
    _put(connection, RECOVERY_SEALED, crypto.seal_text(data_key, code, f"recovery|{database_id}"))
    save_user_key(database_id, data_key)
    return Provisioned(database_id, data_key, code)


def is_encrypted(connection: Connection) -> bool:
    return DB_ID in _settings(connection)


def unlock(engine: Engine) -> "crypto.PersonCipher | None":
    """The cipher of a database this account holds the key of; None for a database from before
    encryption (opened without migrating); KeyUnavailable otherwise."""
    from app.core import crypto

    with engine.connect() as connection:
        settings = _settings(connection)
    if DB_ID not in settings:
        return None
    database_id = settings[DB_ID]
    data_key = load_user_key(database_id)
    if data_key is None or crypto.key_check(data_key, database_id) != settings.get(KEY_CHECK):
        raise KeyUnavailable(FOREIGN)
    return register(engine, data_key)


def recover(engine: Engine, code: str) -> None:
    """Unwrap the key with the recovery code and keep it for this account. A wrong code raises
    crypto.WrongRecoveryCode, saying only that it is wrong."""
    from app.core import crypto

    with engine.connect() as connection:
        settings = _settings(connection)
    if DB_ID not in settings:
        raise DatabaseOpenError("这个数据库没有加密，不需要恢复码")
    database_id = settings[DB_ID]
    data_key = crypto.unwrap_with_code(settings[RECOVERY_WRAP], code, database_id)
    if crypto.key_check(data_key, database_id) != settings.get(KEY_CHECK):
        raise crypto.WrongRecoveryCode("恢复码不正确")
    save_user_key(database_id, data_key)
    register(engine, data_key)


def recovery_code(engine: Engine) -> str:
    """The recovery code again (the caller audits who asked)."""
    from app.core import crypto

    with engine.connect() as connection:
        settings = _settings(connection)
    if DB_ID not in settings:
        raise DatabaseOpenError("这个数据库没有加密，没有恢复码")
    data_key = load_user_key(settings[DB_ID])
    if data_key is None:
        raise KeyUnavailable(FOREIGN)
    return crypto.open_text(data_key, settings[RECOVERY_SEALED], f"recovery|{settings[DB_ID]}")
