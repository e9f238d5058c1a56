"""Personal data encrypted at rest (issue 17): the data key's uses, its wrapping by a recovery code.

Pure functions over bytes; where keys are kept is app.storage.keys. Formats here are stored in
databases: a change needs a new version tag (`v1`) and a migration, never an edit in place.

- One random 256-bit data key per database. From it (HKDF-SHA-256, one label per use) come the key
  that encrypts a person's ID number, phone and account (AES-256-GCM, a random 96-bit nonce per
  value) and the key of the ID number's blind index (HMAC-SHA-256: keyed, since the ID numbers of a
  county are too few to resist a dictionary against a plain hash).
- Associated data binds each value to its table, column and row: `person.phone|<blind index>`. The
  row is named by the ID number's blind index, not the row id: ids are assigned by the database at
  insert (the import writes 100,000s of people in one executemany and would need a second pass to
  learn them), a restore or a server copy may renumber, and the blind index is stable, unique (the
  table's unique key) and known before the row exists. A phone copied onto another person's row no
  longer decrypts.
- The recovery code: 40 characters of Crockford's base32 (no I, L, O, U) in 8 groups of 5, 200
  random bits. It wraps the data key through scrypt; with that much entropy scrypt's cost is not
  what protects it (no dictionary exists), so a modest cost keeps opening and tests quick.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.core.disclosure import mask_account, mask_id, mask_phone

KEY_BYTES = 32
NONCE_BYTES = 12
INDEX_HEX = 32  # 128 bits of the HMAC: collisions among a few million people are out of reach

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: nothing to misread
CODE_GROUPS, CODE_GROUP_LEN = 8, 5
_READS_AS = {"O": "0", "I": "1", "L": "1", "U": "V"}

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class WrongRecoveryCode(ValueError):
    """The code does not open this database's key (no hint about the right one)."""


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_database_id() -> str:
    return secrets.token_hex(16)


def _derive(data_key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label).derive(data_key)


def backup_key(data_key: bytes) -> bytes:
    """The AES-256-GCM key of a sealed backup file (app.storage.sealed_backup): its own label, so a
    backup's chunks and the person fields never share a key."""
    return _derive(data_key, b"cunwu sealed backup v1")


def key_check(data_key: bytes, database_id: str) -> str:
    """Stored in the database: tells a right key from a wrong one, and says nothing about it."""
    return hmac.digest(_derive(data_key, b"cunwu key check v1"), database_id.encode(), "sha256").hex()[:INDEX_HEX]


# --- the recovery code -------------------------------------------------------------------------

def new_recovery_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
    return "-".join(chars[i:i + CODE_GROUP_LEN] for i in range(0, len(chars), CODE_GROUP_LEN))


def normalise_code(text: str) -> str:
    """As typed: any case, spaces or hyphens, O for 0 and I/L for 1."""
    kept = [_READS_AS.get(ch, ch) for ch in text.upper() if ch.isalnum()]
    return "".join(kept)


def _code_key(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(normalise_code(code).encode("ascii", "replace"))


def wrap_with_code(data_key: bytes, code: str, database_id: str) -> str:
    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    sealed = AESGCM(_code_key(code, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, data_key, b"cunwu recovery v1|" + database_id.encode())
    return json.dumps({"v": 1, "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                       "salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)})


def unwrap_with_code(wrapped: str, code: str, database_id: str) -> bytes:
    try:
        fields = json.loads(wrapped)
        key = _code_key(code, _unb64(fields["salt"]), int(fields["n"]), int(fields["r"]), int(fields["p"]))
        return AESGCM(key).decrypt(_unb64(fields["nonce"]), _unb64(fields["sealed"]),
                                   b"cunwu recovery v1|" + database_id.encode())
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise WrongRecoveryCode("恢复码不正确") from exc


def seal_text(data_key: bytes, text: str, label: str) -> str:
    """A short secret kept in the database under the data key (the recovery code, to print it again)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(data_key, b"cunwu sealed text v1")).encrypt(nonce, text.encode(), label.encode())
    return _b64(nonce + sealed)


def open_text(data_key: bytes, sealed: str, label: str) -> str:
    raw = _unb64(sealed)
    return AESGCM(_derive(data_key, b"cunwu sealed text v1")).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                                       label.encode()).decode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# --- a person's fields ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SealedPerson:
    """What the person table stores for one person's ID number, phone and account."""

    id_index: str
    id_masked: str
    id_cipher: bytes
    phone_masked: str
    phone_cipher: bytes | None
    account_masked: str
    account_cipher: bytes | None

    def columns(self) -> dict[str, Any]:
        """The person table's columns by name, for a new row."""
        return asdict(self)


class PersonCipher:
    """The data key's uses on the person table."""

    def __init__(self, data_key: bytes) -> None:
        self._fields = AESGCM(_derive(data_key, b"cunwu person fields v1"))
        self._index_key = _derive(data_key, b"cunwu blind index v1")
        # HMAC's two keyed SHA-256 states computed once (RFC 2104; the key is shorter than a block):
        # each value then costs two copies and two short hashes, half of hmac.digest's key setup.
        block = self._index_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def blind_index(self, id_number: str) -> str:
        return hmac.digest(self._index_key, id_number.upper().encode(), "sha256")[:INDEX_HEX // 2].hex()

    def blind_indexes(self, id_numbers: list[str]) -> list[str]:
        inner, outer, half = self._inner, self._outer, INDEX_HEX // 2
        indexes: list[str] = []
        append = indexes.append
        for number in id_numbers:
            first = inner.copy()
            first.update(number.upper().encode())
            second = outer.copy()
            second.update(first.digest())
            append(second.digest()[:half].hex())
        return indexes

    def encrypt(self, column: str, id_index: str, value: str) -> bytes | None:
        """None for an empty value: nothing to hide (the masked form is empty too)."""
        if not value:
            return None
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._fields.encrypt(nonce, value.encode(), f"person.{column}|{id_index}".encode())

    def decrypt(self, column: str, id_index: str, sealed: bytes | None) -> str:
        if not sealed:
            return ""
        sealed = bytes(sealed)  # PostgreSQL's bytea arrives as a memoryview
        return self._fields.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                    f"person.{column}|{id_index}".encode()).decode()

    def seal_columns(self, column: str, indexes: list[str], values: list[str]) -> list[bytes | None]:
        """One column of many people at once (the import): the nonces drawn in one call."""
        nonces = os.urandom(NONCE_BYTES * len(values))
        encrypt = self._fields.encrypt
        prefix = f"person.{column}|"
        sealed: list[bytes | None] = []
        append = sealed.append
        for position, (index, value) in enumerate(zip(indexes, values, strict=True)):
            if not value:
                append(None)
                continue
            nonce = nonces[position * NONCE_BYTES:(position + 1) * NONCE_BYTES]
            append(nonce + encrypt(nonce, value.encode(), (prefix + index).encode()))
        return sealed

    def seal(self, id_number: str, phone: str, account: str, id_index: str | None = None) -> SealedPerson:
        index = id_index or self.blind_index(id_number)
        return SealedPerson(
            id_index=index,
            id_masked=mask_id(id_number),
            id_cipher=self.encrypt("id_number", index, id_number) or b"",
            phone_masked=mask_phone(phone) if phone else "",
            phone_cipher=self.encrypt("phone", index, phone),
            account_masked=mask_account(account) if account else "",
            account_cipher=self.encrypt("account", index, account),
        )
