"""Reading the payout ledger: filtered, sorted and paged in SQL so a million rows stay fast."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, case, func, or_, select
from sqlmodel import Session

from app.core.ledger_record import LedgerRecord
from app.services.ledger_filter import DEFAULT_SORT, LedgerFilter
from app.storage.models import Payout, Person, SubsidyType, VillagerGroup, table_of

_payout = table_of(Payout)
_person = table_of(Person)
_subsidy = table_of(SubsidyType)
_group = table_of(VillagerGroup)


SORT_COLUMNS = {
    "name": _person.c.name,
    "id_number": _person.c.id_number,
    "group": _group.c.name,
    "subsidy": _subsidy.c.name,
    "period": _payout.c.period,
    "amount": _payout.c.amount_fen,
    "pay_date": _payout.c.pay_date,
    "standard": _payout.c.standard,
    "note": _payout.c.note,
}

_COLUMNS = (
    _payout.c.id,
    _person.c.id,
    _person.c.name,
    _person.c.id_number,
    _person.c.phone,
    _person.c.account,
    _group.c.name,
    _subsidy.c.name,
    _subsidy.c.sensitive,
    _payout.c.period,
    _payout.c.amount_fen,
    _payout.c.pay_date,
    _payout.c.standard,
    _payout.c.note,
    _payout.c.batch_id,
    _payout.c.area_e4,
    _payout.c.rate_fen,
)


def _where(query: Select, flt: LedgerFilter) -> Select:
    if flt.village_id is not None:
        query = query.where(_payout.c.village_id == flt.village_id)
    if flt.period is not None:
        query = query.where(_payout.c.period == flt.period)
    if flt.subsidy_type_id is not None:
        query = query.where(_payout.c.subsidy_type_id == flt.subsidy_type_id)
    if flt.group_id is not None:
        query = query.where(_person.c.group_id == flt.group_id)
    text = "".join(flt.text.split())
    if text:
        # Filter people first (a far smaller table), then use the payout index on person_id.
        matching = select(_person.c.id).where(
            or_(
                _person.c.name.contains(text, autoescape=True),
                _person.c.name_initials.contains(text.lower(), autoescape=True),
            )
        )
        query = query.where(_payout.c.person_id.in_(matching))
    return query


def _joined(query: Select) -> Select:
    return query.select_from(
        _payout.join(_person, _payout.c.person_id == _person.c.id)
        .join(_subsidy, _payout.c.subsidy_type_id == _subsidy.c.id)
        .outerjoin(_group, _person.c.group_id == _group.c.id)
    )


def _record(row) -> LedgerRecord:
    return LedgerRecord(*row)


def fetch_page(
    session: Session,
    flt: LedgerFilter,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> list[LedgerRecord]:
    column = SORT_COLUMNS.get(sort, SORT_COLUMNS[DEFAULT_SORT])
    order = [column.desc() if descending else column.asc(), _payout.c.id.desc() if descending else _payout.c.id]
    query = _where(_joined(select(*_COLUMNS)), flt).order_by(*order).offset(offset).limit(limit)
    return [_record(row) for row in session.execute(query)]


PINYIN_ORDER, FILE_ORDER = "pinyin", "file"
NAME_ORDERS = {PINYIN_ORDER: "按姓名拼音", FILE_ORDER: "按县里名单的顺序"}


def fetch_all(session: Session, flt: LedgerFilter, name_order: str = PINYIN_ORDER) -> list[LedgerRecord]:
    """In the order printed sheets and exports use: subsidy type, group, then names in pinyin order
    (by their initials, a surname by its own reading as the filter has it: 曾 under z), not in the
    order of their code points, which no villager can follow — or, by the village's choice, in the
    order of the county's file (rows typed in by hand after the file's, in pinyin order)."""
    names = [_person.c.name_initials, _person.c.name, _payout.c.id]
    if name_order == FILE_ORDER:
        # NULLs sort first on SQLite and last on PostgreSQL: say where they go.
        by_hand = case((_payout.c.source_order.is_(None), 1), else_=0)
        names = [by_hand, _payout.c.batch_id, _payout.c.source_order, *names]
    query = _where(_joined(select(*_COLUMNS)), flt).order_by(_payout.c.period, _subsidy.c.id, _group.c.name, *names)
    return [_record(row) for row in session.execute(query)]


def summarize(session: Session, flt: LedgerFilter) -> tuple[int, int]:
    """(count, total in 分)."""
    query = select(func.count(), func.coalesce(func.sum(_payout.c.amount_fen), 0))
    if flt.group_id is not None:
        query = query.select_from(_payout.join(_person, _payout.c.person_id == _person.c.id))
    else:
        query = query.select_from(_payout)
    count, total = session.execute(_where(query, flt)).one()
    return int(count), int(total)


def months_with_payouts(session: Session, village_id: int | None) -> list[dt.date]:
    query = select(_payout.c.period).distinct().order_by(_payout.c.period.desc())
    if village_id is not None:
        query = query.where(_payout.c.village_id == village_id)
    return [row[0] for row in session.execute(query)]


def get_record(session: Session, payout_id: int) -> LedgerRecord | None:
    row = session.execute(_joined(select(*_COLUMNS)).where(_payout.c.id == payout_id)).first()
    return _record(row) if row else None
