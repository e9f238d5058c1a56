"""What the commands that only read list (`cunwu village list`, `cunwu payouts list`) and what the
window shows first: plain SQL, written once, that runs on either engine through `rows()` of the full
`Database` or of the quick reader (app.storage.quick_read). These need neither SQLAlchemy nor the
models, whose imports (~0.5 s) would be most of such a command's time.

SQLite hands dates back as ISO text and flags as 0/1, PostgreSQL as dates and booleans: the rows are
converted here, and date parameters go in as ISO text, which both compare with a date column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.ledger_record import LedgerRecord
from app.core.sheet_settings import missing_for
from app.services.errors import NotFound


class Rows(Protocol):
    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]: ...


@dataclass(frozen=True)
class VillageInfo:
    id: int
    name: str
    code: str
    people: int
    payouts: int


@dataclass(frozen=True)
class _SheetFields:
    supervision_phone: str
    contact_person: str
    board_place: str
    board_hours: str


def list_villages(db: Rows) -> list[VillageInfo]:
    """Every village with its counts of people and payouts, in the order they were added."""
    people = {int(v): int(n) for v, n in db.rows("SELECT village_id, count(*) FROM person GROUP BY village_id")}
    payouts = {int(v): int(n) for v, n in db.rows("SELECT village_id, count(*) FROM payout GROUP BY village_id")}
    return [
        VillageInfo(int(village_id), str(name), str(code or ""), people.get(village_id, 0), payouts.get(village_id, 0))
        for village_id, name, code in db.rows("SELECT id, name, code FROM village ORDER BY id")
    ]


def settings_missing(db: Rows, outputs: Sequence[str]) -> dict[int, set[str]]:
    """Each village's id → the keys of the settings that one of `outputs` (the sheets, see
    app.core.sheet_settings) requires and the village or its township leaves empty."""
    townships = db.rows("SELECT id, name FROM township ORDER BY id")
    names = {int(township_id): str(name) for township_id, name in townships}
    first = str(townships[0][1]) if townships else None  # a village without a township: the database's
    villages = db.rows("SELECT id, township_id, supervision_phone, contact_person, board_place, board_hours "
                       "FROM village ORDER BY id")
    missing: dict[int, set[str]] = {}
    for village_id, township_id, *fields in villages:
        township = names.get(int(township_id)) if township_id is not None else first
        village = _SheetFields(*(str(value or "") for value in fields))
        missing[int(village_id)] = {key for output in outputs for key, _ in missing_for(township, village, output)}
    return missing


def unknown_village(name: str, known: Sequence[str]) -> NotFound:
    """The refusal for a village name the clerk typed that is not in the database, with the ones that are."""
    hint = "现有的村：" + "、".join(known) if known else "还没有添加任何村，请先添加村"
    return NotFound(f"找不到村“{name}”。{hint}")


def typed_village_name(name: str | None) -> str:
    """A village's name as the clerk typed it, spaces anywhere in it dropped: how names are stored."""
    return "".join((name or "").split())


def named_village(db: Rows, name: str) -> tuple[int, str]:
    """(id, name as stored) of a village the clerk named; NotFound listing the known ones."""
    cleaned = typed_village_name(name)
    found = db.rows("SELECT id, name FROM village WHERE name = :name", {"name": cleaned})
    if not found:
        raise unknown_village(cleaned, [str(row[0]) for row in db.rows("SELECT name FROM village ORDER BY name")])
    return int(found[0][0]), str(found[0][1])


# The ledger's row as `LedgerRecord` holds it (app.services.ledger selects the same columns through
# SQLAlchemy; tests/test_light_commands.py holds the two to the same rows and order). Personal
# numbers in their stored masked forms: listing never decrypts.
_LEDGER_SELECT = (
    "SELECT payout.id, person.id, person.name, person.id_masked, person.phone_masked, person.account_masked, "
    "villager_group.name, subsidy_type.name, subsidy_type.sensitive, payout.period, payout.amount_fen, "
    "payout.pay_date, payout.standard, payout.note, payout.batch_id, payout.area_e4, payout.rate_fen "
    "FROM payout JOIN person ON payout.person_id = person.id "
    "JOIN subsidy_type ON payout.subsidy_type_id = subsidy_type.id "
    "LEFT OUTER JOIN villager_group ON person.group_id = villager_group.id "
)
# Print order (app.services.ledger.fetch_all, by pinyin): month, subsidy, group, initials, name.
_PRINT_ORDER = " ORDER BY payout.period, subsidy_type.id, villager_group.name, person.name_initials, person.name, payout.id"


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def ledger_record(row: Sequence[Any]) -> LedgerRecord:
    (payout_id, person_id, name, id_masked, phone_masked, account_masked, group, subsidy, sensitive, period,
     amount_fen, pay_date, standard, note, batch_id, area_e4, rate_fen) = row
    month = _date(period)
    assert month is not None  # NOT NULL in the table
    return LedgerRecord(
        int(payout_id), int(person_id), str(name), str(id_masked or ""), str(phone_masked or ""),
        str(account_masked or ""), str(group or ""), str(subsidy), bool(sensitive), month, int(amount_fen),
        _date(pay_date), str(standard or ""), str(note or ""), None if batch_id is None else int(batch_id),
        None if area_e4 is None else int(area_e4), None if rate_fen is None else int(rate_fen),
    )


def village_ledger(db: Rows, village_name: str, month: dt.date | None) -> tuple[str, list[LedgerRecord]]:
    """A village named by the clerk (the command line's `--village`): its name as stored and the month's
    rows (every month's for None) in print order. Refused (NotFound) for an unknown name."""
    village_id, name = named_village(db, village_name)
    where, params = "WHERE payout.village_id = :village", dict[str, object](village=village_id)
    if month is not None:
        where, params = where + " AND payout.period = :period", {**params, "period": month.isoformat()}
    return name, [ledger_record(row) for row in db.rows(_LEDGER_SELECT + where + _PRINT_ORDER, params)]


@dataclass(frozen=True)
class FirstPage:
    village_id: int
    village: str
    period: dt.date | None  # None: every month
    records: list[LedgerRecord]


def first_page(db: Rows, preferred_village: int | None, month: dt.date | None, all_months: bool,
               limit: int) -> FirstPage | None:
    """The rows the window's ledger shows first, as app.ui.main_window chooses them (the remembered
    village, else the first; the remembered month if that village has payouts in it, else its newest;
    every month when that was the clerk's choice), in the ledger's standard order (month, record
    number: app.services.ledger's `DEFAULT_SORT`). None without villages."""
    villages = db.rows("SELECT id, name FROM village ORDER BY id")
    if not villages:
        return None
    village_id, name = next((row for row in villages if row[0] == preferred_village), villages[0])
    village = {"village": int(village_id)}
    period: dt.date | None = None
    if not all_months:
        if month is not None and db.rows("SELECT 1 FROM payout WHERE village_id = :village AND period = :period "
                                         "LIMIT 1", {**village, "period": month.isoformat()}):
            period = month
        else:
            newest = db.rows("SELECT max(period) FROM payout WHERE village_id = :village", village)
            period = _date(newest[0][0]) if newest else None
    where = "WHERE payout.village_id = :village" + (" AND payout.period = :period" if period else "")
    params: dict[str, object] = {**village, "limit": limit, **({"period": period.isoformat()} if period else {})}
    rows = db.rows(_LEDGER_SELECT + where + " ORDER BY payout.period, payout.id LIMIT :limit", params)
    return FirstPage(int(village_id), str(name), period, [ledger_record(row) for row in rows])
