"""Public notices (公示): the review life cycle, the minimum posting periods, objections.

domain.md "What the rules ask for" item 7 (先审后发: drafter → village committee → village
supervision committee) and "Public-notice items" (periods per kind, objections recorded with their
handling, 村干部近亲属 registered as 备案). Pure rules: the service layer stores and audits.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from app.core.workdays import WorkCalendar


class State(str, enum.Enum):
    DRAFT = "draft"
    COMMITTEE_REVIEW = "committee_review"
    SUPERVISION_REVIEW = "supervision_review"
    POSTED = "posted"
    EXPIRED = "expired"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.DRAFT: "草稿",
    State.COMMITTEE_REVIEW: "村委会审核",
    State.SUPERVISION_REVIEW: "村务监督委员会审核",
    State.POSTED: "公示中",
    State.EXPIRED: "期满",
    State.ARCHIVED: "归档",
}
# Each forward step and what the signature on it means.
FORWARD = {
    State.DRAFT: (State.COMMITTEE_REVIEW, "拟稿人提交审核"),
    State.COMMITTEE_REVIEW: (State.SUPERVISION_REVIEW, "村民委员会审核同意"),
    State.SUPERVISION_REVIEW: (State.POSTED, "村务监督委员会审核同意，张贴公示"),
    State.POSTED: (State.EXPIRED, "公示期满"),
    State.EXPIRED: (State.ARCHIVED, "归档"),
}
# A notice goes back to draft from review or from the board (withdrawn), always with a reason.
RETURNABLE = {State.COMMITTEE_REVIEW, State.SUPERVISION_REVIEW, State.POSTED}
PUBLIC_STATES = {State.POSTED, State.EXPIRED, State.ARCHIVED}


def parse_state(text: str) -> State:
    for state, label in STATE_LABELS.items():
        if text in (state.value, label):
            return state
    raise ValueError(f"没有“{text}”这个状态，可选：" + "、".join(STATE_LABELS.values()))


class NoticeRefused(ValueError):
    """A step the rules do not allow; the message says why, in Chinese."""


def next_state(state: State) -> tuple[State, str]:
    if state not in FORWARD:
        raise NoticeRefused(f"公示已{state.label}，没有下一步")
    return FORWARD[state]


# --- posting periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRule:
    kind: str
    days: int
    working: bool
    source: str

    @property
    def text(self) -> str:
        return f"不少于 {self.days} {'个工作日' if self.working else '天'}"


GENERAL = "一般事项"
# No national minimum exists for village affairs in general; local practice is 7 days (domain.md,
# "Public-notice items"). The others follow the basis named beside them.
PERIOD_RULES = {
    rule.kind: rule
    for rule in (
        PeriodRule(GENERAL, 7, False, "各地村务公开惯例（7天）"),
        PeriodRule("最低生活保障", 7, False, "民政部《最低生活保障审核确认办法》（2021）"),
        PeriodRule("特困人员供养", 7, False, "民政部《特困人员认定办法》"),
        PeriodRule("宅基地审批", 5, True, "《农村宅基地管理暂行办法》（村级审查后公示不少于5个工作日）"),
        PeriodRule("征地补偿", 30, False, "《土地管理法》第四十七条（补偿方案公告不少于30日）"),
        PeriodRule("临时救助", 7, False, "各地村务公开惯例（7天）"),
    )
}


def rule_for(kind: str) -> PeriodRule:
    try:
        return PERIOD_RULES[kind or GENERAL]
    except KeyError:
        raise NoticeRefused(f"没有“{kind}”这类公示的期限规则，可选：" + "、".join(PERIOD_RULES)) from None


def period_length(start: dt.date, end: dt.date, working: bool, calendar: WorkCalendar) -> int:
    """Days posted, both ends included; in working days, only those count (may raise CalendarUnknown)."""
    if end < start:
        return 0
    if working:
        return calendar.workdays_between(start - dt.timedelta(days=1), end)
    return (end - start).days + 1


def earliest_end(start: dt.date, rule: PeriodRule, calendar: WorkCalendar) -> dt.date:
    """The first end date that satisfies the rule for a notice posted from `start`."""
    if rule.working:
        first = calendar.next_workday(start)
        return calendar.add_workdays(first, rule.days - 1)
    return start + dt.timedelta(days=rule.days - 1)


def check_period(start: dt.date, end: dt.date, rule: PeriodRule, calendar: WorkCalendar) -> None:
    if end < start:
        raise NoticeRefused("公示结束日期早于开始日期")
    if period_length(start, end, rule.working, calendar) < rule.days:
        shortest = earliest_end(start, rule, calendar)
        raise NoticeRefused(
            f"{rule.kind}公示期{rule.text}（{rule.source}）：自 {start.isoformat()} 起，"
            f"最早到 {shortest.isoformat()} 才能结束，现填的是 {end.isoformat()}"
        )


# --- objections --------------------------------------------------------------------------------


class Outcome(str, enum.Enum):
    OPEN = ""
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"": "处理中", "upheld": "异议成立", "rejected": "异议不成立", "withdrawn": "提出人撤回"}[self.value]


def parse_outcome(text: str) -> Outcome:
    for outcome in Outcome:
        if outcome is not Outcome.OPEN and text in (outcome.value, outcome.label):
            return outcome
    raise NoticeRefused("处理结果应为：异议成立、异议不成立 或 提出人撤回")


ANONYMOUS = "匿名"


def result_text(outcomes: list[Outcome]) -> str:
    """How a notice ends. An open objection blocks the end: the caller must refuse before this."""
    if any(o is Outcome.OPEN for o in outcomes):
        raise NoticeRefused("还有未处理完的异议，公示不能结束")
    if not outcomes:
        return "公示期满无异议"
    upheld = sum(o is Outcome.UPHELD for o in outcomes)
    if upheld:
        return f"公示期间收到异议 {len(outcomes)} 件，其中 {upheld} 件成立，公示结果未通过，须重新审核"
    return f"公示期间收到异议 {len(outcomes)} 件，均已处理且不成立，公示通过"


def passed(outcomes: list[Outcome]) -> bool:
    return not any(o in (Outcome.OPEN, Outcome.UPHELD) for o in outcomes)


CADRE_RELATIVE_REMARK = "村干部近亲属，已备案"
