"""The offline exchange package (issue 16): a village's records for the township, or the township's
catalog and holiday tables for a village, carried on a USB stick. Pure: bytes in, bytes out.

Layout of a `.cunwuz` file (format 1; a change needs a new version, old files stay readable or are
refused by name, never misread):

    MAGIC (8 bytes) | header length (4 bytes, big-endian) | header (canonical JSON, UTF-8)
    | Ed25519 signature (64 bytes) | ciphertext

- The payload is canonical JSON, zlib-compressed, then sealed for the recipient: an ephemeral X25519
  key agreed with the recipient's X25519 key, HKDF-SHA-256 (salt: both public keys) to an AES-256-GCM
  key, the header (with the magic and its length) as associated data, so a header moved onto another
  ciphertext does not open.
- The sender signs everything before the signature and the ciphertext after it with its Ed25519 key:
  the recipient checks it against the key it registered for that sender before decrypting anything.
- Files are hostile until checked: sizes are capped (the file, the header, and the decompressed
  payload: a small file must not inflate into gigabytes), and every failure is one Chinese sentence
  naming the file (PackageError), never a traceback.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from app.core.crypto import CODE_ALPHABET

MAGIC = b"CUNWUZ\x00\x01"
FORMAT = "cunwu-exchange"
KEY_FORMAT = "cunwu-exchange-key"
VERSION = 1
KEY_BYTES = 32
SIGNATURE_BYTES = 64
NONCE_BYTES = 12
MAX_HEADER = 64 * 1024
MAX_FILE = 256 * 1024 * 1024  # compressed; a village's years of payouts are a few MB
MAX_PAYLOAD = 512 * 1024 * 1024  # decompressed: the cap against a decompression bomb
KEY_FILE_MAX = 16 * 1024
FINGERPRINT_CHARS = 20  # 100 bits, in 4 groups of 5: read aloud over the phone

VILLAGE_TO_TOWNSHIP = "village"
TOWNSHIP_TO_VILLAGE = "township"
_HKDF_INFO = b"cunwu exchange v1"


class PackageError(ValueError):
    """A package or key file that cannot be used: its message is the sentence for the clerk."""


# --- keys ------------------------------------------------------------------------------------------


def fingerprint(sign_public: bytes, box_public: bytes) -> str:
    """Short groups of Crockford base32 (no I, L, O, U): "K3M9P-7QX2A-…", for checking by phone."""
    digest = hashlib.sha256(b"cunwu exchange key v1|" + sign_public + box_public).digest()
    bits = int.from_bytes(digest, "big") >> (256 - 5 * FINGERPRINT_CHARS)
    chars = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(FINGERPRINT_CHARS)))
    return "-".join(chars[i:i + 5] for i in range(0, FINGERPRINT_CHARS, 5))


@dataclass(frozen=True)
class PublicKeys:
    sign: bytes  # Ed25519, raw 32 bytes
    box: bytes  # X25519, raw 32 bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign, self.box)


@dataclass(frozen=True)
class KeyPair:
    sign_private: bytes  # Ed25519 seed, raw 32 bytes
    box_private: bytes  # X25519, raw 32 bytes

    @property
    def public(self) -> PublicKeys:
        sign = Ed25519PrivateKey.from_private_bytes(self.sign_private).public_key()
        box = X25519PrivateKey.from_private_bytes(self.box_private).public_key()
        return PublicKeys(sign.public_bytes(Encoding.Raw, PublicFormat.Raw), box.public_bytes(Encoding.Raw, PublicFormat.Raw))


def new_key_pair() -> KeyPair:
    raw = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return KeyPair(Ed25519PrivateKey.generate().private_bytes(*raw), X25519PrivateKey.generate().private_bytes(*raw))


@dataclass(frozen=True)
class KeyFile:
    """A public key file: whose keys (a village by name, or the township) and the keys."""

    role: str  # VILLAGE_TO_TOWNSHIP's "village" or "township"
    name: str  # the village's or township's name, as the sender's database calls it
    keys: PublicKeys


def key_file_text(role: str, name: str, keys: PublicKeys) -> str:
    content = {"format": KEY_FORMAT, "v": VERSION, "role": role, "name": name, "sign": b64(keys.sign),
               "box": b64(keys.box), "fingerprint": keys.fingerprint}
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def read_key_file(data: bytes, file_name: str) -> KeyFile:
    refused = PackageError(f"文件“{file_name}”不是村务公开助手导出的公钥文件（或已损坏），没有登记")
    if len(data) > KEY_FILE_MAX:
        raise refused
    try:
        content = json.loads(data.decode("utf-8"))
        if not isinstance(content, dict) or content.get("format") != KEY_FORMAT:
            raise refused
        if content.get("v") != VERSION:
            raise PackageError(f"公钥文件“{file_name}”是其他版本的村务公开助手导出的，请两边使用同一版本")
        role, name = content["role"], content["name"]
        keys = PublicKeys(unb64(content["sign"], KEY_BYTES), unb64(content["box"], KEY_BYTES))
        Ed25519PublicKey.from_public_bytes(keys.sign)
        X25519PublicKey.from_public_bytes(keys.box)
    except PackageError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise refused from exc
    if role not in (VILLAGE_TO_TOWNSHIP, TOWNSHIP_TO_VILLAGE) or not isinstance(name, str) \
            or content.get("fingerprint") != keys.fingerprint:
        raise refused
    return KeyFile(role, name, keys)


# --- the package -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What a package says about itself, readable before it is checked (nothing in it is trusted yet)."""

    kind: str  # VILLAGE_TO_TOWNSHIP or TOWNSHIP_TO_VILLAGE
    village: str  # the village it comes from or goes to
    seq: int  # 1, 2, … per village and direction
    created: str  # UTC, ISO 8601
    sender: str  # the signing key's fingerprint
    recipient: str  # the fingerprint of the key it is encrypted for
    full: bool = False  # everything, not only what changed since the last package


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def build(header: Header, payload: Any, sender: KeyPair, recipient: PublicKeys) -> bytes:
    return seal_compressed(header, zlib.compress(canonical(payload), 6), sender, recipient)


def seal_compressed(header: Header, compressed: bytes, sender: KeyPair, recipient: PublicKeys) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    nonce = os.urandom(NONCE_BYTES)
    fields = {"format": FORMAT, "v": VERSION, "kind": header.kind, "village": header.village, "seq": header.seq,
              "created": header.created, "sender": header.sender, "recipient": header.recipient,
              "full": header.full, "ephemeral": b64(ephemeral_public), "nonce": b64(nonce)}
    head = _framed(canonical(fields))
    key = _box_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.box)), ephemeral_public, recipient.box)
    ciphertext = AESGCM(key).encrypt(nonce, compressed, head)
    signature = Ed25519PrivateKey.from_private_bytes(sender.sign_private).sign(head + ciphertext)
    return head + signature + ciphertext


def _framed(header_bytes: bytes) -> bytes:
    return MAGIC + len(header_bytes).to_bytes(4, "big") + header_bytes


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral_public + recipient_public,
                info=_HKDF_INFO).derive(shared)


@dataclass(frozen=True)
class _Parts:
    header: Header
    fields: dict[str, Any]
    head: bytes  # magic, length and header: the associated data and the signed prefix
    signature: bytes
    ciphertext: bytes


def _damaged(file_name: str) -> PackageError:
    return PackageError(f"数据包“{file_name}”已损坏或不完整（也可能不是村务公开助手的数据包），没有导入")


def _split(data: bytes, file_name: str) -> _Parts:
    if len(data) > MAX_FILE:
        raise PackageError(f"数据包“{file_name}”太大（超过 {MAX_FILE // (1024 * 1024)} MB），不像村务公开助手的数据包，没有导入")
    if not data.startswith(MAGIC[:6]):
        raise _damaged(file_name)
    if data[:8] != MAGIC:
        raise PackageError(f"数据包“{file_name}”的格式版本本程序不认识，请两边使用同一版本的村务公开助手")
    if len(data) < 12:
        raise _damaged(file_name)
    length = int.from_bytes(data[8:12], "big")
    end = 12 + length
    if length > MAX_HEADER or len(data) < end + SIGNATURE_BYTES + 16:
        raise _damaged(file_name)
    try:
        fields = json.loads(data[12:end].decode("utf-8"))
        if not isinstance(fields, dict) or fields.get("format") != FORMAT:
            raise _damaged(file_name)
        if fields.get("v") != VERSION:
            raise PackageError(f"数据包“{file_name}”是格式第 {fields.get('v')} 版，本程序只认识第 {VERSION} 版："
                               "请两边使用同一版本的村务公开助手")
        header = Header(kind=str(fields["kind"]), village=str(fields["village"]), seq=int(fields["seq"]),
                        created=str(fields["created"]), sender=str(fields["sender"]),
                        recipient=str(fields["recipient"]), full=bool(fields.get("full", False)))
        dt.datetime.fromisoformat(header.created)
    except PackageError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _damaged(file_name) from exc
    if header.kind not in (VILLAGE_TO_TOWNSHIP, TOWNSHIP_TO_VILLAGE) or header.seq < 1 or not header.village:
        raise _damaged(file_name)
    return _Parts(header, fields, data[:end], data[end:end + SIGNATURE_BYTES], data[end + SIGNATURE_BYTES:])


def read_header(data: bytes, file_name: str) -> Header:
    """The header, to find whose key checks the package (PackageError for what is not a package)."""
    return _split(data, file_name).header


def open_package(data: bytes, file_name: str, sender: PublicKeys, recipient: KeyPair) -> Any:
    """The payload, after the signature was checked against `sender` and the package found to be for
    `recipient`. PackageError (one sentence naming the file) for anything else."""
    parts = _split(data, file_name)
    if parts.header.sender != sender.fingerprint:
        raise PackageError(f"数据包“{file_name}”不是用已登记的公钥签名的（签名公钥指纹 {parts.header.sender}，"
                           f"已登记的是 {sender.fingerprint}），没有导入")
    try:
        Ed25519PublicKey.from_public_bytes(sender.sign).verify(parts.signature, parts.head + parts.ciphertext)
    except (InvalidSignature, ValueError) as exc:
        raise PackageError(f"数据包“{file_name}”的签名不对：文件在途中被改动过或已损坏，没有导入") from exc
    own = recipient.public
    if parts.header.recipient != own.fingerprint:
        raise PackageError(f"数据包“{file_name}”不是发给本数据库的（收件公钥指纹 {parts.header.recipient}，"
                           f"本数据库的是 {own.fingerprint}），没有导入")
    try:
        ephemeral_public = unb64(parts.fields["ephemeral"], KEY_BYTES)
        nonce = unb64(parts.fields["nonce"], NONCE_BYTES)
        shared = X25519PrivateKey.from_private_bytes(recipient.box_private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public))
        compressed = AESGCM(_box_key(shared, ephemeral_public, own.box)).decrypt(nonce, parts.ciphertext, parts.head)
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"数据包“{file_name}”无法解密：已损坏，或不是为本数据库加密的，没有导入") from exc
    try:
        return json.loads(_inflate(compressed, file_name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:  # PackageError is a ValueError too: said as it is
        if isinstance(exc, PackageError):
            raise
        raise _damaged(file_name) from exc


def _inflate(compressed: bytes, file_name: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        plain = inflater.decompress(compressed, MAX_PAYLOAD + 1)
    except zlib.error as exc:
        raise _damaged(file_name) from exc
    if len(plain) > MAX_PAYLOAD or inflater.unconsumed_tail:
        raise PackageError(f"数据包“{file_name}”解压后超过 {MAX_PAYLOAD // (1024 * 1024)} MB，不像正常的数据包，没有导入")
    if not inflater.eof:
        raise _damaged(file_name)
    return plain


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if length is not None and len(raw) != length:
        raise ValueError("wrong key length")
    return raw
