"""Personal numbers kept outside the person table, sealed under the database's data key (issue 17).

Two places held them in clear after 0010 and are sealed by 0013:
- a notice row's ID number (typed or pasted into a notice's table): its ciphertext beside its masked
  form. Nothing looks a notice row up by its number, so it has no blind index. The row is named in
  the associated data by its id (a notice row is never renumbered: no tool copies notice rows between
  databases), so a ciphertext moved onto another row no longer decrypts.
- the before/after text of an audit entry that names a personal number (the person snapshots written
  before 0010 held the full ID number, phone and account). The hash chain covers the plain text, so
  the text is sealed, never rewritten: `SEALED_PREFIX` + base64 of the ciphertext, bound to the
  entry's id and column. app.services.audit opens it before hashing (the chain and the codes printed
  on posted sheets still verify) and shows it masked.

Both use the person cipher (app.core.crypto.PersonCipher: the same key, AES-256-GCM, a nonce per
value); its associated data is then `person.<table>.<column>|<row>`, distinct from a person's fields.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag

from app.core import identifiers
from app.core.crypto import PersonCipher

NOTICE_ID_COLUMN = "notice_row.id_number"
SEALED_PREFIX = "sealed:v1:"  # never the start of a recorded JSON text (those start with { or [)
_HASH = re.compile(r"[0-9a-f]{32,128}")


class SealBroken(ValueError):
    """A sealed audit text that does not open: changed, or moved from another entry."""


def seal_notice_id(cipher: PersonCipher, row_id: int, number: str) -> bytes | None:
    return cipher.encrypt(NOTICE_ID_COLUMN, str(row_id), number)


def open_notice_id(cipher: PersonCipher, row_id: int, sealed: bytes | None) -> str:
    return cipher.decrypt(NOTICE_ID_COLUMN, str(row_id), sealed)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def names_personal_number(text: str) -> bool:
    """A recorded text with a value the disclosure gate would mask (an ID number, a phone, an account,
    however written). A file's hash is not one, though its hex digits may run ten long: such entries
    stay readable to the checks that compare them (app.services.archive.check_evidence)."""
    if not identifiers.find(text):
        return False  # the common case, decided by one scan
    try:
        recorded = json.loads(text)
    except ValueError:
        return True
    return any(identifiers.find(value) for value in _strings(recorded) if not _HASH.fullmatch(value))


def is_sealed(text: str) -> bool:
    return text.startswith(SEALED_PREFIX)


def seal_audit_text(cipher: PersonCipher, entry_id: int, column: str, text: str) -> str:
    sealed = cipher.encrypt(f"audit_log.{column}", str(entry_id), text)
    assert sealed is not None  # only non-empty text is sealed
    return SEALED_PREFIX + base64.b64encode(sealed).decode("ascii")


def open_audit_text(cipher: PersonCipher, entry_id: int, column: str, text: str) -> str:
    """The recorded text as it was hashed; SealBroken when a sealed one does not open."""
    if not is_sealed(text):
        return text
    try:
        raw = base64.b64decode(text[len(SEALED_PREFIX):].encode("ascii"), validate=True)
        return cipher.decrypt(f"audit_log.{column}", str(entry_id), raw)
    except (InvalidTag, ValueError, binascii.Error, UnicodeError) as exc:
        raise SealBroken(f"audit entry {entry_id} {column}") from exc
