"""`init --demo`: a township, three villages, a few hundred synthetic people, a year of payouts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import insert, select
from sqlmodel import Session, col

from app.core import names
from app.core.periods import add_months
from app.core.synthetic import RARE, make_people
from app.services import audit
from app.services.errors import Conflict
from app.services.setup import DEFAULT_TOWNSHIP, ensure_township, seed_subsidy_types
from app.storage.engine import Database
from app.storage.keys import cipher_for
from app.storage.models import Payout, Person, SubsidyType, Village, VillagerGroup, table_of, utcnow

DEMO_TOWNSHIP = "青山镇"
DEMO_TOWNSHIP_CODE = "140123101"  # 统计用区划代码: county 140123, township 101
DEMO_VILLAGES = (("桃源村", "140123101201"), ("杏花村", "140123101202"), ("石门村", "140123101203"))
# Every setting a public sheet needs (app.services.village_settings.REQUIRED_FOR), so the demo prints.
DEMO_CONTACTS = {
    "supervision_phone": "0351-1234567",
    "consult_phone": "0351-7654321",
    "contact_person": "王文书",
    "board_place": "村委会大院门口公开栏",
    "board_hours": "工作日 上午8:30—12:00，下午14:30—17:30",
}
PEOPLE_PER_VILLAGE = 120
# (subsidy, share of villagers receiving it, monthly amount in 分 or None for yearly/one-off)
_PLAN = (
    ("最低生活保障金", 0.12, 56000),
    ("特困人员救助供养金", 0.03, 78000),
    ("高龄津贴", 0.08, 10000),
    ("困难残疾人生活补贴", 0.04, 9000),
    ("重度残疾人护理补贴", 0.03, 9000),
    ("公益性岗位补贴", 0.04, 120000),
)
_YEARLY = (("耕地地力保护补贴", 0.9, 11), ("生态公益林补偿", 0.3, 12))


def demo_months(today: dt.date) -> list[dt.date]:
    last = add_months(today.replace(day=1), -1)
    return [add_months(last, -offset) for offset in range(11, -1, -1)]


def seed_demo(db: Database, actor: str, today: dt.date | None = None, seed: int = 7) -> int:
    """Returns the number of payouts written. Refuses to run on a database that holds villages."""
    months = demo_months(today or dt.date.today())
    rng = random.Random(seed)
    with db.transaction() as session:
        if session.execute(select(col(Village.id))).first():
            raise Conflict("数据库中已经有村的数据，演示数据只能放进新的数据库")
        township = ensure_township(session, actor, DEMO_TOWNSHIP)
        if township.name == DEFAULT_TOWNSHIP:  # a fresh database's placeholder: the demo names it
            township.name = DEMO_TOWNSHIP
        township.code = township.code or DEMO_TOWNSHIP_CODE
        session.add(township)
        seed_subsidy_types(session, actor)
        types = {row.name: row.id or 0 for row in session.scalars(select(SubsidyType))}
        total = 0
        people = make_people(PEOPLE_PER_VILLAGE * len(DEMO_VILLAGES), seed=seed, rare_share=0.0)
        for index, (village_name, code) in enumerate(DEMO_VILLAGES):
            village = Village(name=village_name, code=code, township_id=township.id)
            for key, value in DEMO_CONTACTS.items():
                setattr(village, key, value)
            session.add(village)
            session.flush()
            group_ids = _groups(session, village.id or 0)
            chunk = people[index * PEOPLE_PER_VILLAGE : (index + 1) * PEOPLE_PER_VILLAGE]
            # A few rare-character names (生僻字) in every village, so the fonts are exercised.
            chunk = [
                p if i % 40 else dataclasses.replace(p, name=p.name[:-1] + RARE[i // 40 % 2])
                for i, p in enumerate(chunk)
            ]
            person_ids = _people(session, village.id or 0, group_ids, chunk, rng)
            total += _payouts(session, village.id or 0, person_ids, types, months, rng)
        audit.record(session, actor, "demo", "database", None, after={"payouts": total})
        return total


def _groups(session: Session, village_id: int) -> list[int]:
    ids = []
    for number in range(1, 6):
        group = VillagerGroup(village_id=village_id, name=f"{number}组")
        session.add(group)
        session.flush()
        ids.append(group.id or 0)
    return ids


def _people(session: Session, village_id: int, group_ids: list[int], people, rng: random.Random) -> list[int]:
    table = table_of(Person)
    cipher = cipher_for(session.get_bind())
    sealed = [cipher.seal(p.id_number, p.phone, p.account) for p in people]
    session.execute(
        insert(table),
        [
            {"name": p.name, "name_initials": names.pinyin_initials(p.name), **s.columns(),
             "village_id": village_id, "group_id": rng.choice(group_ids)}
            for p, s in zip(people, sealed, strict=True)
        ],
    )
    indexes = [s.id_index for s in sealed]
    rows = session.execute(select(table.c.id_index, table.c.id).where(table.c.id_index.in_(indexes)))
    by_index = dict(rows.all())
    return [by_index[index] for index in indexes]


def _payouts(session, village_id: int, person_ids: list[int], types: dict[str, int], months, rng) -> int:
    now = utcnow()
    rows = []

    def add(person_id: int, subsidy: str, period: dt.date, fen: int, note: str = "") -> None:
        rows.append(
            {
                "person_id": person_id,
                "subsidy_type_id": types[subsidy],
                "village_id": village_id,
                "period": period,
                "amount_fen": fen,
                "pay_date": period.replace(day=rng.choice((10, 12, 15, 18))),
                "standard": f"{fen // 100} 元/月" if note != "yearly" else "按面积",
                "note": "",
                "batch_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )

    for subsidy, share, monthly in _PLAN:
        for person_id in rng.sample(person_ids, max(1, int(len(person_ids) * share))):
            for period in months:
                add(person_id, subsidy, period, monthly)
    for subsidy, share, month_number in _YEARLY:
        period = next((m for m in months if m.month == month_number), months[-1])
        for person_id in rng.sample(person_ids, int(len(person_ids) * share)):
            add(person_id, subsidy, period, rng.randrange(5000, 150000, 50), "yearly")
    session.execute(insert(table_of(Payout)), rows)
    return len(rows)


def seed_demo_history(db: Database, actor: str, today: dt.date | None = None) -> int:
    """What a village's year leaves behind, so every page of the demo has something to show: the
    catalogs, filing settings, every month's sheet but the last posted (and so filed), and one notice
    on the board. Each through its own service call, as a clerk would. Returns the sheets posted."""
    from app.services import archive
    from app.services.bulletin import publish
    from app.services.catalog import seed_catalogs
    from app.services.notices import NoticeDraft, add_payout_rows, advance, create_notice

    months = demo_months(today or dt.date.today())
    seed_catalogs(db, actor)
    posted = 0
    for number, (village, _code) in enumerate(DEMO_VILLAGES, start=1):
        archive.configure(db, village, f"J{number:03d}", actor, default_category="GK")
        for month in months[:-1]:  # the newest month is left open for the clerk to try things on
            posted_on = add_months(month, 1).replace(day=2)
            publish(db, village, month, posted_on, "王文书", actor, backdate=True)  # history, entered afterwards
            posted += 1
    start = add_months(months[-1], 1).replace(day=2)
    notice_id = create_notice(db, NoticeDraft(
        village=DEMO_VILLAGES[0][0], subject=f"{months[-1].year}年{months[-1].month}月最低生活保障对象公示",
        item_code="S03", kind="最低生活保障", start=start, end=start + dt.timedelta(days=9),
        place="村委会公开栏", body="经本人申请、村民委员会入户调查和民主评议，以下家庭享受最低生活保障，现予公示。"
        "如有异议，请在公示期内向村务监督委员会反映。", rows=()), actor)
    add_payout_rows(db, notice_id, months[-1], actor, subsidy="最低生活保障金")
    for signer in ("王文书", "张主任", "赵监委"):
        advance(db, notice_id, signer, start, actor)
    return posted
