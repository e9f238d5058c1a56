"""Benchmark: the ledger as a clerk on the township server, row-level security in force (issue 16).

Target: for one village, the ledger's first page (what the window paints first: the page and the
count/total line) and a name filter, as a clerk whose rows PostgreSQL filters by its policies, within
1.5× the same calls as the database owner (to whom the policies do not apply).
Run: python bench/bench_rls.py [--server URL] [--villages 40] [--payouts 2000] [--repeat 15]

The server URL names a role that may create databases and roles (CI's `cunwu_ci`; default
CUNWU_TEST_PG_URL). A fresh database is built for each run (40 villages × 2,000 payouts: 200 synthetic
people per village paid monthly for 10 months) and dropped afterwards, with the clerk's role.

Both sides call the same service functions the window's worker calls (`ledger_page`, `ledger_summary`)
through their own `open_database`, interleaved, each figure the median of `--repeat` runs; "fresh" is a
new connection's first page (connect, sign in and the first query), the clerk's wait at start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.core import names  # noqa: E402
from app.core.periods import add_months  # noqa: E402
from app.core.synthetic import make_people  # noqa: E402
from app.services.ledger import ledger_page, ledger_summary  # noqa: E402
from app.services.ledger_filter import LedgerFilter  # noqa: E402
from app.services.setup import initialize  # noqa: E402
from app.services.users import add_user  # noqa: E402
from app.services.villages import add_village  # noqa: E402
from app.storage.engine import Database, open_database  # noqa: E402
from app.storage.keys import cipher_for  # noqa: E402
from app.storage.models import Payout, Person, SubsidyType, Village, VillagerGroup, utcnow  # noqa: E402

ACTOR = "bench"
TARGET_RATIO = 1.5
PAGE = 500  # the window's page size
MONTHS = 10
FIRST_MONTH = dt.date(2026, 1, 1)
SUBSIDIES = ("最低生活保障金", "高龄津贴", "公益性岗位补贴")


def build(db: Database, villages: int, payouts: int) -> list[int]:
    initialize(db, ACTOR, "青山镇")
    for n in range(villages):
        add_village(db, f"第{n + 1}村", ACTOR)
    per_village = payouts // MONTHS
    people = make_people(villages * per_village, seed=16, rare_share=0.01)
    periods = [add_months(FIRST_MONTH, k) for k in range(MONTHS)]
    rng, now = random.Random(16), utcnow()
    with db.transaction() as session:
        types = dict(session.execute(select(SubsidyType.name, SubsidyType.id)).all())
        village_ids = [row[0] for row in session.execute(select(Village.id).order_by(Village.id))]
        cipher = cipher_for(session.get_bind())
        for index, village_id in enumerate(village_ids):
            group_id = session.execute(
                insert(VillagerGroup.__table__).values(village_id=village_id, name="1组").returning(VillagerGroup.id)
            ).scalar_one()
            chunk = people[index * per_village:(index + 1) * per_village]
            sealed = [cipher.seal(p.id_number, p.phone, p.account) for p in chunk]
            person_ids = session.execute(
                insert(Person.__table__).returning(Person.id),
                [{"name": p.name, "name_initials": names.pinyin_initials(p.name), **s.columns(),
                  "village_id": village_id, "group_id": group_id}
                 for p, s in zip(chunk, sealed, strict=True)],
            ).scalars().all()
            rows = []
            for person_id in person_ids:
                subsidy, amount = types[rng.choice(SUBSIDIES)], rng.randrange(5000, 150000, 100)
                rows += [{"person_id": person_id, "subsidy_type_id": subsidy, "village_id": village_id,
                          "period": period, "amount_fen": amount, "pay_date": period.replace(day=15),
                          "standard": f"{amount // 100} 元/月", "note": "", "batch_id": None,
                          "created_at": now, "updated_at": now} for period in periods]
            session.execute(insert(Payout.__table__), rows)
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return village_ids


def first_paint(db: Database, village_id: int) -> None:
    flt = LedgerFilter(village_id=village_id)
    ledger_page(db, flt, 0, PAGE)
    ledger_summary(db, flt)


def name_filter(db: Database, village_id: int, text_: str) -> None:
    flt = LedgerFilter(village_id=village_id, text=text_)
    ledger_page(db, flt, 0, PAGE)
    ledger_summary(db, flt)


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("CUNWU_TEST_PG_URL", ""))
    parser.add_argument("--villages", type=int, default=40)
    parser.add_argument("--payouts", type=int, default=2000, help="payouts per village")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if not args.server:
        print("需要 PostgreSQL 服务器：--server URL 或环境变量 CUNWU_TEST_PG_URL", file=sys.stderr)
        return 2
    os.environ.setdefault("CUNWU_KEY_DIR", str(ROOT / "bench" / "out" / "keys"))
    name = "cunwu_bench_rls_" + uuid.uuid4().hex[:8]
    clerk, password = "bench_clerk_" + uuid.uuid4().hex[:8], "bench-" + uuid.uuid4().hex
    admin = create_engine(args.server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    owner_url = make_url(args.server).set(database=name)
    owner = open_database(owner_url.render_as_string(hide_password=False))
    clerk_db: Database | None = None
    try:
        started = time.perf_counter()
        village_ids = build(owner, args.villages, args.payouts)
        target = village_ids[len(village_ids) // 2]
        with owner.engine.connect() as connection:
            village_name = connection.execute(select(Village.name).where(Village.id == target)).scalar_one()
        add_user(owner, clerk, "clerk", [village_name], password, ACTOR)
        print(f"built {args.villages} villages × {args.payouts} payouts in {time.perf_counter() - started:.1f} s; "
              f"clerk {clerk} for {village_name}")
        clerk_url = owner_url.set(username=clerk, password=password).render_as_string(hide_password=False)
        clerk_db = open_database(clerk_url)
        owner_text = owner_url.render_as_string(hide_password=False)

        initials = "z"  # a common first initial: a filter that keeps part of the village
        cases = {
            "first page + total": lambda db: first_paint(db, target),
            "name filter 'z'": lambda db: name_filter(db, target, initials),
        }
        for db in (owner, clerk_db):  # warm both: plans, caches, the key
            for case in cases.values():
                case(db)
        assert ledger_summary(clerk_db, LedgerFilter()) == ledger_summary(owner, LedgerFilter(village_id=target)), \
            "the clerk must see exactly its village"

        print(f"{'case':24} {'owner ms':>9} {'clerk ms':>9} {'ratio':>6}")
        worst = 0.0
        for label, case in cases.items():
            owner_times, clerk_times = [], []
            for _ in range(args.repeat):
                owner_times.append(timed(lambda: case(owner)))  # noqa: B023
                clerk_times.append(timed(lambda: case(clerk_db)))  # noqa: B023
            o, c = statistics.median(owner_times), statistics.median(clerk_times)
            worst = max(worst, c / o)
            print(f"{label:24} {o * 1000:9.1f} {c * 1000:9.1f} {c / o:6.2f}")

        fresh_owner, fresh_clerk = [], []
        for _ in range(max(3, args.repeat // 3)):
            for url, into in ((owner_text, fresh_owner), (clerk_url, fresh_clerk)):
                def fresh(url: str = url) -> None:
                    with open_database(url) as db:
                        first_paint(db, target)
                into.append(timed(fresh))
        o, c = statistics.median(fresh_owner), statistics.median(fresh_clerk)
        worst = max(worst, c / o)
        print(f"{'fresh connection':24} {o * 1000:9.1f} {c * 1000:9.1f} {c / o:6.2f}")
        verdict = "met" if worst <= TARGET_RATIO else "MISSED"
        print(f"worst ratio {worst:.2f} (target ≤ {TARGET_RATIO}): {verdict}")
        return 0
    finally:
        if clerk_db is not None:
            clerk_db.close()
        owner.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{clerk}"'))
            for group in ("township", "clerk", "supervisor"):
                connection.execute(text(f'DROP ROLE IF EXISTS "{name}_{group}"'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
