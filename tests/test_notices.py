"""Public notices (公示): every life-cycle step signed, the refusals, periods, objections, 备案.

domain.md "What the rules ask for" item 7 (先审后发: drafter → village committee → village
supervision committee), "Public-notice items" (最低生活保障 posted 7 days; some periods in working
days; objections recorded with their handling; 村干部近亲属 registered) and "Working days" (调休,
a year the calendar package does not know).
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.disclosure import mask_id
from app.core.notices import CADRE_RELATIVE_REMARK, State, parse_state
from app.core.periods import parse_month
from app.services import audit
from app.services.errors import ServiceError
from app.services.importing import ImportRequest, import_payouts
from app.services.notices import (
    NoticeDraft, RowInput, add_payout_rows, advance, create_notice, handle_objection, list_notices,
    mark_cadre_relative, notice_detail, raise_objection, return_to_draft, save_holiday_table,
)
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import grid, lines_for, write_xlsx

D = dt.date
START = D(2026, 11, 2)


def draft(**kw) -> NoticeDraft:
    values = dict(village=VILLAGE, subject="2026年11月最低生活保障新增对象公示", item_code="S03",
                  kind="最低生活保障", start=START, end=D(2026, 11, 8), place="村委会公开栏",
                  body="经本人申请、村民委员会入户调查，拟新增以下最低生活保障对象，现予公示。",
                  rows=(RowInput("李四", "", "2组", "最低生活保障", 56000),))
    values.update(kw)
    return NoticeDraft(**values)


def walk_to_posted(db, notice_id: int, on: dt.date = START) -> None:
    advance(db, notice_id, "王文书", on, ACTOR)
    advance(db, notice_id, "张主任", on, ACTOR)
    advance(db, notice_id, "赵监委", on, ACTOR, expect=State.POSTED)


def test_every_step_is_signed_by_a_named_person_with_a_date(db):
    notice_id = create_notice(db, draft(), ACTOR)
    assert notice_detail(db, notice_id).state is State.DRAFT
    walk_to_posted(db, notice_id)
    assert advance(db, notice_id, "王文书", D(2026, 11, 8), ACTOR) is State.EXPIRED
    assert advance(db, notice_id, "王文书", D(2026, 11, 20), ACTOR) is State.ARCHIVED
    detail = notice_detail(db, notice_id)
    assert [(s.to_state, s.signed_by) for s in detail.steps] == [
        ("committee_review", "王文书"), ("supervision_review", "张主任"), ("posted", "赵监委"),
        ("expired", "王文书"), ("archived", "王文书")]
    assert detail.steps[2].signed_on == START and detail.notice.result == "公示期满无异议"
    assert detail.item_name == "最低生活保障和特困供养"
    with pytest.raises(ServiceError, match="没有下一步"):
        advance(db, notice_id, "王文书", D(2026, 11, 21), ACTOR)
    with db.reading() as session:
        assert len(audit.entries(session, entity="notice", action="step")) == 5
    assert [n.state for n in list_notices(db, VILLAGE, parse_state("归档"))] == [State.ARCHIVED]


def test_nothing_is_posted_unreviewed_and_no_step_is_unsigned(db):
    """domain.md item 7: review before publication."""
    notice_id = create_notice(db, draft(), ACTOR)
    before = row_counts(db)
    with pytest.raises(ServiceError, match="未经村民委员会和村务监督委员会审核，不能张贴"):
        advance(db, notice_id, "王文书", START, ACTOR, expect=State.POSTED)
    with pytest.raises(ServiceError, match="签名人"):
        advance(db, notice_id, "  ", START, ACTOR)
    advance(db, notice_id, "王文书", START, ACTOR)
    with pytest.raises(ServiceError, match="不能张贴"):
        advance(db, notice_id, "张主任", START, ACTOR, expect=State.POSTED)
    with pytest.raises(ServiceError, match="拟稿人不能审核"):
        advance(db, notice_id, "王文书", START, ACTOR)
    advance(db, notice_id, "张主任", START, ACTOR)
    with pytest.raises(ServiceError, match="同一人"):
        advance(db, notice_id, "张主任", START, ACTOR)
    assert row_counts(db)["notice_step"] == before["notice_step"] + 2
    assert notice_detail(db, notice_id).state is State.SUPERVISION_REVIEW


def test_returning_to_draft_needs_a_reason_and_the_review_starts_again(db):
    notice_id = create_notice(db, draft(), ACTOR)
    advance(db, notice_id, "王文书", START, ACTOR)
    advance(db, notice_id, "张主任", START, ACTOR)
    with pytest.raises(ServiceError, match="原因"):
        return_to_draft(db, notice_id, "赵监委", START, " ", ACTOR)
    return_to_draft(db, notice_id, "赵监委", START, "金额与台账不符", ACTOR)
    detail = notice_detail(db, notice_id)
    assert detail.state is State.DRAFT and detail.steps[-1].reason == "金额与台账不符"
    with pytest.raises(ServiceError, match="不能退回"):
        return_to_draft(db, notice_id, "赵监委", START, "再退一次", ACTOR)
    walk_to_posted(db, notice_id)
    assert notice_detail(db, notice_id).state is State.POSTED


def test_minimum_living_allowance_is_posted_at_least_seven_days(db):
    """domain.md "Public-notice items": 最低生活保障 is posted 7 days (民政部 2021)."""
    before = row_counts(db)
    with pytest.raises(ServiceError, match="公示期不少于 7 天.*最早到 2026-11-08"):
        create_notice(db, draft(end=D(2026, 11, 7)), ACTOR)
    assert row_counts(db) == before
    create_notice(db, draft(end=D(2026, 11, 8)), ACTOR)


def test_posting_later_than_planned_counts_from_the_real_posting_day(db):
    notice_id = create_notice(db, draft(), ACTOR)
    advance(db, notice_id, "王文书", START, ACTOR)
    advance(db, notice_id, "张主任", START, ACTOR)
    with pytest.raises(ServiceError, match="最早到 2026-11-10"):
        advance(db, notice_id, "赵监委", D(2026, 11, 4), ACTOR)
    assert notice_detail(db, notice_id).state is State.SUPERVISION_REVIEW


def test_working_day_period_across_the_national_day_swapped_saturday(db):
    """domain.md "Working days": 2026-10-10 is a swapped-in Saturday workday. 宅基地审批 is posted
    5 working days: from 2026-09-30 they are 9-30, 10-8, 10-9, 10-10 and 10-12."""
    homestead = dict(item_code="S05", kind="宅基地审批", start=D(2026, 9, 30), rows=(), body="张三申请宅基地120平方米。")
    with pytest.raises(ServiceError, match="最早到 2026-10-12"):
        create_notice(db, draft(end=D(2026, 10, 11), **homestead), ACTOR)
    assert create_notice(db, draft(end=D(2026, 10, 12), **homestead), ACTOR)


def test_a_year_the_calendar_does_not_know_is_said_not_guessed_until_the_township_types_it_in(db):
    homestead = dict(item_code="S05", kind="宅基地审批", start=D(2030, 2, 1), end=D(2030, 2, 14), rows=(),
                     body="宅基地申请公示。")
    with pytest.raises(ServiceError, match="2030 年的法定节假日和调休安排还不知道"):
        create_notice(db, draft(**homestead), ACTOR)
    # The township types in 2030's Spring Festival: 2-4 to 2-8 off, Saturday 2-9 worked.
    save_holiday_table(db, 2030, [D(2030, 2, d) for d in range(4, 9)], [D(2030, 2, 9)], ACTOR)
    # Five working days from Friday 2-1: 2-1, 2-9, 2-11, 2-12, 2-13.
    with pytest.raises(ServiceError, match="最早到 2030-02-13"):
        create_notice(db, draft(**{**homestead, "end": D(2030, 2, 12)}), ACTOR)
    assert create_notice(db, draft(**homestead), ACTOR)


def test_an_open_objection_keeps_the_notice_from_ending_and_the_outcome_is_stated(db):
    """domain.md "Public-notice items": each objection recorded with its handling."""
    notice_id = create_notice(db, draft(), ACTOR)
    with pytest.raises(ServiceError, match="公示期间"):
        raise_objection(db, notice_id, "", START, "李四家有小轿车", ACTOR)
    walk_to_posted(db, notice_id)
    objection = raise_objection(db, notice_id, "", D(2026, 11, 3), "李四家有小轿车", ACTOR)
    with pytest.raises(ServiceError, match="才满"):
        advance(db, notice_id, "王文书", D(2026, 11, 7), ACTOR)
    with pytest.raises(ServiceError, match="未处理完的异议"):
        advance(db, notice_id, "王文书", D(2026, 11, 9), ACTOR)
    assert list_notices(db, VILLAGE)[0].open_objections == 1
    with pytest.raises(ServiceError, match="处理结果"):
        handle_objection(db, objection, "入户核查", "再说", "张主任", D(2026, 11, 5), ACTOR)
    handle_objection(db, objection, "入户核查：车辆登记在其子名下，已分户", "异议不成立", "张主任", D(2026, 11, 5), ACTOR)
    advance(db, notice_id, "王文书", D(2026, 11, 9), ACTOR)
    detail = notice_detail(db, notice_id)
    assert detail.notice.result == "公示期间收到异议 1 件，均已处理且不成立，公示通过"
    assert detail.objections[0].raised_by == "" and detail.objections[0].outcome == "rejected"


def test_an_upheld_objection_ends_the_notice_as_not_passed(db):
    notice_id = create_notice(db, draft(), ACTOR)
    walk_to_posted(db, notice_id)
    objection = raise_objection(db, notice_id, "王五", D(2026, 11, 3), "收入核算漏了务工收入", ACTOR)
    handle_objection(db, objection, "复核属实", "异议成立", "张主任", D(2026, 11, 6), ACTOR)
    advance(db, notice_id, "王文书", D(2026, 11, 8), ACTOR)
    assert "未通过" in notice_detail(db, notice_id).notice.result


def test_payout_rows_come_from_the_ledger_and_a_cadre_relative_is_registered(db, people, tmp_path):
    """domain.md "Public-notice items": a recipient related to a village cadre is registered (备案)."""
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:3]))),
                                     village=VILLAGE), ACTOR)
    notice_id = create_notice(db, draft(rows=()), ACTOR)
    assert add_payout_rows(db, notice_id, parse_month("2026-10"), ACTOR, subsidy="最低生活保障金") == 3
    with pytest.raises(ServiceError, match="关系"):
        mark_cadre_relative(db, notice_id, 2, "", ACTOR)
    mark_cadre_relative(db, notice_id, 2, "村主任张某之弟", ACTOR)
    rows = notice_detail(db, notice_id).rows
    ids = {p.name: p.id_number for p in people[:3]}
    assert sorted(r.name for r in rows) == sorted(ids)
    assert [r.cadre_relative for r in rows] == [False, True, False]
    # The ledger's ID numbers are masked (issue 17): a notice takes them so, never decrypted.
    assert all(r.amount_fen == 56000 and r.id_number == mask_id(ids[r.name]) and r.payout_id for r in rows)
    with db.reading() as session:
        registered = audit.entries(session, entity="notice", action="register_relative")
    assert "村主任张某之弟" in registered[0].after
    walk_to_posted(db, notice_id)
    with pytest.raises(ServiceError, match="只有草稿可以修改"):
        mark_cadre_relative(db, notice_id, 1, "村会计之妻", ACTOR)
    assert CADRE_RELATIVE_REMARK == "村干部近亲属，已备案"


def test_a_notice_must_point_at_a_catalog_item_and_say_something(db):
    with pytest.raises(ServiceError) as caught:
        create_notice(db, draft(item_code="S99", body="", rows=(), place=""), ACTOR)
    text = "\n".join(caught.value.problems)
    assert "S99" in text and "正文或附表" in text and "张贴地点" in text


def test_an_id_number_typed_into_a_subject_is_masked_in_listings(db, people):
    number = people[3].id_number
    create_notice(db, draft(subject=f"关于{number}的申请公示"), ACTOR)
    (summary,) = list_notices(db, VILLAGE)
    assert number not in summary.subject and number[:6] in summary.subject and number[-4:] in summary.subject
