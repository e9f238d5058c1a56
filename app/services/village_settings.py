"""The township's and each village's settings: what every public sheet must say about who to ask.

domain.md, "Printed forms": a bulletin sheet carries the supervision phone (监督电话); "What the rules
ask for" items 3-4: the catalog poster and its inspection guide say where and when villagers inspect
the records, whom they ask, and a contact phone (咨询电话/监督电话). A sheet that lacks one of them is
refused with the list of what to fill (SettingsMissing), never printed with a gap or a made-up value:
the placeholder township "本乡镇" of a fresh database is not a name.

Whether a field is required depends on the sheet (`REQUIRED_FOR`), not on saving: a clerk may save
half of the settings and fill in the rest later.

Codes are 统计用区划代码: a township's has 9 digits (6 of its county, 3 of its own), a village's 12
(its township's 9 and 3 of its own).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core import regions
from app.core.sheet_settings import BULLETIN as BULLETIN  # the sheets' names, where callers look for them
from app.core.sheet_settings import FIELD_LABELS, missing_for, printable_township
from app.core.sheet_settings import NOTICE as NOTICE
from app.core.sheet_settings import POSTER as POSTER
from app.core.sheet_settings import REQUIRED_FOR as REQUIRED_FOR
from app.core.text_rules import fold_digits, hidden_characters
from app.services import audit
from app.services.errors import NotFound, ServiceError
from app.services.ledger import FILE_ORDER, NAME_ORDERS, PINYIN_ORDER
from app.services.setup import DEFAULT_TOWNSHIP, SETTING_TOWNSHIP
from app.storage.engine import Database
from app.storage.models import AppSetting, ArchiveSettings, Township, Village

SHEET_ORDER_WORDS = {PINYIN_ORDER: PINYIN_ORDER, FILE_ORDER: FILE_ORDER, "拼音": PINYIN_ORDER,
                     "县里顺序": FILE_ORDER, **{label: key for key, label in NAME_ORDERS.items()}}

TOWNSHIP_CODE_DIGITS, VILLAGE_CODE_DIGITS = 9, 12
_LENGTHS = {"township_name": 100, "name": 100, "supervision_phone": 40, "consult_phone": 40,
            "contact_person": 60, "board_place": 100, "board_hours": 100}
# Loosely a phone number: digits with '-', spaces or brackets between them, perhaps +86, perhaps an
# extension after 转 / 分机 / ext / # / a last '-'. 12345 (the citizens' hotline) is a phone number too.
_PHONE = re.compile(r"^\+?[(（]?[0-9][0-9\- ()（）]*[0-9]$")
_EXTENSION = re.compile(r"^(?P<main>.*?)\s*(?:转|分机|ext\.?|x|#)\s*(?P<ext>[0-9]{1,6})$", re.IGNORECASE)


@dataclass(frozen=True)
class TownshipSettings:
    id: int | None  # None: no township yet
    name: str  # "" while not filled in (the placeholder of a fresh database is not a name)
    code: str
    warnings: tuple[str, ...] = ()  # worth a look, not refused (a county code the table does not know)

    @property
    def complete(self) -> bool:
        return bool(self.name)


@dataclass(frozen=True)
class VillageSettings:
    id: int
    name: str
    code: str
    supervision_phone: str
    consult_phone: str
    contact_person: str
    board_place: str
    board_hours: str
    sheet_order: str  # ledger.PINYIN_ORDER or ledger.FILE_ORDER
    # Archive settings (written through app.services.archive.configure), shown beside the others.
    fonds: str = ""
    doc_class: str = ""
    default_category: str = ""
    responsible: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def sheet_order_label(self) -> str:
        return NAME_ORDERS.get(self.sheet_order, self.sheet_order)


@dataclass(frozen=True)
class NewVillage:
    """One village of the first-start dialog: created, or updated when one of that name exists."""

    name: str
    code: str = ""
    supervision_phone: str = ""
    consult_phone: str = ""
    contact_person: str = ""
    board_place: str = ""
    board_hours: str = ""


class SettingsInvalid(ServiceError):
    """Values that cannot be saved; `fields` holds (field key, Chinese reason) so a form can show each
    reason beside its field. Nothing was written."""

    def __init__(self, fields: Sequence[tuple[str, str]]) -> None:
        reasons = [reason for _, reason in fields]
        super().__init__(reasons[0] if len(reasons) == 1 else f"设置有 {len(reasons)} 处填写不对", reasons)
        self.fields = tuple(fields)


class SettingsMissing(ServiceError):
    """A public sheet asked for whose required settings are empty: nothing was printed."""

    def __init__(self, village_id: int, village: str, fields: Sequence[tuple[str, str]]) -> None:
        labels = "、".join(label for _, label in fields)
        super().__init__(f"{village}还没有填写：{labels}。请在“设置”中填写后再打印")
        self.village_id = village_id
        self.village = village
        self.fields = tuple(fields)

    def __reduce__(self):  # survives a trip to a worker process and back
        return (SettingsMissing, (self.village_id, self.village, self.fields))


# --- checking values ----------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _hidden(key: str, value: str) -> str | None:
    found = hidden_characters(value)
    if found:
        position, what = found[0]
        return f"{FIELD_LABELS[key]}的第 {position} 个字符是{what}，请删掉后重新填写"
    return None


def _too_long(key: str, value: str) -> str | None:
    limit = _LENGTHS.get(key)
    if limit and len(value) > limit:
        return f"{FIELD_LABELS[key]}太长了（{len(value)} 个字），最多 {limit} 个字"
    return None


def check_code(key: str, text: str, digits: int) -> str:
    """A 统计用区划代码 as digits only (full-width digits and spaces allowed in the input); "" is fine."""
    value = "".join(fold_digits(_clean(text)).split())
    if value and (not value.isascii() or not value.isdigit() or len(value) != digits):
        raise SettingsInvalid([(key, f"{FIELD_LABELS[key]}“{_clean(text)}”不对：应为 {digits} 位数字（统计用区划代码）")])
    return value


def check_phone(key: str, text: str) -> str:
    """Loosely a phone number (digits, '-', spaces, an extension); "" is fine when saving."""
    value = " ".join(fold_digits(_clean(text)).split())
    if not value:
        return ""
    problem = _hidden(key, value) or _too_long(key, value)
    if problem:
        raise SettingsInvalid([(key, problem)])
    main = value
    extension = _EXTENSION.match(value)
    if extension:
        main = extension.group("main").rstrip(" -")
    digits = sum(ch.isdigit() for ch in main)
    if not _PHONE.match(main) or not 5 <= digits <= 15:
        raise SettingsInvalid([(key, f"{FIELD_LABELS[key]}“{value}”不像电话号码：只能有数字、“-”和空格"
                                     "（区号和号码之间用“-”），分机号写在“转”之后")])
    if extension:  # one spelling of an extension, whatever was typed
        return f"{main}转{extension.group('ext')}"
    return value


def check_text(key: str, text: str) -> str:
    value = " ".join(_clean(text).split())
    problem = _hidden(key, _clean(text).replace("\n", " ")) or _too_long(key, value)
    if problem:
        raise SettingsInvalid([(key, problem)])
    return value


def check_township_name(text: str) -> str:
    value = "".join(_clean(text).split())
    if not value:
        raise SettingsInvalid([("township_name", "请填写乡镇名称")])
    if value == DEFAULT_TOWNSHIP:
        raise SettingsInvalid([("township_name", "请填写乡镇的实际名称（例如 桃花乡）")])
    problem = _hidden("township_name", value) or _too_long("township_name", value)
    if problem:
        raise SettingsInvalid([("township_name", problem)])
    return value


def check_village_name(text: str) -> str:
    value = "".join(_clean(text).split())
    if not value:
        raise SettingsInvalid([("name", "请填写村名")])
    problem = _hidden("name", value) or _too_long("name", value)
    if problem:
        raise SettingsInvalid([("name", problem)])
    return value


def parse_sheet_order(text: str) -> str:
    value = SHEET_ORDER_WORDS.get(_clean(text))
    if value is None:
        choices = "、".join(f"“{label}”" for label in ("拼音", "县里顺序"))
        raise SettingsInvalid([("sheet_order", f"名单顺序“{_clean(text)}”不对：应为{choices}")])
    return value


def _collect(checks: Sequence[tuple[str, Callable[[], str]]]) -> dict[str, str]:
    """Run every check (key, zero-argument callable) and report all problems at once."""
    values: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for key, check in checks:
        try:
            values[key] = check()
        except SettingsInvalid as exc:
            problems.extend(exc.fields)
    if problems:
        raise SettingsInvalid(problems)
    return values


def _county_warning(code: str) -> tuple[str, ...]:
    if code and not regions.ever_issued(code[:6]):
        return (f"乡镇代码前 6 位 {code[:6]} 不在本程序的县级区划代码表中，请核对（代码表可能不是最新的）",)
    return ()


# --- reading ------------------------------------------------------------------------------------


def _township(session: Session) -> Township | None:
    return session.exec(select(Township).order_by(col(Township.id))).first()


def real_name(township: Township | None) -> str:
    """The township's name, or "" while it is the placeholder of a fresh database."""
    return printable_township(township.name if township is not None else None)


def _township_view(township: Township | None, warnings: tuple[str, ...] = ()) -> TownshipSettings:
    if township is None:
        return TownshipSettings(None, "", "", warnings)
    return TownshipSettings(township.id, real_name(township), township.code, warnings)


def _village_view(session: Session, village: Village, warnings: tuple[str, ...] = ()) -> VillageSettings:
    archive = session.get(ArchiveSettings, village.id)
    return VillageSettings(
        id=village.id or 0, name=village.name, code=village.code, supervision_phone=village.supervision_phone,
        consult_phone=village.consult_phone, contact_person=village.contact_person, board_place=village.board_place,
        board_hours=village.board_hours, sheet_order=village.sheet_order,
        fonds=archive.fonds if archive else "", doc_class=archive.doc_class if archive else "",
        default_category=archive.default_category if archive else "",
        responsible=archive.responsible if archive else "", warnings=warnings,
    )


def _village(session: Session, village_id: int) -> Village:
    village = session.get(Village, village_id)
    if village is None:
        raise NotFound("这个村已不在数据库中（可能已被删除），请重新选择")
    return village


def township_settings(db: Database) -> TownshipSettings:
    with db.reading() as session:
        return _township_view(_township(session))


def village_settings(db: Database, village_id: int) -> VillageSettings:
    with db.reading() as session:
        return _village_view(session, _village(session, village_id))


def list_village_settings(db: Database) -> list[VillageSettings]:
    with db.reading() as session:
        return [_village_view(session, v) for v in session.exec(select(Village).order_by(col(Village.id)))]


def village_id_of(db: Database, name: str) -> int:
    """The id of the village a clerk named (the command line names villages)."""
    from app.services.villages import find_village

    with db.reading() as session:
        return find_village(session, name).id or 0


def needs_first_start(db: Database) -> bool:
    """True while the database has no township (its name not filled in) or no village."""
    with db.reading() as session:
        if not real_name(_township(session)):
            return True
        return session.exec(select(col(Village.id))).first() is None


# --- what a sheet needs -------------------------------------------------------------------------


def _missing(township: Township | None, village: Village, output: str) -> list[tuple[str, str]]:
    return missing_for(township.name if township is not None else None, village, output)


def missing_settings(session: Session, village: Village, output: str) -> list[tuple[str, str]]:
    """Inside a service's session: what the sheet `output` lacks, as (field key, Chinese label)."""
    township = session.get(Township, village.township_id) if village.township_id else _township(session)
    return _missing(township, village, output)


def require_for_print(session: Session, village: Village, output: str) -> None:
    """Inside a service's session: refuse the sheet when its required settings are empty."""
    missing = missing_settings(session, village, output)
    if missing:
        raise SettingsMissing(village.id or 0, village.name, missing)


def township_name_for_print(session: Session, village: Village) -> str:
    """The township's name as a sheet prints it: never the placeholder."""
    return real_name(session.get(Township, village.township_id) if village.township_id else _township(session))


def missing_for_print(db: Database, village_id: int, output: str) -> list[tuple[str, str]]:
    """(field key, Chinese label) of each required setting the sheet `output` lacks, in form order."""
    with db.reading() as session:
        return missing_settings(session, _village(session, village_id), output)


# --- writing ------------------------------------------------------------------------------------

_TOWNSHIP_FIELDS = ("name", "code")
_VILLAGE_FIELDS = ("name", "code", "supervision_phone", "consult_phone", "contact_person", "board_place",
                   "board_hours", "sheet_order")


def _store_township(session: Session, actor: str, name: str | None, code: str | None) -> Township:
    township = _township(session)
    before = audit.snapshot(township, _TOWNSHIP_FIELDS) if township else None
    if township is None:
        if name is None:
            raise SettingsInvalid([("township_name", "请填写乡镇名称")])
        township = Township(name=name)
    if name is not None:
        clash = session.exec(select(Township).where(Township.name == name, col(Township.id) != township.id)).first()
        if clash is not None:
            raise SettingsInvalid([("township_name", f"乡镇名称“{name}”已被另一条乡镇记录使用")])
        township.name = name
    if code is not None:
        if code:
            others = [v.name for v in session.exec(select(Village).order_by(col(Village.id)))
                      if v.code and not v.code.startswith(code)]
            if others:
                raise SettingsInvalid([("township_code", f"乡镇代码 {code} 与{'、'.join(others)}的村代码前 9 位不一致，"
                                                         "请先核对村代码")])
        township.code = code
    session.add(township)
    session.flush()
    setting = session.get(AppSetting, SETTING_TOWNSHIP)
    if setting is None:
        session.add(AppSetting(key=SETTING_TOWNSHIP, value=township.name))
    else:
        setting.value = township.name
        session.add(setting)
    after = audit.snapshot(township, _TOWNSHIP_FIELDS)
    if before != after:
        audit.record(session, actor, "configure" if before else "create", "township", township.id,
                     before=before, after=after)
    return township


def update_township(db: Database, actor: str, *, name: str | None = None, code: str | None = None) -> TownshipSettings:
    """Set the township's name and/or code (None: leave as it is). The one township of the database."""
    checks: list[tuple[str, Callable[[], str]]] = []
    if name is not None:
        checks.append(("township_name", lambda: check_township_name(name)))
    if code is not None:
        checks.append(("township_code", lambda: check_code("township_code", code, TOWNSHIP_CODE_DIGITS)))
    values = _collect(checks)
    with db.transaction() as session:
        township = _store_township(session, actor, values.get("township_name"), values.get("township_code"))
        return _township_view(township, _county_warning(township.code))


def _village_checks(changes: dict[str, str | None]) -> dict[str, str]:
    makers: dict[str, Callable[[str], str]] = {
        "name": check_village_name,
        "code": lambda text: check_code("code", text, VILLAGE_CODE_DIGITS),
        "supervision_phone": lambda text: check_phone("supervision_phone", text),
        "consult_phone": lambda text: check_phone("consult_phone", text),
        "contact_person": lambda text: check_text("contact_person", text),
        "board_place": lambda text: check_text("board_place", text),
        "board_hours": lambda text: check_text("board_hours", text),
        "sheet_order": parse_sheet_order,
    }
    checks: list[tuple[str, Callable[[], str]]] = []
    for key, text in changes.items():
        if text is not None:
            checks.append((key, functools.partial(makers[key], text)))
    return _collect(checks)


def apply_village_values(session: Session, village: Village, values: dict[str, str], prefix: str = "") -> None:
    """Write checked values into a village (inside the caller's transaction), after the checks that
    need the database: a name or code another village has, a code outside the township's."""
    problems: list[tuple[str, str]] = []
    name = values.get("name")
    if name is not None and name != village.name:
        clash = session.exec(select(Village).where(Village.name == name)).first()
        if clash is not None and clash.id != village.id:
            problems.append((prefix + "name", f"村“{name}”已经存在"))
    code = values.get("code")
    if code:
        clash = session.exec(select(Village).where(Village.code == code)).first()
        if clash is not None and clash.id != village.id:
            problems.append((prefix + "code", f"村代码 {code} 已是{clash.name}的代码"))
        township = _township(session)
        if township is not None and township.code and not code.startswith(township.code):
            problems.append((prefix + "code", f"村代码 {code} 的前 9 位应是乡镇代码 {township.code}"))
    if problems:
        raise SettingsInvalid(problems)
    for key, value in values.items():
        setattr(village, key, value)
    session.add(village)


def update_village(
    db: Database,
    village_id: int,
    actor: str,
    *,
    name: str | None = None,
    code: str | None = None,
    supervision_phone: str | None = None,
    consult_phone: str | None = None,
    contact_person: str | None = None,
    board_place: str | None = None,
    board_hours: str | None = None,
    sheet_order: str | None = None,
) -> VillageSettings:
    """Change a village's settings (None: leave as it is; "" empties a field). Every problem is
    reported at once, each with its field (SettingsInvalid); nothing is written then."""
    values = _village_checks({
        "name": name, "code": code, "supervision_phone": supervision_phone, "consult_phone": consult_phone,
        "contact_person": contact_person, "board_place": board_place, "board_hours": board_hours,
        "sheet_order": sheet_order,
    })
    with db.transaction() as session:
        village = _village(session, village_id)
        before = audit.snapshot(village, _VILLAGE_FIELDS)
        apply_village_values(session, village, values)
        session.flush()
        after = audit.snapshot(village, _VILLAGE_FIELDS)
        if before != after:
            audit.record(session, actor, "configure", "village", village.id, before=before, after=after)
        return _village_view(session, village)


def complete_first_start(
    db: Database, actor: str, township_name: str, township_code: str, villages: Sequence[NewVillage]
) -> tuple[TownshipSettings, list[VillageSettings]]:
    """The first-start dialog's answers in one transaction: the township, then each village (created,
    or updated when one of that name exists). Field keys of problems in village rows are
    "villages.<row>.<field>" (row from 0), so the dialog can point at the cell."""
    problems: list[tuple[str, str]] = []
    township_values: dict[str, str] = {}
    try:
        township_values = _collect([
            ("township_name", lambda: check_township_name(township_name)),
            ("township_code", lambda: check_code("township_code", township_code, TOWNSHIP_CODE_DIGITS)),
        ])
    except SettingsInvalid as exc:
        problems.extend(exc.fields)
    if not villages:
        problems.append(("villages", "请至少添加一个村"))
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for row, entry in enumerate(villages):
        prefix = f"villages.{row}."
        try:
            values = _village_checks({key: getattr(entry, key) for key in (
                "name", "code", "supervision_phone", "consult_phone", "contact_person", "board_place", "board_hours")})
        except SettingsInvalid as exc:
            problems.extend((prefix + key, f"第 {row + 1} 个村：{reason}") for key, reason in exc.fields)
            values = {}
        rows.append(values)
        code = values.get("code", "")
        if code and township_values.get("township_code") and not code.startswith(township_values["township_code"]):
            problems.append((prefix + "code", f"第 {row + 1} 个村：村代码 {code} 的前 9 位应是乡镇代码 "
                                              f"{township_values['township_code']}"))
        name = values.get("name")
        if name:
            if name in seen:
                problems.append((prefix + "name", f"第 {row + 1} 个村：村名“{name}”与第 {seen[name] + 1} 个村重复"))
            seen.setdefault(name, row)
    if problems:
        raise SettingsInvalid(problems)
    with db.transaction() as session:
        township = _store_township(session, actor, township_values["township_name"], township_values["township_code"])
        saved: list[Village] = []
        for row, values in enumerate(rows):
            village = session.exec(select(Village).where(Village.name == values["name"])).first()
            if village is None:
                village = Village(name=values["name"], township_id=township.id)
                session.add(village)
                session.flush()
                audit.record(session, actor, "create", "village", village.id, after={"name": village.name})
            before = audit.snapshot(village, _VILLAGE_FIELDS)
            if village.township_id is None:
                village.township_id = township.id
            apply_village_values(session, village, values, prefix=f"villages.{row}.")
            session.flush()
            after = audit.snapshot(village, _VILLAGE_FIELDS)
            if before != after:
                audit.record(session, actor, "configure", "village", village.id, before=before, after=after)
            saved.append(village)
        return _township_view(township, _county_warning(township.code)), [_village_view(session, v) for v in saved]
