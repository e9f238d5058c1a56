"""Benchmark: the ledger window on a database of 1,000,000 payouts, offscreen.

Targets (issue 7): first paint of the ledger ≤ 150 ms, a name / pinyin-initials filter change
≤ 150 ms (until the model holds its first page), process memory growth ≤ 200 MB.
Run: python bench/bench_ledger_view.py [--people N] [--months M] [--rebuild]

The database is built once with SQLAlchemy Core bulk inserts (synthetic people only) and cached in
bench/out/, which is gitignored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from app.core import names  # noqa: E402
from app.core.periods import add_months  # noqa: E402
from app.core.synthetic import make_people  # noqa: E402
from app.services.setup import initialize  # noqa: E402
from app.services.villages import add_village  # noqa: E402
from app.storage.engine import Database, open_database  # noqa: E402
from app.storage.models import Payout, Person, SubsidyType, Village, VillagerGroup, utcnow  # noqa: E402

OUT = ROOT / "bench" / "out"
ACTOR = "bench"
# Most rows in one village: the per-village ledger then pages through 900,000 of them (worst case).
VILLAGES = (("桃源村", 0.9), ("杏花村", 0.1))
MONTHLY = ("最低生活保障金", "高龄津贴", "公益性岗位补贴", "生态护林员补助", "特困人员救助供养金", "困难残疾人生活补贴")
GROUPS_PER_VILLAGE = 9
FIRST_MONTH = dt.date(2025, 3, 1)
_CHUNK = 20_000


def build_database(path: Path, people_count: int, months: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    database = open_database(path)
    try:
        initialize(database, ACTOR, "青山镇")
        for village, _ in VILLAGES:
            add_village(database, village, ACTOR)
        _fill(database, people_count, months)
    finally:
        database.close()


def _fill(database: Database, people_count: int, months: int) -> None:
    rng = random.Random(2026)
    people = make_people(people_count, seed=2026, rare_share=0.01)
    periods = [add_months(FIRST_MONTH, offset) for offset in range(months)]
    now = utcnow()
    with database.transaction() as session:
        types = dict(session.execute(select(SubsidyType.name, SubsidyType.id)).all())
        village_ids = dict(session.execute(select(Village.name, Village.id)).all())
        start = 0
        for village, share in VILLAGES:
            village_id = village_ids[village]
            session.execute(
                insert(VillagerGroup.__table__),
                [{"village_id": village_id, "name": f"{n}组"} for n in range(1, GROUPS_PER_VILLAGE + 1)],
            )
            group_ids = [
                row[0]
                for row in session.execute(select(VillagerGroup.id).where(VillagerGroup.village_id == village_id))
            ]
            count = round(people_count * share)
            chunk = people[start : start + count]
            start += count
            session.execute(
                insert(Person.__table__),
                [
                    {
                        "name": p.name,
                        "name_initials": names.pinyin_initials(p.name),
                        "id_number": p.id_number,
                        "phone": p.phone,
                        "account": p.account,
                        "village_id": village_id,
                        "group_id": rng.choice(group_ids),
                    }
                    for p in chunk
                ],
            )
            person_ids = [
                row[0]
                for row in session.execute(select(Person.id).where(Person.village_id == village_id).order_by(Person.id))
            ]
            rows = []
            for person_id in person_ids:
                subsidy_id = types[rng.choice(MONTHLY)]
                amount = rng.randrange(5000, 150000, 100)
                for period in periods:
                    rows.append(
                        {
                            "person_id": person_id,
                            "subsidy_type_id": subsidy_id,
                            "village_id": village_id,
                            "period": period,
                            "amount_fen": amount,
                            "pay_date": period.replace(day=15),
                            "standard": f"{amount // 100} 元/月",
                            "note": "",
                            "batch_id": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    if len(rows) >= _CHUNK:
                        session.execute(insert(Payout.__table__), rows)
                        rows = []
            if rows:
                session.execute(insert(Payout.__table__), rows)


def database_path(people_count: int, months: int) -> Path:
    return OUT / f"ledger-{people_count}x{months}.sqlite3"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=20)
    args = parser.parse_args()
    target = database_path(args.people, args.months)
    if not target.exists():
        began = time.perf_counter()
        build_database(target, args.people, args.months)
        print(f"built {target} in {time.perf_counter() - began:.1f} s")
