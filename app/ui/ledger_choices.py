"""What the ledger's selectors offer: villages, subsidy types, a village's months and groups.

Plain data gathered through the services (each takes the Database and opens its own session); called
from a worker thread. The villages come from `villages.village_choices` (id and name only), not from
list_villages, which counts every village's people and payouts: 50–150 ms of the first paint on a
million payouts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.subsidies import SubsidyInfo
    from app.storage.engine import Database

# The services (and SQLAlchemy under them) are imported by the worker that first loads the choices,
# never on the way to the window's first paint.


@dataclass(frozen=True)
class VillageDetail:
    village_id: int
    months: list[dt.date]  # newest first
    groups: list[tuple[int, str]]  # (group id, name)
    group_names: list[str]


@dataclass(frozen=True)
class LedgerChoices:
    villages: list[tuple[int, str]]
    subsidies: list[SubsidyInfo]
    detail: VillageDetail | None  # of the village shown first


def load_choices(db: Database, preferred_village: int | None = None,
                 sees: Callable[[int], bool] | None = None) -> LedgerChoices:
    """`sees`: the villages the signed-in person works on (roles.SignedIn.sees); None: every one."""
    from app.services.subsidies import list_subsidies
    from app.services.villages import village_choices

    villages = [(i, name) for i, name in village_choices(db) if sees is None or sees(i)]
    subsidies = list_subsidies(db)
    ids = [village_id for village_id, _ in villages]
    first = preferred_village if preferred_village in ids else (ids[0] if ids else None)
    detail = load_village_detail(db, first) if first is not None else None
    return LedgerChoices(villages, subsidies, detail)


def load_village_detail(db: Database, village_id: int) -> VillageDetail:
    from app.services.ledger import village_groups, village_months

    groups = village_groups(db, village_id)
    return VillageDetail(village_id, village_months(db, village_id), groups, [name for _, name in groups])

