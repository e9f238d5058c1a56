"""Entering, correcting, deleting and revealing single payouts: validated and audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.core.periods import parse_month
from app.services.audit import entries
from app.services.errors import Conflict, ServiceError
from app.services.ledger import LedgerFilter, fetch_page, summarize
from app.services.payouts import PayoutInput, add_payout, delete_payout, load_record, reveal_id_number, update_payout
from app.services.subsidies import list_subsidies
from app.storage.models import Village
from tests.conftest import ACTOR
from tests.db_state import row_counts

OCT = parse_month("2026-10")


@pytest.fixture
def village_id(db) -> int:
    with db.reading() as session:
        return session.execute(select(Village.id)).scalar_one()


@pytest.fixture
def dibao(db) -> int:
    return next(s.id for s in list_subsidies(db) if s.name == "最低生活保障金")


def entry(person, subsidy_id, **kw) -> PayoutInput:
    values = dict(name=person.name, id_number=person.id_number, subsidy_type_id=subsidy_id, period=OCT,
                  amount="560", pay_date=dt.date(2026, 10, 15), group="2组")
    values.update(kw)
    return PayoutInput(**values)


def test_add_is_stored_and_audited(db, people, village_id, dibao):
    payout_id = add_payout(db, village_id, entry(people[0], dibao), ACTOR)
    record = load_record(db, payout_id)
    assert (record.name, record.amount_fen, record.group) == (people[0].name, 56000, "2组")
    with db.reading() as session:
        logged = entries(session, entity="payout")
    assert [(e.action, e.entity_id, e.actor) for e in logged] == [("create", payout_id, ACTOR)]
    assert json.loads(logged[0].after)["amount_fen"] == 56000


def test_invalid_entry_lists_every_field_and_writes_nothing(db, people, village_id, dibao):
    before = row_counts(db)
    bad = entry(people[0], dibao, id_number=people[0].id_number[:17], amount="-3", name="")
    with pytest.raises(ServiceError) as caught:
        add_payout(db, village_id, bad, ACTOR)
    assert len(caught.value.problems) == 3
    assert row_counts(db) == before


def test_double_payment_is_refused(db, people, village_id, dibao):
    add_payout(db, village_id, entry(people[0], dibao), ACTOR)
    before = row_counts(db)
    with pytest.raises(Conflict, match="同一人同月同项目不能重复发放"):
        add_payout(db, village_id, entry(people[0], dibao, amount="1"), ACTOR)
    assert row_counts(db) == before


def test_update_records_before_and_after(db, people, village_id, dibao):
    payout_id = add_payout(db, village_id, entry(people[0], dibao), ACTOR)
    update_payout(db, payout_id, entry(people[0], dibao, amount="580.50", note="补发差额"), ACTOR)
    assert load_record(db, payout_id).amount_fen == 58050
    with db.reading() as session:
        update = entries(session, entity="payout", action="update")[0]
    assert json.loads(update.before)["amount_fen"] == 56000
    assert json.loads(update.after)["amount_fen"] == 58050


def test_delete_keeps_the_content_in_the_audit_log(db, people, village_id, dibao):
    payout_id = add_payout(db, village_id, entry(people[0], dibao), ACTOR)
    delete_payout(db, payout_id, ACTOR)
    with db.reading() as session:
        assert summarize(session, LedgerFilter()) == (0, 0)
        deleted = entries(session, entity="payout", action="delete")[0]
    assert json.loads(deleted.before)["amount_fen"] == 56000


def test_reveal_full_id_is_audited(db, people, village_id, dibao):
    payout_id = add_payout(db, village_id, entry(people[0], dibao), ACTOR)
    assert reveal_id_number(db, payout_id, "李会计") == people[0].id_number
    with db.reading() as session:
        (logged,) = entries(session, action="reveal_id")
    assert logged.actor == "李会计"


def test_filter_by_pinyin_initials_and_sort_in_sql(db, village_id, dibao):
    from app.core.synthetic import make_id_number
    import random

    rng = random.Random(9)
    for name, amount in (("张三", "300"), ("张三丰", "100"), ("李四", "200")):
        person = type("P", (), {"name": name, "id_number": make_id_number(rng)})
        add_payout(db, village_id, entry(person, dibao, amount=amount), ACTOR)
    with db.reading() as session:
        by_initials = fetch_page(session, LedgerFilter(text="zs"), 0, 50, sort="amount")
        by_name = fetch_page(session, LedgerFilter(text="李"), 0, 50)
        descending = fetch_page(session, LedgerFilter(), 0, 50, sort="amount", descending=True)
        assert summarize(session, LedgerFilter(text="zs")) == (2, 40000)
    assert [r.name for r in by_initials] == ["张三丰", "张三"]
    assert [r.name for r in by_name] == ["李四"]
    assert [r.amount_fen for r in descending] == [30000, 20000, 10000]


def test_a_surname_is_found_by_its_surname_reading_and_its_everyday_one(db, village_id, dibao):
    from app.core.synthetic import make_id_number
    import random

    rng = random.Random(11)
    for name in ("曾国藩", "单雄信", "邓雄心"):
        person = type("P", (), {"name": name, "id_number": make_id_number(rng)})
        add_payout(db, village_id, entry(person, dibao, amount="100"), ACTOR)
    with db.reading() as session:
        def found(text: str) -> list[str]:
            return sorted(r.name for r in fetch_page(session, LedgerFilter(text=text), 0, 50))

        assert found("zgf") == found("cgf") == ["曾国藩"]
        assert found("sxx") == ["单雄信"]
        assert found("dxx") == ["单雄信", "邓雄心"]
