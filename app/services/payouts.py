"""Entering, correcting and deleting single payouts by hand; revealing a full ID. All audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlmodel import Session, select

from app.core import idnumber, money, names
from app.core.crypto import PersonCipher, SealedPerson
from app.core.ledger_record import LedgerRecord
from app.core.periods import format_month_zh
from app.services import audit
from app.services.bulletin import ensure_unlocked
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.ledger import get_record
from app.services.villages import ensure_group
from app.storage.engine import Database
from app.storage.models import Payout, Person, SubsidyType, utcnow

PAYOUT_FIELDS = ("person_id", "subsidy_type_id", "village_id", "period", "amount_fen", "pay_date", "standard", "note")
# The audit log keeps the masked forms only: it is append-only and could never forget a plain number.
PERSON_FIELDS = ("name", "id_masked", "phone_masked", "account_masked", "group_id")


@dataclass(frozen=True)
class PayoutInput:
    """What the entry dialog collects; text fields as typed, validated here."""

    name: str
    id_number: str
    subsidy_type_id: int
    period: dt.date
    amount: str
    pay_date: dt.date | None = None
    group: str = ""
    standard: str = ""
    note: str = ""
    phone: str = ""
    account: str = ""


@dataclass(frozen=True)
class ValidInput:
    name: str
    id_number: str
    amount_fen: int


def store_contacts(person: Person, sealed: SealedPerson) -> None:
    """The phone and account sealed for this person replace the stored ones; an empty one (no cipher)
    leaves what is stored."""
    if sealed.phone_cipher is not None:
        person.phone_masked, person.phone_cipher = sealed.phone_masked, sealed.phone_cipher
    if sealed.account_cipher is not None:
        person.account_masked, person.account_cipher = sealed.account_masked, sealed.account_cipher


def validate_input(data: PayoutInput) -> tuple[ValidInput | None, dict[str, str]]:
    """Field name → Chinese message for every field that is wrong."""
    errors: dict[str, str] = {}
    name = id_number = ""
    amount_fen = 0
    try:
        name = names.validate(data.name)
    except names.NameError_ as exc:
        errors["name"] = str(exc)
    try:
        id_number = idnumber.validate(data.id_number).number
    except idnumber.IdNumberError as exc:
        errors["id_number"] = str(exc)
    try:
        amount_fen = money.parse_fen(data.amount)
    except money.MoneyError as exc:
        errors["amount"] = str(exc)
    if data.pay_date is not None and data.pay_date.replace(day=1) != data.period:
        errors["pay_date"] = f"发放日期不在 {format_month_zh(data.period)} 内"
    if errors:
        return None, errors
    return ValidInput(name, id_number, amount_fen), {}


def _valid(data: PayoutInput) -> ValidInput:
    valid, errors = validate_input(data)
    if valid is None:
        raise ServiceError("输入有误，没有保存", list(errors.values()))
    return valid


def _person_for(session: Session, cipher: PersonCipher, village_id: int, data: PayoutInput, valid: ValidInput,
                actor: str) -> Person:
    """The person of this ID number (found by its blind index), created or brought up to date."""
    id_index = cipher.blind_index(valid.id_number)
    person = session.exec(select(Person).where(Person.id_index == id_index)).first()
    group_id = ensure_group(session, village_id, data.group)
    if person is None:
        sealed = cipher.seal(valid.id_number, data.phone.strip(), data.account.strip(), id_index)
        person = Person(name=valid.name, name_initials=names.pinyin_initials(valid.name)[:60], **sealed.columns(),
                        village_id=village_id, group_id=group_id)
        session.add(person)
        session.flush()
        audit.record(session, actor, "create", "person", person.id, after=audit.snapshot(person, PERSON_FIELDS))
        return person
    before = audit.snapshot(person, PERSON_FIELDS)
    person.name = valid.name
    person.name_initials = names.pinyin_initials(valid.name)[:60]
    if data.phone.strip() or data.account.strip():
        store_contacts(person, cipher.seal(valid.id_number, data.phone.strip(), data.account.strip(), id_index))
    person.group_id = group_id or person.group_id
    after = audit.snapshot(person, PERSON_FIELDS)
    if after != before:
        session.add(person)
        audit.record(session, actor, "update", "person", person.id, before=before, after=after)
    return person


def _refuse_double_payment(
    session: Session, person_id: int, data: PayoutInput, valid: ValidInput, payout_id: int | None = None
) -> None:
    """domain rule: one person is paid once per subsidy type and month (the table enforces it too)."""
    query = select(Payout.id).where(
        Payout.person_id == person_id,
        Payout.subsidy_type_id == data.subsidy_type_id,
        Payout.period == data.period,
    )
    if payout_id is not None:
        query = query.where(Payout.id != payout_id)
    if session.exec(query).first() is not None:
        subsidy = session.get(SubsidyType, data.subsidy_type_id)
        label = subsidy.name if subsidy else "该项目"
        raise Conflict(
            f"{valid.name} 在 {format_month_zh(data.period)} 的“{label}”已有发放记录，同一人同月同项目不能重复发放"
        )


def add_payout(db: Database, village_id: int, data: PayoutInput, actor: str) -> int:
    valid = _valid(data)
    with db.transaction() as session:
        if session.get(SubsidyType, data.subsidy_type_id) is None:
            raise NotFound("补贴项目不存在")
        ensure_unlocked(session, village_id, {data.period})
        person = _person_for(session, db.cipher, village_id, data, valid, actor)
        _refuse_double_payment(session, person.id or 0, data, valid)
        payout = Payout(
            person_id=person.id or 0,
            subsidy_type_id=data.subsidy_type_id,
            village_id=village_id,
            period=data.period,
            amount_fen=valid.amount_fen,
            pay_date=data.pay_date,
            standard=data.standard.strip()[:100],
            note=data.note.strip()[:500],
        )
        session.add(payout)
        session.flush()
        audit.record(session, actor, "create", "payout", payout.id, after=audit.snapshot(payout, PAYOUT_FIELDS))
        return payout.id or 0


def update_payout(db: Database, payout_id: int, data: PayoutInput, actor: str) -> None:
    valid = _valid(data)
    with db.transaction() as session:
        payout = session.get(Payout, payout_id)
        if payout is None:
            raise NotFound("这条发放记录已不存在（可能已被删除）")
        ensure_unlocked(session, payout.village_id, {payout.period, data.period})
        before = audit.snapshot(payout, PAYOUT_FIELDS)
        person = _person_for(session, db.cipher, payout.village_id, data, valid, actor)
        _refuse_double_payment(session, person.id or 0, data, valid, payout_id)
        payout.person_id = person.id or 0
        payout.subsidy_type_id = data.subsidy_type_id
        payout.period = data.period
        payout.amount_fen = valid.amount_fen
        payout.pay_date = data.pay_date
        payout.standard = data.standard.strip()[:100]
        payout.note = data.note.strip()[:500]
        payout.updated_at = utcnow()
        session.add(payout)
        after = audit.snapshot(payout, PAYOUT_FIELDS)
        if after != before:
            audit.record(session, actor, "update", "payout", payout.id, before=before, after=after)


def delete_payout(db: Database, payout_id: int, actor: str) -> LedgerRecord:
    """Delete one payout; its full content stays in the audit log so it can be restored."""
    with db.transaction() as session:
        record = get_record(session, payout_id)
        payout = session.get(Payout, payout_id)
        if payout is None or record is None:
            raise NotFound("这条发放记录已不存在（可能已被删除）")
        ensure_unlocked(session, payout.village_id, {payout.period})
        audit.record(session, actor, "delete", "payout", payout_id, before=audit.snapshot(payout, PAYOUT_FIELDS))
        session.delete(payout)
        return record


def _full_id_number(session: Session, cipher: PersonCipher, person_id: int) -> str:
    """Decrypted at the moment of use (issue 17): the one value asked for, never a list."""
    row = session.exec(select(Person.id_index, Person.id_cipher).where(Person.id == person_id)).first()
    if row is None:
        raise NotFound("这条发放记录已不存在")
    return cipher.decrypt("id_number", row[0], row[1])


def reveal_id_number(db: Database, payout_id: int, actor: str) -> str:
    """Show one ID in full: allowed, but never silently (the audit log records who looked)."""
    cipher = db.cipher
    with db.transaction() as session:
        record = get_record(session, payout_id)
        if record is None:
            raise NotFound("这条发放记录已不存在")
        audit.record(session, actor, "reveal_id", "person", record.person_id, after={"payout_id": payout_id})
        return _full_id_number(session, cipher, record.person_id)


def load_record(db: Database, payout_id: int) -> LedgerRecord:
    """One record to edit: its ID number in full (the dialog shows it masked and saves it back as it
    was); phone and account stay masked (an empty field keeps the stored value)."""
    cipher = db.cipher
    with db.reading() as session:
        record = get_record(session, payout_id)
        if record is None:
            raise NotFound("这条发放记录已不存在")
        return replace(record, id_number=_full_id_number(session, cipher, record.person_id))
