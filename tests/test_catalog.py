"""The disclosure catalog: seeded from data, edited by township and village, versioned.

domain.md, "What the rules ask for" items 3-5: each village keeps a catalog whose entries carry
name, content, basis, time limit, responsible body, channel, audience, manner and a phone, with a
rhythm; the catalog hangs on the wall, so the printed copy must say which version it shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app.core.catalog import BULLETIN_ITEM, CatalogEntry, obligation_due_in, obligation_ending_in
from app.core.subsidy_types import Rhythm
from app.resources import resource_path
from app.services import audit
from app.services.catalog import (
    push_standard, remove_standard_item, remove_village_item, save_standard_item, save_village_item,
    seed_catalogs, standard_catalog, village_catalog,
)
from app.services.errors import ServiceError
from app.services.villages import add_village
from tests.conftest import ACTOR, VILLAGE

REQUIRED = ["村级财务收支", "惠民惠农补贴资金发放", "最低生活保障和特困供养", "临时救助", "宅基地审批",
            "集体资产资源（发包、租赁、出让）", "村级工程项目", "村级重大事项决策（“四议两公开”）", "征地补偿",
            "村干部报酬", "一事一议筹资筹劳"]


def own_item(**kw) -> CatalogEntry:
    values = dict(code="", name="村集体林场承包", content="承包方、期限、承包费", basis="村民会议决定",
                  time_limit="签约后10日内", responsible="村民委员会", channels=("公开栏",), audience="全社会",
                  manner="主动公开", rhythm=Rhythm.YEARLY, due_day=15, phone="0351-7654321")
    values.update(kw)
    return CatalogEntry(**values)


def test_village_catalog_is_seeded_from_the_data_file_with_every_element(db):
    view = village_catalog(db, VILLAGE, ACTOR)
    names = [e.name for e in view.entries]
    assert names[: len(REQUIRED)] == REQUIRED
    seed = json.loads(resource_path("seed", "disclosure_catalog.json").read_text(encoding="utf-8"))
    assert [e.name for e in view.entries] == [item["name"] for item in seed["items"]]
    finance = view.entries[0]
    assert finance.rhythm is Rhythm.MONTHLY and finance.due_day == 10
    assert finance.channels == ("公开栏", "村民微信群") and finance.manner == "主动公开"
    assert finance.basis.startswith("《中华人民共和国村民委员会组织法》")
    assert (view.number, view.standard_number) == (1, 1)
    assert [e.code for e in view.entries][:2] == ["S01", "S02"]
    assert sum(e.bulletin for e in view.entries) == 1 and view.entry("S02").name == BULLETIN_ITEM
    # A second read does not create another version.
    assert village_catalog(db, VILLAGE, ACTOR).number == 1


def test_village_adds_edits_and_removes_its_own_items_each_a_new_version(db):
    first = village_catalog(db, VILLAGE, ACTOR)
    added = save_village_item(db, VILLAGE, own_item(), ACTOR)
    assert added.number == first.number + 1
    mine = added.entries[-1]
    assert (mine.code, mine.origin, mine.name) == ("V01", "village", "村集体林场承包")
    edited = save_village_item(db, VILLAGE, dataclasses.replace(mine, time_limit="签约后5日内"), ACTOR)
    assert edited.entry("V01").time_limit == "签约后5日内" and edited.number == 3
    with pytest.raises(ServiceError, match="乡镇统一修改"):
        save_village_item(db, VILLAGE, dataclasses.replace(edited.entry("S01"), content="改"), ACTOR)
    with pytest.raises(ServiceError, match="不能删除"):
        remove_village_item(db, VILLAGE, "S01", "不想公开", ACTOR)
    removed = remove_village_item(db, VILLAGE, "V01", "林场已交回", ACTOR)
    assert "V01" not in [e.code for e in removed.entries] and removed.number == 4
    with db.reading() as session:
        saves = audit.entries(session, entity="catalog_version", action="save")
    assert len(saves) == 5  # standard v1, village v1..v4


def test_an_incomplete_item_is_refused_naming_every_missing_element(db):
    with pytest.raises(ServiceError) as caught:
        save_village_item(db, VILLAGE, own_item(content=" ", channels=(), manner="随便"), ACTOR)
    text = "\n".join(caught.value.problems)
    assert "公开内容" in text and "公开渠道" in text and "公开方式" in text
    assert village_catalog(db, VILLAGE, ACTOR).number == 1


def test_township_edits_the_standard_set_and_pushes_it_keeping_village_items(db):
    add_village(db, "杏花村", ACTOR)
    assert seed_catalogs(db, ACTOR) == 2
    save_village_item(db, VILLAGE, own_item(), ACTOR)
    standard = standard_catalog(db, ACTOR)
    changed = dataclasses.replace(standard.entry("S01"), time_limit="每月公开一次，次月5日前", due_day=5)
    save_standard_item(db, changed, ACTOR)
    new = remove_standard_item(db, "S11", "并入村级财务收支", ACTOR)
    assert new.number == 3
    # Not pushed yet: the village still shows what it was given.
    assert village_catalog(db, VILLAGE, ACTOR).entry("S01").due_day == 10
    assert push_standard(db, ACTOR) == 2
    after = village_catalog(db, VILLAGE, ACTOR)
    assert after.standard_number == 3 and after.entry("S01").due_day == 5
    assert "S11" not in [e.code for e in after.entries]
    assert after.entries[-1].code == "V01"  # the village's own item survives the push
    assert village_catalog(db, "杏花村", ACTOR).standard_number == 3
    assert push_standard(db, ACTOR) == 0  # nothing new to send


def test_obligations_follow_the_rhythm_and_the_due_day():
    """domain.md item 5: ordinary items quarterly, finances monthly; the deadline is in the next month."""
    oct_ = dt.date(2026, 10, 1)
    monthly = obligation_due_in(Rhythm.MONTHLY, 10, oct_)
    assert (monthly.period_start, monthly.period_end, monthly.deadline) == (
        dt.date(2026, 9, 1), dt.date(2026, 9, 30), dt.date(2026, 10, 10))
    quarterly = obligation_due_in(Rhythm.QUARTERLY, 10, oct_)
    assert (quarterly.period_start, quarterly.deadline) == (dt.date(2026, 7, 1), dt.date(2026, 10, 10))
    assert obligation_due_in(Rhythm.QUARTERLY, 10, dt.date(2026, 11, 1)) is None
    yearly = obligation_due_in(Rhythm.YEARLY, 31, dt.date(2027, 1, 1))
    assert (yearly.period_start, yearly.deadline) == (dt.date(2026, 1, 1), dt.date(2027, 1, 31))
    assert obligation_ending_in(Rhythm.AS_NEEDED, 10, oct_) is None
    # Day 31 in a short month is that month's last day.
    assert obligation_due_in(Rhythm.MONTHLY, 31, dt.date(2026, 2, 1)).deadline == dt.date(2026, 2, 28)
