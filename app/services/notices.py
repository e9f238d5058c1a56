"""Public notices (公示): drafting, the signed review steps, the board, objections, the archive.

Rules live in app.core.notices; this module stores each step (who signed, on which day) and audits
it in the same transaction. domain.md "What the rules ask for" item 7: nothing is posted before the
village committee and the village supervision committee have signed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.core import notices as rules
from app.core.disclosure import Channel, mask_id, scrub_free_text
from app.core.notices import NoticeRefused, Outcome, State
from app.core.workdays import CalendarUnknown, HolidayTable, WorkCalendar
from app.outputs.notice_pdf import NoticeLine, NoticeSheet, ObjectionLine, Signature
from app.services import archive, audit
from app.services.catalog import ensure_village_catalog, latest_version, version_entries
from app.services.errors import NotFound, ServiceError
from app.services.ledger import LedgerFilter, fetch_all
from app.services.villages import find_village
from app.storage.engine import Database
from app.storage.keys import cipher_for
from app.storage.models import (
    AppSetting,
    Notice,
    NoticeObjection,
    NoticeRow,
    NoticeStep,
    SubsidyType,
    Township,
    Village,
)
from app.storage.sealed import seal_notice_id

HOLIDAY_KEY = "holidays.{year}"


# --- the township's typed-in holiday tables (domain.md, "Working days") -------------------------


def work_calendar(session: Session) -> WorkCalendar:
    tables = {}
    for setting in session.exec(select(AppSetting).where(AppSetting.key.like("holidays.%"))):
        data = json.loads(setting.value)
        year = int(setting.key.split(".", 1)[1])
        tables[year] = HolidayTable(year, frozenset(map(dt.date.fromisoformat, data["holidays"])),
                                    frozenset(map(dt.date.fromisoformat, data["workdays"])))
    return WorkCalendar(tables)


def save_holiday_table(db: Database, year: int, holidays: list[dt.date], workdays: list[dt.date], actor: str) -> None:
    """A year the calendar package does not know yet: its rest weekdays and swapped working weekend days."""
    wrong = [d for d in [*holidays, *workdays] if d.year != year]
    if wrong:
        raise ServiceError(f"日期 {wrong[0].isoformat()} 不在 {year} 年")
    value = json.dumps({"holidays": sorted(d.isoformat() for d in holidays),
                        "workdays": sorted(d.isoformat() for d in workdays)}, ensure_ascii=False)
    key = HOLIDAY_KEY.format(year=year)
    with db.transaction() as session:
        setting = session.get(AppSetting, key)
        before = setting.value if setting else ""
        if setting is None:
            setting = AppSetting(key=key, value=value)
        setting.value = value
        session.add(setting)
        audit.record(session, actor, "save", "holiday_table", year, before={"table": before} if before else None,
                     after={"table": value})


def _check_period(session: Session, start: dt.date, end: dt.date, kind: str) -> None:
    try:
        rules.check_period(start, end, rules.rule_for(kind), work_calendar(session))
    except (NoticeRefused, CalendarUnknown) as exc:
        raise ServiceError(str(exc)) from exc


# --- drafting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowInput(NoticeLine):
    """A row as typed in or copied from the ledger (then it remembers its payout)."""

    payout_id: int | None = None


@dataclass(frozen=True)
class NoticeDraft:
    village: str
    subject: str
    item_code: str
    start: dt.date
    end: dt.date
    kind: str = rules.GENERAL
    body: str = ""
    place: str = ""
    channel: str = Channel.WALL.value
    rows: tuple[RowInput, ...] = field(default=())


def _validate(session: Session, village: Village, draft: NoticeDraft, actor: str) -> None:
    found = []
    if not draft.subject.strip():
        found.append("请填写公示标题")
    if not draft.body.strip() and not draft.rows:
        found.append("公示要有正文或附表（至少一项）")
    if not draft.place.strip():
        found.append("请填写张贴地点")
    codes = {e.code for e in version_entries(session, ensure_village_catalog(session, village, actor))}
    if draft.item_code not in codes:
        found.append(f"公开事项目录中没有编号为“{draft.item_code}”的事项")
    if draft.kind not in rules.PERIOD_RULES:
        found.append(f"没有“{draft.kind}”这类公示，可选：" + "、".join(rules.PERIOD_RULES))
    try:
        Channel(draft.channel)
    except ValueError:
        found.append("发布范围应为 wall 或 online")
    if found:
        raise ServiceError("公示内容不完整", found)
    _check_period(session, draft.start, draft.end, draft.kind)


def _add_rows(session: Session, notice_id: int, rows: tuple[RowInput, ...] | list[RowInput], first: int = 1) -> None:
    added: list[tuple[NoticeRow, str]] = []
    for position, row in enumerate(rows, start=first):
        if not row.name.strip():
            raise ServiceError(f"附表第 {position} 行没有姓名")
        given = row.id_number.strip()
        masked = mask_id(given)
        number = given if masked != given else ""  # rows copied from the ledger come masked: nothing to seal
        stored = NoticeRow(
            notice_id=notice_id, position=position, name=row.name.strip(), id_masked=masked,
            group_name=row.group.strip(), item=row.item.strip(), amount_fen=row.amount_fen, note=row.note.strip(),
            sensitive=row.sensitive, cadre_relative=row.cadre_relative, payout_id=row.payout_id,
        )
        session.add(stored)
        added.append((stored, number))
    if not any(number for _, number in added):
        return
    session.flush()  # the rows' ids: each number is sealed to its row (app.storage.sealed)
    cipher = cipher_for(session.get_bind())
    for stored, number in added:
        if number:
            stored.id_cipher = seal_notice_id(cipher, stored.id or 0, number)
            session.add(stored)


def create_notice(db: Database, draft: NoticeDraft, actor: str) -> int:
    with db.transaction() as session:
        village = find_village(session, draft.village)
        _validate(session, village, draft, actor)
        notice = Notice(
            village_id=village.id or 0, subject=draft.subject.strip(), item_code=draft.item_code, kind=draft.kind,
            body=draft.body.strip(), start_date=draft.start, end_date=draft.end, place=draft.place.strip(),
            channel=Channel(draft.channel).value, state=State.DRAFT.value, created_by=actor,
        )
        session.add(notice)
        session.flush()
        _add_rows(session, notice.id or 0, draft.rows)
        audit.record(session, actor, "create", "notice", notice.id,
                     after={"village": village.name, "subject": notice.subject, "item": notice.item_code,
                            "kind": notice.kind, "start": draft.start.isoformat(), "end": draft.end.isoformat(),
                            "rows": len(draft.rows)})
        return notice.id or 0


def _notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"没有第 {notice_id} 号公示")
    return notice


def _rows(session: Session, notice_id: int) -> list[NoticeRow]:
    return list(session.exec(select(NoticeRow).where(NoticeRow.notice_id == notice_id).order_by(NoticeRow.position)))


def _require_draft(notice: Notice) -> None:
    if notice.state != State.DRAFT.value:
        raise ServiceError(f"公示处于“{State(notice.state).label}”，只有草稿可以修改；请先退回草稿（写明原因）")


def add_payout_rows(db: Database, notice_id: int, month: dt.date, actor: str, subsidy: str | None = None) -> int:
    """Copy the month's payouts (of one subsidy, or all) from the ledger into the notice's table."""
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        _require_draft(notice)
        subsidy_id = None
        if subsidy:
            found = session.exec(select(SubsidyType).where(SubsidyType.name == subsidy)).first()
            if found is None:
                raise NotFound(f"没有补贴项目“{subsidy}”")
            subsidy_id = found.id
        records = fetch_all(session, LedgerFilter(village_id=notice.village_id, period=month, subsidy_type_id=subsidy_id))
        if not records:
            raise ServiceError("该月没有可加入的发放记录")
        existing = _rows(session, notice_id)
        _add_rows(session, notice_id, [
            RowInput(r.name, r.id_number, r.group, r.subsidy, r.amount_fen, r.note, r.sensitive, payout_id=r.payout_id)
            for r in records
        ], first=len(existing) + 1)
        audit.record(session, actor, "add_rows", "notice", notice_id,
                     after={"month": month.isoformat(), "subsidy": subsidy or "", "rows": len(records)})
        return len(records)


def mark_cadre_relative(db: Database, notice_id: int, position: int, relation: str, actor: str) -> None:
    """A recipient who is a close relative of a village cadre: registered (备案) and shown on the notice."""
    if not relation.strip():
        raise ServiceError("请写明与哪位村干部是什么关系（备案内容）")
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        _require_draft(notice)
        row = next((r for r in _rows(session, notice_id) if r.position == position), None)
        if row is None:
            raise NotFound(f"附表中没有第 {position} 行")
        row.cadre_relative = True
        session.add(row)
        audit.record(session, actor, "register_relative", "notice", notice_id,
                     after={"row": position, "name": row.name, "relation": relation.strip()})


# --- the life cycle ---------------------------------------------------------------------------


def _sign(session: Session, notice: Notice, to: State, by: str, on: dt.date, meaning: str, reason: str, actor: str) -> None:
    before = notice.state
    session.add(NoticeStep(notice_id=notice.id or 0, from_state=before, to_state=to.value, signed_by=by,
                           signed_on=on, meaning=meaning, reason=reason))
    notice.state = to.value
    session.add(notice)
    audit.record(session, actor, "step", "notice", notice.id, before={"state": before},
                 after={"state": to.value, "signed_by": by, "signed_on": on.isoformat(), "reason": reason,
                        "result": notice.result})


def _signers_since_draft(session: Session, notice_id: int) -> dict[str, str]:
    """Who signed each step since the notice last left draft."""
    signers: dict[str, str] = {}
    for step in session.exec(select(NoticeStep).where(NoticeStep.notice_id == notice_id).order_by(NoticeStep.id)):
        if step.to_state == State.DRAFT.value:
            signers.clear()
        else:
            signers[step.from_state] = step.signed_by
    return signers


def advance(db: Database, notice_id: int, by: str, on: dt.date, actor: str, expect: State | None = None) -> State:
    """Sign the next step. `expect` is the state the signer means to reach: a different one is refused."""
    by = by.strip()
    if not by:
        raise ServiceError("每一步都要由具体的人签名：请填写签名人")
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        state = State(notice.state)
        try:
            target, meaning = rules.next_state(state)
        except NoticeRefused as exc:
            raise ServiceError(str(exc)) from exc
        if expect is not None and expect is not target:
            if expect is State.POSTED:
                raise ServiceError(f"公示现为“{state.label}”：未经村民委员会和村务监督委员会审核，不能张贴公示")
            raise ServiceError(f"公示现为“{state.label}”，下一步是“{target.label}”，不能直接到“{expect.label}”")
        signers = _signers_since_draft(session, notice_id)
        if target is State.COMMITTEE_REVIEW:
            _check_period(session, notice.start_date, notice.end_date, notice.kind)
        elif target is State.SUPERVISION_REVIEW:
            if by == signers.get(State.DRAFT.value):
                raise ServiceError("拟稿人不能审核自己起草的公示")
        elif target is State.POSTED:
            if State.COMMITTEE_REVIEW.value not in signers:
                raise ServiceError("未经村民委员会审核，不能张贴公示")
            # 村民委员会组织法 art. 32: committee members do not sit on the supervision committee.
            if by == signers[State.COMMITTEE_REVIEW.value]:
                raise ServiceError("村务监督委员会审核人不能与村民委员会审核人是同一人")
            if on > notice.end_date:
                raise ServiceError("公示结束日期已过，请退回草稿改期后重新审核")
            # Posted later than planned: the period counts from the day it really went up.
            _check_period(session, max(on, notice.start_date), notice.end_date, notice.kind)
        elif target is State.EXPIRED:
            if on < notice.end_date:
                raise ServiceError(f"公示期到 {notice.end_date.isoformat()} 才满，现在不能结束")
            outcomes = [Outcome(o.outcome) for o in _objections(session, notice_id)]
            if Outcome.OPEN in outcomes:
                raise ServiceError("还有未处理完的异议：请先登记处理情况和结果，公示才能结束")
            notice.result = rules.result_text(outcomes)
        _sign(session, notice, target, by, on, meaning, "", actor)
        if target is State.EXPIRED:
            archive.file_notice(session, session.get(Village, notice.village_id), notice, on, actor)
        return target


def return_to_draft(db: Database, notice_id: int, by: str, on: dt.date, reason: str, actor: str) -> None:
    if not by.strip():
        raise ServiceError("请填写退回人")
    if not reason.strip():
        raise ServiceError("退回草稿必须写明原因")
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        state = State(notice.state)
        if state not in rules.RETURNABLE:
            raise ServiceError(f"公示处于“{state.label}”，不能退回草稿")
        _sign(session, notice, State.DRAFT, by.strip(), on, "退回草稿", reason.strip()[:500], actor)


# --- objections -------------------------------------------------------------------------------


def _objections(session: Session, notice_id: int) -> list[NoticeObjection]:
    return list(session.exec(select(NoticeObjection).where(NoticeObjection.notice_id == notice_id)
                             .order_by(NoticeObjection.id)))


def raise_objection(db: Database, notice_id: int, raised_by: str, received_on: dt.date, content: str, actor: str) -> int:
    """An objection received while the notice is up; raised_by may be empty (anonymous)."""
    if not content.strip():
        raise ServiceError("请写明异议内容")
    with db.transaction() as session:
        notice = _notice(session, notice_id)
        if notice.state != State.POSTED.value:
            raise ServiceError(f"公示处于“{State(notice.state).label}”，只有公示期间的异议才在这里登记")
        objection = NoticeObjection(notice_id=notice_id, raised_by=raised_by.strip(), received_on=received_on,
                                    content=content.strip())
        session.add(objection)
        session.flush()
        audit.record(session, actor, "object", "notice", notice_id,
                     after={"objection": objection.id, "raised_by": objection.raised_by or rules.ANONYMOUS,
                            "content": objection.content})
        return objection.id or 0


def handle_objection(db: Database, objection_id: int, handling: str, outcome: str, by: str, on: dt.date,
                     actor: str) -> None:
    if not handling.strip() or not by.strip():
        raise ServiceError("请写明处理情况和处理人")
    try:
        result = rules.parse_outcome(outcome)
    except NoticeRefused as exc:
        raise ServiceError(str(exc)) from exc
    with db.transaction() as session:
        objection = session.get(NoticeObjection, objection_id)
        if objection is None:
            raise NotFound(f"没有第 {objection_id} 号异议")
        before = audit.snapshot(objection, ("handling", "outcome", "handled_by", "handled_on"))
        objection.handling, objection.outcome = handling.strip(), result.value
        objection.handled_by, objection.handled_on = by.strip(), on
        session.add(objection)
        audit.record(session, actor, "handle_objection", "notice", objection.notice_id, before=before,
                     after=audit.snapshot(objection, ("handling", "outcome", "handled_by", "handled_on")))


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeSummary:
    id: int
    village: str
    subject: str
    item_code: str
    kind: str
    state: State
    start: dt.date
    end: dt.date
    rows: int
    open_objections: int

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "village": self.village, "subject": self.subject, "item": self.item_code,
                "kind": self.kind, "state": self.state.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "rows": self.rows, "open_objections": self.open_objections}


@dataclass(frozen=True)
class NoticeView:
    """A notice's own fields as read (plain data: no ORM object leaves the services)."""

    id: int
    village_id: int
    subject: str
    item_code: str
    kind: str
    body: str
    start: dt.date
    end: dt.date
    place: str
    channel: str
    state: State
    result: str


@dataclass(frozen=True)
class NoticeRowView:
    """A row of the notice's table. The ID number in its masked form: the screen and every sheet mask
    it anyway (the wall's mask keeps what the stored form keeps, a sensitive row's hides it all), so no
    notice output needs the number itself, which stays sealed (issue 17)."""

    position: int
    name: str
    id_number: str
    group_name: str
    item: str
    amount_fen: int | None
    note: str
    sensitive: bool
    cadre_relative: bool
    payout_id: int | None


@dataclass(frozen=True)
class NoticeStepView:
    from_state: State
    to_state: State
    signed_by: str
    signed_on: dt.date
    meaning: str
    reason: str


@dataclass(frozen=True)
class ObjectionView:
    id: int
    raised_by: str  # empty: anonymous
    received_on: dt.date
    content: str
    handling: str
    outcome: Outcome
    handled_by: str
    handled_on: dt.date | None


@dataclass(frozen=True)
class NoticeDetail:
    notice: NoticeView
    village: str
    township: str
    item_name: str
    rows: tuple[NoticeRowView, ...]
    steps: tuple[NoticeStepView, ...]
    objections: tuple[ObjectionView, ...]

    @property
    def state(self) -> State:
        return self.notice.state


def _notice_view(notice: Notice) -> NoticeView:
    return NoticeView(notice.id or 0, notice.village_id, notice.subject, notice.item_code, notice.kind, notice.body,
                      notice.start_date, notice.end_date, notice.place, notice.channel, State(notice.state),
                      notice.result)


def _row_view(row: NoticeRow) -> NoticeRowView:
    return NoticeRowView(row.position, row.name, row.id_masked, row.group_name, row.item, row.amount_fen, row.note,
                         row.sensitive, row.cadre_relative, row.payout_id)


def _step_view(step: NoticeStep) -> NoticeStepView:
    return NoticeStepView(State(step.from_state), State(step.to_state), step.signed_by, step.signed_on, step.meaning,
                          step.reason)


def _objection_view(objection: NoticeObjection) -> ObjectionView:
    return ObjectionView(objection.id or 0, objection.raised_by, objection.received_on, objection.content,
                         objection.handling, Outcome(objection.outcome), objection.handled_by, objection.handled_on)


def list_notices(db: Database, village_name: str, state: State | None = None) -> list[NoticeSummary]:
    with db.reading() as session:
        village = find_village(session, village_name)
        query = select(Notice).where(Notice.village_id == village.id).order_by(Notice.start_date, Notice.id)
        if state is not None:
            query = query.where(Notice.state == state.value)
        return [
            # A listing is shown and exported: an ID number typed into a subject is masked there too.
            NoticeSummary(n.id or 0, village.name, scrub_free_text(n.subject), n.item_code, n.kind, State(n.state), n.start_date,
                          n.end_date, len(_rows(session, n.id or 0)),
                          sum(o.outcome == Outcome.OPEN.value for o in _objections(session, n.id or 0)))
            for n in session.exec(query)
        ]


def _detail(session: Session, notice_id: int) -> tuple[NoticeDetail, Village]:
    """The detail as plain data, built inside the session, and the village's row (for the print checks)."""
    notice = _notice(session, notice_id)
    village = session.get(Village, notice.village_id)
    assert village is not None
    township = session.get(Township, village.township_id) if village.township_id else None

    version = latest_version(session, village.id)
    entries = version_entries(session, version) if version else []
    item = next((e.name for e in entries if e.code == notice.item_code), notice.item_code)
    steps = session.exec(select(NoticeStep).where(NoticeStep.notice_id == notice_id).order_by(NoticeStep.id))
    detail = NoticeDetail(_notice_view(notice), village.name, township.name if township else "", item,
                          tuple(map(_row_view, _rows(session, notice_id))), tuple(map(_step_view, steps)),
                          tuple(map(_objection_view, _objections(session, notice_id))))
    return detail, village


def notice_detail(db: Database, notice_id: int) -> NoticeDetail:
    with db.reading() as session:
        return _detail(session, notice_id)[0]


_SIGNATURE_ROLES = {State.DRAFT: "拟稿人", State.COMMITTEE_REVIEW: "村民委员会审核",
                    State.SUPERVISION_REVIEW: "村务监督委员会审核"}


def notice_sheet(db: Database, notice_id: int) -> NoticeSheet:
    """The notice as it prints: unmasked plain data, the output masks it for the channel.

    Refused (SettingsMissing) while the township's name or the village's supervision phone is not
    set: the sheet prints both (domain.md, "Printed forms")."""
    from app.services.village_settings import NOTICE, require_for_print, township_name_for_print

    with db.reading() as session:
        detail, village = _detail(session, notice_id)
        require_for_print(session, village, NOTICE)
        township = township_name_for_print(session, village)
        supervision_phone = village.supervision_phone
    notice = detail.notice
    signatures: list[Signature] = []
    for step in detail.steps:
        if step.to_state is State.DRAFT:
            signatures.clear()  # a returned notice is signed again from the start
        elif step.from_state in _SIGNATURE_ROLES:
            signatures.append(Signature(_SIGNATURE_ROLES[step.from_state], step.signed_by, step.signed_on))
    return NoticeSheet(
        village=detail.village, township=township, subject=notice.subject, item_name=detail.item_name,
        rule_text=f"{notice.kind}公示期{rules.rule_for(notice.kind).text}", body=notice.body,
        start=notice.start, end=notice.end, place=notice.place,
        supervision_phone=supervision_phone, state_label=detail.state.label,
        reviewed=detail.state in rules.PUBLIC_STATES,
        lines=[NoticeLine(r.name, r.id_number, r.group_name, r.item, r.amount_fen, r.note, r.sensitive, r.cadre_relative)
               for r in detail.rows],
        signatures=signatures,
        objections=[ObjectionLine(o.raised_by, o.received_on, o.content, o.handling, o.outcome)
                    for o in detail.objections],
        result=notice.result,
    )
