"""Reading the payout ledger: filtered, sorted and paged in SQL so a million rows stay fast.

The window and the command line call the functions that take the `Database` (`ledger_page`,
`ledger_summary`, `ledger_rows`, `village_months`, `village_groups`; a named village's rows in print
order for the command line: app.services.listings): each opens its
own reading session and returns plain data. The session-taking ones (`fetch_page`, `fetch_all`, …) are
for services that read the ledger inside a transaction of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Join, Select, Table, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session

from app.core.ledger_record import LedgerRecord
from app.services.ledger_filter import DEFAULT_SORT, LedgerFilter
from app.storage.engine import Database
from app.storage.models import Payout, Person, SubsidyType, VillagerGroup, table_of

_payout = table_of(Payout)
_person = table_of(Person)
_subsidy = table_of(SubsidyType)
_group = table_of(VillagerGroup)


SORT_COLUMNS = {
    "name": _person.c.name,
    "id_number": _person.c.id_masked,  # the stored masked form (issue 17): region code and last four
    "group": _group.c.name,
    "subsidy": _subsidy.c.name,
    "period": _payout.c.period,
    "amount": _payout.c.amount_fen,
    "pay_date": _payout.c.pay_date,
    "standard": _payout.c.standard,
    "note": _payout.c.note,
    "record": _payout.c.id,
}

_COLUMNS = (
    _payout.c.id,
    _person.c.id,
    _person.c.name,
    # The masked forms (issue 17): listing and printing never decrypt; outputs mask them again, which
    # leaves a masked form as it is.
    _person.c.id_masked,
    _person.c.phone_masked,
    _person.c.account_masked,
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


def _payout_terms(flt: LedgerFilter) -> list[ColumnElement[bool]]:
    """The conditions on the payout's own columns."""
    terms: list[ColumnElement[bool]] = []
    if flt.village_id is not None:
        terms.append(_payout.c.village_id == flt.village_id)
    if flt.period is not None:
        terms.append(_payout.c.period == flt.period)
    if flt.subsidy_type_id is not None:
        terms.append(_payout.c.subsidy_type_id == flt.subsidy_type_id)
    return terms


def _search_text(flt: LedgerFilter) -> str:
    return "".join(flt.text.split())


def _where(query: Select, flt: LedgerFilter) -> Select:
    query = query.where(*_payout_terms(flt))
    if flt.group_id is not None:
        query = query.where(_person.c.group_id == flt.group_id)
    text = _search_text(flt)
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


class _OuterFirst(Join):
    """An inner join that SQLite runs with its left table as the outer loop (`CROSS JOIN`, SQLite's
    documented way to fix a join's order); any other database gets the plain `JOIN … ON`."""

    inherit_cache = True


@compiles(_OuterFirst, "sqlite")
def _cross_join(join: _OuterFirst, compiler, **kw) -> str:
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def _joined(query: Select, outer: Table | None = None) -> Select:
    """The ledger's join; `outer`: the table SQLite is to walk first (see `_walked_table`)."""
    frm: FromClause
    if outer is _person:
        frm = _OuterFirst(_person, _payout, _payout.c.person_id == _person.c.id).join(
            _subsidy, _payout.c.subsidy_type_id == _subsidy.c.id)
    elif outer is _subsidy:
        frm = _OuterFirst(_subsidy, _payout, _payout.c.subsidy_type_id == _subsidy.c.id).join(
            _person, _payout.c.person_id == _person.c.id)
    else:
        frm = _payout.join(_person, _payout.c.person_id == _person.c.id).join(
            _subsidy, _payout.c.subsidy_type_id == _subsidy.c.id)
    return query.select_from(frm.outerjoin(_group, _person.c.group_id == _group.c.id))


def _record(row) -> LedgerRecord:
    return LedgerRecord(*row)


# A sort by a column of the person (name, ID number) or of the subsidy type can walk that table's
# index in order and look up each one's payouts, stopping as soon as the page is full: a few ms on a
# million payouts, where sorting every payout the filter selects takes a second. A sort by record
# number can walk the payouts in id order the same way. SQLite's planner does not count on that early
# stop (and its sampled statistics make a village look small), so it is told: the walked table comes
# first in a `CROSS JOIN`, or the village's condition is written so that its index is not used.
# When the filter's own payouts are few, sorting them is cheaper than such a walk: a bounded count
# decides (a few ms). Other databases plan this themselves.
_WALKED_BY = {"name": _person, "id_number": _person, "subsidy": _subsidy, "record": _payout}
DENSE_ROWS = 20_000


def _walked_table(session: Session, flt: LedgerFilter, sort: str) -> Table | None:
    walked = _WALKED_BY.get(sort)
    if walked is None or session.get_bind().dialect.name != "sqlite":
        return None
    if walked is not _person and (flt.group_id is not None or _search_text(flt) or flt.period is not None):
        # Conditions on the person are checked per payout on such a walk; a month's payouts are few
        # enough to sort (and the index on village and month hands them out in id order).
        return None
    if walked is _payout and flt.subsidy_type_id is not None:
        return None  # the subsidy's index hands out ids in order
    some = select(literal(1)).select_from(_payout).where(*_payout_terms(flt)).limit(DENSE_ROWS).subquery()
    selected = session.execute(select(func.count()).select_from(some)).scalar_one()
    return walked if selected >= DENSE_ROWS else None


def page_query(session: Session, flt: LedgerFilter, offset: int, limit: int, sort: str = DEFAULT_SORT,
               descending: bool = False) -> Select:
    """The statement `fetch_page` runs (tests read its plan)."""
    sort = sort if sort in SORT_COLUMNS else DEFAULT_SORT
    column = SORT_COLUMNS[sort]
    order = [column.desc() if descending else column.asc(), _payout.c.id.desc() if descending else _payout.c.id]
    walked = _walked_table(session, flt, sort)
    query = _joined(select(*_COLUMNS), walked if walked is not _payout else None)
    if walked is _payout and flt.village_id is not None:
        # `village_id + 0`: the same rows, but not through the village's index (which would sort them).
        query = query.where(_payout.c.village_id + 0 == flt.village_id)
        flt = replace(flt, village_id=None)
    return _where(query, flt).order_by(*order).offset(offset).limit(limit)


def fetch_page(
    session: Session,
    flt: LedgerFilter,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> list[LedgerRecord]:
    query = page_query(session, flt, offset, limit, sort, descending)
    return [_record(row) for row in session.execute(query)]


PINYIN_ORDER, FILE_ORDER = "pinyin", "file"
NAME_ORDERS = {PINYIN_ORDER: "按姓名拼音", FILE_ORDER: "按县里名单的顺序"}


def fetch_all(session: Session, flt: LedgerFilter, name_order: str = PINYIN_ORDER) -> list[LedgerRecord]:
    """In the order printed sheets and exports use: subsidy type, group, then names in pinyin order
    (by their initials, a surname by its own reading as the filter has it: 曾 under z), not in the
    order of their code points, which no villager can follow — or, by the village's choice, in the
    order of the county's file (rows typed in by hand after the file's, in pinyin order)."""
    names: list[ColumnElement[Any]] = [_person.c.name_initials, _person.c.name, _payout.c.id]
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
        # From the group's people to their payouts (30 ms on a million payouts, not 0.5–0.9 s through
        # every payout of the village); on SQLite the join must say so (see `_OuterFirst`).
        query = query.select_from(_OuterFirst(_person, _payout, _payout.c.person_id == _person.c.id))
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


# --- for the window and the command line: the Database in, plain data out --------------------


def ledger_page(
    db: Database,
    flt: LedgerFilter,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> list[LedgerRecord]:
    """One page of the ledger as the screen shows it (filtered, sorted)."""
    with db.reading() as session:
        return fetch_page(session, flt, offset, limit, sort, descending)


def ledger_summary(db: Database, flt: LedgerFilter) -> tuple[int, int]:
    """(count, total in 分) of what the filter selects."""
    with db.reading() as session:
        return summarize(session, flt)


def ledger_rows(db: Database, flt: LedgerFilter, name_order: str = PINYIN_ORDER) -> list[LedgerRecord]:
    """Every row the filter selects, in print order (see `fetch_all`)."""
    with db.reading() as session:
        return fetch_all(session, flt, name_order)


def village_months(db: Database, village_id: int | None) -> list[dt.date]:
    """The months with payouts, newest first (all villages' for None)."""
    with db.reading() as session:
        return months_with_payouts(session, village_id)


def village_groups(db: Database, village_id: int) -> list[tuple[int, str]]:
    """The village's villager groups as (id, name), by name: what LedgerFilter.group_id takes."""
    query = select(_group.c.id, _group.c.name).where(_group.c.village_id == village_id).order_by(_group.c.name)
    with db.reading() as session:
        return [(int(group_id), str(name)) for group_id, name in session.execute(query)]


def batch_place(db: Database, batch_id: int) -> tuple[int, dt.date] | None:
    """Where an import went: its village and its newest month (None when it wrote no payouts), so
    that the window can show what was just imported."""
    query = (select(_payout.c.village_id, func.max(_payout.c.period)).where(_payout.c.batch_id == batch_id)
             .group_by(_payout.c.village_id).order_by(func.max(_payout.c.period).desc()))
    with db.reading() as session:
        row = session.execute(query).first()
    return (int(row[0]), row[1]) if row else None
