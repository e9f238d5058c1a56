"""Offline exchange packages (issue 16): a village PC and the township PC, each with its own database and
its own account's key folder, trade signed and encrypted packages; the township applies them once."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from sqlmodel import select

from app.cli.main import main
from app.core import exchange_package as package
from app.core.disclosure import mask_id
from app.core.synthetic import make_people
from app.services import exchange, exchange_keys
from app.services.bulletin import publish
from app.services.catalog import latest_version, save_standard_item, standard_catalog, version_entries
from app.services.errors import ServiceError
from app.services.holidays import holiday_year
from app.services.notices import save_holiday_table
from app.services.payouts import PayoutInput, add_payout, delete_payout, update_payout
from app.services.setup import initialize
from app.services.subsidies import list_subsidies
from app.services.village_settings import update_village
from app.services.villages import add_village
from app.storage import keys
from app.storage.engine import Database, open_database
from app.storage.models import AuditLog, Payout, Person, Publication, Village
from app.storage.models_exchange import ExchangeKey
from tests.conftest import ACTOR, VILLAGE, VILLAGE_CONTACTS
from tests.pg_server import NO_SERVER, SERVER, fresh_database

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@dataclasses.dataclass
class PC:
    """One office PC: its database and the folder of its account's keys."""

    db: Database
    key_dir: Path
    monkeypatch: pytest.MonkeyPatch

    @contextlib.contextmanager
    def at(self):
        self.monkeypatch.setenv(keys.KEY_DIR_ENV, str(self.key_dir))
        yield self.db


def _pc(tmp_path: Path, monkeypatch, name: str) -> PC:
    key_dir = tmp_path / f"{name}-keys"
    monkeypatch.setenv(keys.KEY_DIR_ENV, str(key_dir))
    database = open_database(tmp_path / name / "cunwu.sqlite3")
    initialize(database, ACTOR, "青山镇")
    return PC(database, key_dir, monkeypatch)


@pytest.fixture
def village(tmp_path, monkeypatch):
    pc = _pc(tmp_path, monkeypatch, "village")
    village_id = add_village(pc.db, VILLAGE, ACTOR, code="140123101201").id
    update_village(pc.db, village_id, ACTOR, **VILLAGE_CONTACTS)
    subsidy = next(s.id for s in list_subsidies(pc.db) if s.name == "最低生活保障金")
    for index, person in enumerate(make_people(12, seed=5)):
        for month in (OCT, NOV):
            add_payout(pc.db, village_id, PayoutInput(person.name, person.id_number, subsidy, month,
                                                      f"{300 + index}.50", group=f"{index % 3 + 1}组",
                                                      phone=person.phone, account=person.account), ACTOR)
    publish(pc.db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    yield pc
    pc.db.close()


@pytest.fixture
def township(tmp_path, monkeypatch):
    pc = _pc(tmp_path, monkeypatch, "township")
    add_village(pc.db, VILLAGE, ACTOR)  # the township knows its villages; their settings travel
    yield pc
    pc.db.close()


def _trade_keys(tmp_path: Path, village: PC, township: PC) -> None:
    with village.at() as db:
        village_key = exchange_keys.export_public_key(db, VILLAGE, ACTOR).text.encode()
    with township.at() as db:
        township_key = exchange_keys.export_public_key(db, None, ACTOR).text.encode()
        exchange_keys.trust(db, village_key, "桃源村.key", VILLAGE, False, ACTOR)
    with village.at() as db:
        exchange_keys.trust(db, township_key, "乡镇.key", None, False, ACTOR)


@pytest.fixture
def linked(tmp_path, village, township):
    _trade_keys(tmp_path, village, township)
    return village, township


def _export(pc: PC, full: bool = False) -> bytes:
    written: list[bytes] = []
    with pc.at() as db:
        exchange.export_village(db, VILLAGE, written.append, ACTOR, full=full)
    return written[0]


def _import(pc: PC, data: bytes, name: str = "桃源村.cunwuz") -> exchange.ImportResult:
    with pc.at() as db:
        return exchange.import_package(db, data, name, ACTOR)


def _contents(db: Database) -> tuple:
    """What the township holds of the village, ids left out (they are the township's own)."""
    with db.reading() as session:
        village = session.exec(select(Village).where(Village.name == VILLAGE)).one()
        payouts = sorted(
            (person.id_index, p.period, p.amount_fen, p.pay_date, p.note)
            for p, person in session.exec(select(Payout, Person).where(Payout.person_id == Person.id,
                                                                       Payout.village_id == village.id))
        )
        people = sorted((p.name, p.id_index, p.id_masked, p.phone_masked, p.account_masked, p.group_id)
                        for p in session.exec(select(Person)))
        posted = sorted((p.period, p.payout_count, p.total_fen) for p in
                        session.exec(select(Publication).where(Publication.village_id == village.id)))
        return (village.supervision_phone, village.board_place), payouts, people, posted


def _audit_count(db: Database) -> int:
    with db.reading() as session:
        return len(list(session.exec(select(AuditLog.id))))


def test_export_import_then_again_changes_nothing(linked):
    village, township = linked
    first = _export(village)
    result = _import(township, first)
    assert not result.already
    assert result.counts["payout"].added == 24 and result.counts["person"].added == 12
    assert result.counts["publication"].added == 1
    held = _contents(township.db)
    assert held[0] == (VILLAGE_CONTACTS["supervision_phone"], VILLAGE_CONTACTS["board_place"])
    assert len(held[1]) == 24 and len(held[2]) == 12 and held[3] == [(OCT, 12, sum(30050 + 100 * i for i in range(12)))]
    # The full numbers arrived, sealed under the township's own key (its blind index and cipher).
    person = make_people(12, seed=5)[0]
    with township.at() as db, db.reading() as session:
        row = session.exec(select(Person).where(Person.id_index == db.cipher.blind_index(person.id_number))).one()
        assert db.cipher.decrypt("phone", row.id_index, row.phone_cipher) == person.phone
        assert db.cipher.decrypt("account", row.id_index, row.account_cipher) == person.account

    logged = _audit_count(township.db)
    again = _import(township, first)
    assert again.already and again.summary == exchange.ALREADY_APPLIED
    assert _audit_count(township.db) == logged

    second = _export(village)
    result = _import(township, second)
    assert not result.already and result.seq == 2
    assert not any(c.any for c in result.counts.values()), result.summary
    assert _contents(township.db) == held


def test_changes_since_the_last_export_travel_and_deletions_too(linked):
    village, township = linked
    _import(township, _export(village))
    subsidy = next(s.id for s in list_subsidies(village.db) if s.name == "最低生活保障金")
    with village.db.reading() as session:
        november = list(session.exec(select(Payout).where(Payout.period == NOV).order_by(Payout.id)))
    person = make_people(12, seed=5)[0]
    update_payout(village.db, november[0].id, PayoutInput(person.name, person.id_number, subsidy, NOV, "999.00",
                                                          group="1组"), ACTOR)
    delete_payout(village.db, november[1].id, ACTOR)
    package_bytes = _export(village)
    result = _import(township, package_bytes)
    assert (result.counts["payout"].changed, result.counts["payout"].removed, result.counts["payout"].added) == (1, 1, 0)
    _, payouts, _, _ = _contents(township.db)
    assert len(payouts) == 23 and 99900 in [p[2] for p in payouts]


def test_a_phone_and_account_changed_at_the_village_reach_the_township(linked):
    """The village keeps its people's details; the township's copy follows (a value, never a blank)."""
    village, township = linked
    _import(township, _export(village))
    subsidy = next(s.id for s in list_subsidies(village.db) if s.name == "最低生活保障金")
    with village.db.reading() as session:
        row = session.exec(select(Payout).where(Payout.period == NOV).order_by(Payout.id)).first()
        person = session.get(Person, row.person_id)
        name, number = person.name, village.db.cipher.decrypt("id_number", person.id_index, person.id_cipher)
    update_payout(village.db, row.id, PayoutInput(name, number, subsidy, NOV, "560.00", group="1组",
                                                  phone="13912345678", account="6228480012345678"), ACTOR)
    result = _import(township, _export(village))
    assert result.counts["person"].changed == 1, result.summary
    with township.db.reading() as session:
        held = session.exec(select(Person).where(Person.id_index == township.db.cipher.blind_index(number))).one()
        assert township.db.cipher.decrypt("phone", held.id_index, held.phone_cipher) == "13912345678"
        assert township.db.cipher.decrypt("account", held.id_index, held.account_cipher) == "6228480012345678"
        assert held.phone_masked == "139****5678"


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


def test_a_tampered_or_foreign_signed_package_is_refused_and_nothing_written(linked):
    village, township = linked
    data = _export(village)
    for position in (len(data) - 5, len(data) // 2 + 40):
        with pytest.raises(ServiceError, match=r"签名不对|已损坏"):
            _import(township, _flip(data, position))
    # A package made by another key (a copied village PC, a forger) for the township's real key:
    with township.at() as db, db.transaction() as session:
        township_keys = exchange_keys.own_key_pair(session, ACTOR).public
    header = package.read_header(data, "x")
    forger = package.new_key_pair()
    signed_by_other = package.build(dataclasses.replace(header, sender=forger.public.fingerprint), {}, forger,
                                    township_keys)
    with pytest.raises(ServiceError, match="不是用已登记的公钥签名的"):
        _import(township, signed_by_other)
    claiming = package.build(header, {}, forger, township_keys)  # names the trusted key, signed by another
    with pytest.raises(ServiceError, match="签名不对"):
        _import(township, claiming)
    assert _contents(township.db)[1] == []


def test_an_older_package_after_a_newer_one_is_refused(linked):
    village, township = linked
    first, second = _export(village), _export(village)
    with pytest.raises(ServiceError, match="请先导入第 1 号"):
        _import(township, second)  # a gap: the first carried what the second does not
    _import(township, first)
    _import(township, second)
    with pytest.raises(ServiceError, match="较早的数据包"):
        _import(township, first, "旧.cunwuz")
    third = _export(village, full=True)  # a complete package may follow a missing one
    assert _import(township, third).seq == 3


def test_a_conflict_with_a_month_posted_at_the_township_refuses_the_whole_package(linked):
    village, township = linked
    _import(township, _export(village))
    with township.at() as db:
        publish(db, VILLAGE, NOV, dt.date(2026, 12, 1), "乡镇审核员", ACTOR)  # the township posted November
    before = _contents(township.db)
    subsidy = next(s.id for s in list_subsidies(village.db) if s.name == "最低生活保障金")
    person = make_people(12, seed=5)[2]
    with village.db.reading() as session:
        row = session.exec(select(Payout).join(Person, Payout.person_id == Person.id).where(
            Payout.period == NOV, Person.name == person.name)).first()
    update_payout(village.db, row.id, PayoutInput(person.name, person.id_number, subsidy, NOV, "1.00", group="3组"),
                  ACTOR)
    village.db.close()
    with pytest.raises(ServiceError) as refused:
        _import(township, _export_reopened(village))
    lines = "\n".join(refused.value.problems)
    assert "2026年11月" in lines and mask_id(person.id_number) in lines and person.id_number not in lines
    assert "本数据库 302.50 元" in lines and "数据包 1.00 元" in lines and VILLAGE in lines
    assert _contents(township.db) == before


def _export_reopened(pc: PC) -> bytes:
    with pc.at():
        pc.db = open_database(pc.db.path)
    return _export(pc)


def test_the_townships_batch_prints_the_offline_village(linked, tmp_path):
    village, township = linked
    _import(township, _export(village))
    out = tmp_path / "sheets"
    with township.at():
        path = township.db.path
        township.db.close()
        assert main(["--db", str(path), "bulletin", "--all", "--month", "2026-10", "--out", str(out)]) == 0
        township.db = open_database(path)
    sheet = out / f"{VILLAGE}-2026-10.pdf"
    assert sheet.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], capture_output=True, check=True, text=True).stdout
    assert VILLAGE in text and "302.50" in text
    assert make_people(12, seed=5)[0].id_number not in text


def test_catalog_and_holidays_go_back_to_the_village(linked):
    village, township = linked
    with township.at() as db:
        entry = standard_catalog(db, ACTOR).entries[0]
        save_standard_item(db, dataclasses.replace(entry, name=entry.name + "（乡镇修订）"), ACTOR)
        save_holiday_table(db, 2031, [dt.date(2031, 1, 1)], [dt.date(2031, 1, 4)], ACTOR)
        written: list[bytes] = []
        exchange.export_for_village(db, VILLAGE, written.append, ACTOR)
        with db.reading() as session:
            wanted = version_entries(session, latest_version(session, None))
    result = _import(village, written[0], "乡镇.cunwuz")
    assert result.counts["catalog"].added == 1 and result.counts["holidays"].added == 1
    with village.at() as db, db.reading() as session:
        assert version_entries(session, latest_version(session, None)) == wanted
        village_id = session.exec(select(Village.id).where(Village.name == VILLAGE)).one()
        own = version_entries(session, latest_version(session, village_id))
    assert any(e.name == entry.name + "（乡镇修订）" for e in own)  # pushed into the village's own catalog
    assert holiday_year(village.db, 2031).holidays == (dt.date(2031, 1, 1),)
    assert _import(village, written[0], "乡镇.cunwuz").already
    with pytest.raises(ServiceError, match=r"签名不对|已损坏"):
        _import(village, _flip(written[0], len(written[0]) - 3), "乡镇.cunwuz")


def test_a_village_key_is_trusted_once_and_replaced_only_on_purpose(linked, tmp_path):
    village, township = linked
    other = package.key_file_text(package.VILLAGE_TO_TOWNSHIP, VILLAGE, package.new_key_pair().public).encode()
    with township.at() as db:
        with pytest.raises(ServiceError, match="--replace"):
            exchange_keys.trust(db, other, "新.key", VILLAGE, False, ACTOR)
        trusted = exchange_keys.trust(db, other, "新.key", VILLAGE, True, ACTOR)
        assert trusted.replaced and trusted.replaced != trusted.fingerprint
        with db.reading() as session:
            logged = session.exec(select(AuditLog).where(AuditLog.action == "exchange_trust")
                                  .order_by(AuditLog.id.desc())).first()
        assert trusted.replaced in logged.before and trusted.fingerprint in logged.after
        with pytest.raises(ServiceError, match="不是“桃源村”的"):
            exchange_keys.trust(db, other.replace(VILLAGE.encode(), "杏花村".encode()), "x.key", VILLAGE, True, ACTOR)
    # The village's packages are now refused: the township trusts another key for it.
    with pytest.raises(ServiceError, match="不是用已登记的公钥签名的"):
        _import(township, _export(village))


def test_the_private_keys_are_sealed_never_in_clear(linked):
    village, _ = linked
    with village.at() as db, db.transaction() as session:
        pair = exchange_keys.own_key_pair(session, ACTOR)
        row = session.get(ExchangeKey, exchange_keys.KEY_ROW)
    for secret in (pair.sign_private, pair.box_private):
        assert package.b64(secret) not in row.sign_private_sealed + row.box_private_sealed
    raw = village.db.path.read_bytes()
    assert pair.sign_private not in raw and package.b64(pair.sign_private).encode() not in raw


def test_a_village_the_township_lacks_is_refused_by_name(village, tmp_path, monkeypatch):
    other = _pc(tmp_path, monkeypatch, "other-township")
    try:
        _trade_keys_without_village(village, other)
        with pytest.raises(ServiceError, match="本数据库中没有“桃源村”"):
            _import(other, _export(village))
    finally:
        other.db.close()


def _trade_keys_without_village(village: PC, township: PC) -> None:
    with township.at() as db:
        township_key = exchange_keys.export_public_key(db, None, ACTOR).text.encode()
    with village.at() as db:
        exchange_keys.trust(db, township_key, "乡镇.key", None, False, ACTOR)


# --- the package format against hostile files -------------------------------------------------------------


def _header(recipient: package.PublicKeys, sender: package.KeyPair) -> package.Header:
    return package.Header(package.VILLAGE_TO_TOWNSHIP, VILLAGE, 1, "2026-11-03T08:00:00+00:00",
                          sender.public.fingerprint, recipient.fingerprint)


def test_hostile_package_files_are_refused_with_one_sentence(monkeypatch):
    sender, recipient = package.new_key_pair(), package.new_key_pair()
    data = package.build(_header(recipient.public, sender), {"payouts": [1, 2, 3]}, sender, recipient.public)
    assert package.open_package(data, "好.cunwuz", sender.public, recipient) == {"payouts": [1, 2, 3]}
    cases = {
        "截断.cunwuz": data[: len(data) // 2],
        "空.cunwuz": b"",
        "乱码.cunwuz": b"PK\x03\x04" + bytes(range(256)) * 10,
        "头部.cunwuz": data[:8] + (10**9).to_bytes(4, "big") + data[12:],
    }
    for name, bad in cases.items():
        with pytest.raises(package.PackageError, match=f"“{name}”"):
            package.open_package(bad, name, sender.public, recipient)
    with pytest.raises(package.PackageError, match="格式版本"):
        package.open_package(package.MAGIC[:7] + b"\x09" + data[8:], "新版.cunwuz", sender.public, recipient)
    stranger = package.new_key_pair()
    with pytest.raises(package.PackageError, match="不是发给本数据库的"):
        package.open_package(data, "别人.cunwuz", sender.public, stranger)
    monkeypatch.setattr(package, "MAX_FILE", len(data) - 1)
    with pytest.raises(package.PackageError, match="太大"):
        package.open_package(data, "大.cunwuz", sender.public, recipient)


def test_a_decompression_bomb_is_capped(monkeypatch):
    sender, recipient = package.new_key_pair(), package.new_key_pair()
    monkeypatch.setattr(package, "MAX_PAYLOAD", 1024 * 1024)
    bomb = zlib.compress(b"[" + b"0," * (4 * 1024 * 1024) + b"0]", 9)
    assert len(bomb) < 64 * 1024
    data = package.seal_compressed(_header(recipient.public, sender), bomb, sender, recipient.public)
    with pytest.raises(package.PackageError, match="解压后超过"):
        package.open_package(data, "炸弹.cunwuz", sender.public, recipient)


def test_key_files_are_checked():
    keys_ = package.new_key_pair().public
    text = package.key_file_text(package.VILLAGE_TO_TOWNSHIP, VILLAGE, keys_)
    assert package.read_key_file(text.encode(), "k").keys == keys_
    assert len(keys_.fingerprint) == 23 and keys_.fingerprint.count("-") == 3
    with pytest.raises(package.PackageError, match=r"“坏\.key”"):
        package.read_key_file(text.replace(keys_.fingerprint, "AAAAA-AAAAA-AAAAA-AAAAA").encode(), "坏.key")
    with pytest.raises(package.PackageError, match=r"“乱\.key”"):
        package.read_key_file(b"\xff\xfe garbage", "乱.key")


def test_the_command_line_says_refusals_in_one_chinese_sentence(linked, tmp_path, capsys):
    village, township = linked
    bad = tmp_path / "坏.cunwuz"
    bad.write_bytes(_export(village)[:100])
    with township.at():
        path = township.db.path
        township.db.close()
        assert main(["--db", str(path), "exchange", "import", str(bad)]) == 1
        township.db = open_database(path)
    err = capsys.readouterr().err
    assert "数据包“坏.cunwuz”已损坏或不完整" in err and "Traceback" not in err


# --- a township on PostgreSQL (the owner's connection) -----------------------------------------------------

@pytest.mark.skipif(not SERVER, reason=NO_SERVER)
def test_a_package_applies_to_a_township_on_postgresql(village, tmp_path, monkeypatch):
    key_dir = tmp_path / "pg-township-keys"
    monkeypatch.setenv(keys.KEY_DIR_ENV, str(key_dir))
    with fresh_database() as (_, url), open_database(url) as database:
        initialize(database, ACTOR, "青山镇")
        add_village(database, VILLAGE, ACTOR)
        township = PC(database, key_dir, monkeypatch)
        _trade_keys(tmp_path, village, township)
        first = _export(village)
        assert _import(township, first).counts["payout"].added == 24
        held = _contents(database)
        assert _import(township, first).already
        assert not any(c.any for c in _import(township, _export(village)).counts.values())
        assert _contents(database) == held and len(held[1]) == 24


@pytest.mark.skipif(not SERVER, reason=NO_SERVER)
def test_a_township_person_applies_a_package_and_a_clerk_may_not(village, tmp_path, monkeypatch):
    """On the server the exchange is the township's work (app.storage.pg_security.TOWNSHIP_ONLY): a
    乡镇管理员 signed in with their own password applies the package; a village's clerk reads no key."""
    import uuid

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from app.services import users
    from app.services.errors import NO_PERMISSION, describe_failure

    key_dir = tmp_path / "pg-township-keys"
    monkeypatch.setenv(keys.KEY_DIR_ENV, str(key_dir))
    logins: list[str] = []
    password = "Pw-" + uuid.uuid4().hex
    with fresh_database(logins=logins) as (_, url):
        with open_database(url) as owner:
            initialize(owner, ACTOR, "青山镇")
            add_village(owner, VILLAGE, ACTOR)
            for role, villages in (("township", []), ("clerk", [VILLAGE])):
                logins.append(f"t{uuid.uuid4().hex[:8]}_{role}")
                users.add_user(owner, logins[-1], role, villages, password, ACTOR)
        as_person = {login.rsplit("_", 1)[1]: make_url(url).set(username=login, password=password)
                     .render_as_string(hide_password=False) for login in logins}
        with open_database(as_person["township"]) as database:
            township = PC(database, key_dir, monkeypatch)
            _trade_keys(tmp_path, village, township)
            assert _import(township, _export(village)).counts["payout"].added == 24
        with open_database(as_person["clerk"]) as clerk:
            with pytest.raises(DBAPIError) as refused:
                exchange_keys.export_public_key(clerk, None, ACTOR)
        assert describe_failure(refused.value) == NO_PERMISSION
