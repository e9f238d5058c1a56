"""The exchange keys (issue 16): this database's key pair, the public key file it hands out, and the
keys it trusts (a village's at the township; the township's at a village). All audited.

The private halves are sealed under the database's data key (app.core.crypto.seal_text), labelled
with the database id: they travel with a backup and open wherever the data key opens — on this
account through its key file, on another PC after `cunwu key recover`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from app.core import crypto
from app.core import exchange_package as package
from app.core.exchange_package import KeyFile, KeyPair, PackageError, PublicKeys, b64, unb64
from app.services import audit
from app.services.errors import Conflict, ServiceError
from app.services.villages import find_village
from app.storage import keys
from app.storage.engine import Database
from app.storage.models import AppSetting, Township, Village
from app.storage.models_exchange import ExchangeKey, ExchangePeer

KEY_ROW = 1
NOT_ENCRYPTED = "这个数据库还没有数据密钥，不能交换数据包：请先用本版本的村务公开助手打开一次（cunwu init）"


@dataclass(frozen=True)
class KeyExport:
    text: str  # the key file's content
    fingerprint: str
    owner: str  # the village or township the file names


@dataclass(frozen=True)
class Trusted:
    name: str  # the village's name, or the township's as its key file says
    fingerprint: str
    replaced: str  # the fingerprint it replaced; "" when there was none

    def sentence(self, township: bool) -> str:
        """What the clerk is told, on the command line and in the window alike."""
        whose = f"乡镇（{self.name}）" if township else self.name
        if self.replaced:
            return f"已更换{whose}的公钥：原指纹 {self.replaced}，新指纹 {self.fingerprint}（已记入操作日志）"
        return f"已登记{whose}的公钥，指纹：{self.fingerprint}（请与对方电话核对）"


@dataclass(frozen=True)
class PeerKey:
    """A key this database trusts, as the window lists it."""

    village: str | None  # the village whose key it is; None: the township's (at a village)
    name: str  # as the key file named its owner
    fingerprint: str
    trusted_by: str
    trusted_at: dt.datetime


@dataclass(frozen=True)
class KeysOverview:
    fingerprint: str  # this database's; "" while it has no key pair (made at init or at first need)
    peers: list[PeerKey]  # the township's first, then the villages' by name

    @property
    def township(self) -> PeerKey | None:
        return next((peer for peer in self.peers if peer.village is None), None)

    def of_village(self, name: str) -> PeerKey | None:
        return next((peer for peer in self.peers if peer.village == name), None)


def _data_key(session: Session) -> tuple[bytes, str] | None:
    setting = session.get(AppSetting, keys.DB_ID)
    if setting is None:
        return None
    data_key = keys.load_user_key(setting.value)
    if data_key is None:
        raise keys.KeyUnavailable(keys.FOREIGN)
    return data_key, setting.value


def _label(half: str, database_id: str) -> str:
    return f"exchange.{half}|{database_id}"


def ensure_keys(session: Session, actor: str) -> str | None:
    """Make the key pair if this database has none (at `init`, or at first need for an older one);
    its fingerprint, or None for a database without a data key (nothing to seal the keys with)."""
    row = session.get(ExchangeKey, KEY_ROW)
    if row is not None:
        return PublicKeys(unb64(row.sign_public), unb64(row.box_public)).fingerprint
    opened = _data_key(session)
    if opened is None:
        return None
    data_key, database_id = opened
    pair = package.new_key_pair()
    public = pair.public
    session.add(ExchangeKey(
        id=KEY_ROW, sign_public=b64(public.sign), box_public=b64(public.box),
        sign_private_sealed=crypto.seal_text(data_key, b64(pair.sign_private), _label("sign", database_id)),
        box_private_sealed=crypto.seal_text(data_key, b64(pair.box_private), _label("box", database_id)),
    ))
    session.flush()
    # No fingerprint here: the log of `init` reads in words; `exchange key` logs it when the key is handed out.
    audit.record(session, actor, "create", "exchange_key", KEY_ROW)
    return public.fingerprint


def own_key_pair(session: Session, actor: str) -> KeyPair:
    """This database's key pair, made now if it has none."""
    if ensure_keys(session, actor) is None:
        raise ServiceError(NOT_ENCRYPTED)
    row = session.get(ExchangeKey, KEY_ROW)
    opened = _data_key(session)
    assert row is not None and opened is not None
    data_key, database_id = opened
    return KeyPair(unb64(crypto.open_text(data_key, row.sign_private_sealed, _label("sign", database_id))),
                   unb64(crypto.open_text(data_key, row.box_private_sealed, _label("box", database_id))))


def trusted_key(session: Session, village_id: int | None) -> ExchangePeer | None:
    """The key trusted for a village (at the township), or the township's (None, at a village)."""
    column = ExchangePeer.village_id
    scope = column.is_(None) if village_id is None else column == village_id  # type: ignore[union-attr]
    return session.exec(select(ExchangePeer).where(scope)).first()


def public_keys(peer: ExchangePeer) -> PublicKeys:
    return PublicKeys(unb64(peer.sign_public), unb64(peer.box_public))


def township_name(session: Session) -> str:
    township = session.exec(select(Township).order_by(Township.id)).first()  # type: ignore[arg-type]
    return township.name if township else ""


def keys_overview(db: Database) -> KeysOverview:
    """This database's fingerprint and the keys it trusts (reads only: the key pair is not made here)."""
    with db.reading() as session:
        row = session.get(ExchangeKey, KEY_ROW)
        own = PublicKeys(unb64(row.sign_public), unb64(row.box_public)).fingerprint if row is not None else ""
        villages = dict(session.exec(select(Village.id, Village.name)).all())
        peers = [PeerKey(villages.get(peer.village_id, "") if peer.village_id is not None else None, peer.name,
                         peer.fingerprint, peer.trusted_by, peer.trusted_at)
                 for peer in session.exec(select(ExchangePeer))]
    peers.sort(key=lambda peer: (peer.village is not None, peer.village or ""))
    return KeysOverview(own, peers)


def export_public_key(db: Database, village_name: str | None, actor: str) -> KeyExport:
    """The key file: a village PC names its village (`--village`), the township names none."""
    with db.transaction() as session:
        if village_name:
            role, owner = package.VILLAGE_TO_TOWNSHIP, find_village(session, village_name).name
        else:
            role, owner = package.TOWNSHIP_TO_VILLAGE, township_name(session)
        own = own_key_pair(session, actor).public
        audit.record(session, actor, "exchange_key_out", "exchange_key", KEY_ROW,
                     after={"role": role, "name": owner, "fingerprint": own.fingerprint})
    return KeyExport(package.key_file_text(role, owner, own), own.fingerprint, owner)


def trust(db: Database, data: bytes, file_name: str, village_name: str | None, replace: bool,
          actor: str) -> Trusted:
    """Register a village's key (`village_name`, at the township) or the township's (None, at a village).
    Once: a different key for the same sender needs `replace` (and the log keeps both fingerprints)."""
    try:
        key_file = package.read_key_file(data, file_name)
    except PackageError as exc:  # its sentence says which file and why: a refusal, not a failure
        raise ServiceError(str(exc)) from exc
    with db.transaction() as session:
        village: Village | None = find_village(session, village_name) if village_name else None
        _check_role(key_file, village, file_name)
        own = own_key_pair(session, actor).public
        if key_file.keys.fingerprint == own.fingerprint:
            raise ServiceError(f"公钥文件“{file_name}”是本数据库自己的公钥，应登记对方的公钥")
        peer = trusted_key(session, village.id if village else None)
        whose = f"{village.name}的公钥" if village else "乡镇的公钥"
        if peer is not None and peer.fingerprint == key_file.keys.fingerprint:
            return Trusted(village.name if village else key_file.name, peer.fingerprint, "")
        if peer is not None and not replace:
            raise Conflict(f"已经登记过{whose}（指纹 {peer.fingerprint}），与文件“{file_name}”中的"
                           f"（指纹 {key_file.keys.fingerprint}）不同：确需更换，请核实后加 --replace")
        replaced = peer.fingerprint if peer is not None else ""
        if peer is None:
            peer = ExchangePeer(village_id=village.id if village else None, name="", sign_public="",
                                box_public="", fingerprint="")
        peer.name = (village.name if village else key_file.name)[:100]
        peer.sign_public, peer.box_public = b64(key_file.keys.sign), b64(key_file.keys.box)
        peer.fingerprint, peer.trusted_by = key_file.keys.fingerprint, actor[:60]
        session.add(peer)
        session.flush()
        audit.record(session, actor, "exchange_trust", "village" if village else "township",
                     village.id if village else None,
                     before={"fingerprint": replaced} if replaced else None,
                     after={"name": peer.name, "fingerprint": peer.fingerprint, "file": file_name})
        return Trusted(peer.name, peer.fingerprint, replaced)


def _check_role(key_file: KeyFile, village: Village | None, file_name: str) -> None:
    if village is not None and key_file.role != package.VILLAGE_TO_TOWNSHIP:
        raise ServiceError(f"公钥文件“{file_name}”是乡镇的公钥，不是村的：登记村的公钥请用该村电脑上"
                           "“cunwu exchange key --village 村名”导出的文件")
    if village is not None and key_file.name != village.name:
        raise ServiceError(f"公钥文件“{file_name}”是“{key_file.name}”的公钥，不是“{village.name}”的，没有登记")
    if village is None and key_file.role != package.TOWNSHIP_TO_VILLAGE:
        raise ServiceError(f"公钥文件“{file_name}”是“{key_file.name}”的公钥，不是乡镇的：登记乡镇的公钥请用乡镇"
                           "电脑上“cunwu exchange key”导出的文件")
