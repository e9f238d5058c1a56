"""The disclosure gate: the one module through which personal data reaches a person.

domain.md, "Masking personal identifiers": the wall board inside the village shows full names so
villagers can check who received money; anything that leaves the village also masks the given name.
Sensitive subsidy types (illness, disability…) never show more per person than the strictest rule.

Two layers, both here:
- Views. Services hand outputs only rows built by `MaskPolicy.apply` (payout rows, notice lines,
  objections, corrections): a field is masked by its kind (name, ID, phone, account) and every free
  text field is scrubbed of personal numbers in any spelling (app.core.identifiers).
- The sink. Every writer (PDF text, spreadsheet cell, CSV/JSON/terminal listing, table on screen,
  error message) passes each string through `for_output` just before it becomes bytes, so an output
  that forgot the views still cannot print an ID, phone or account number. Numbers a sheet prints
  on purpose (the supervision phone from the settings) are exempt by construction: the writer names
  them with `published(...)`, never by what they look like.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.core import identifiers, names
from app.core.text_rules import fold_digits, is_separator

ID_REGION_DIGITS = 6
ID_TAIL_DIGITS = 4
PHONE_HEAD, PHONE_TAIL = 3, 4
ACCOUNT_TAIL = 4
HIDDEN = "（不公开）"

class Channel(str, enum.Enum):
    WALL = "wall"  # the village board (村务公开栏), read inside the village
    ONLINE = "online"  # anything that leaves the village: website, WeChat group, files sent out

    @property
    def label(self) -> str:
        return {"wall": "村内公开栏", "online": "对外发布"}[self.value]


def mask_id(number: str) -> str:
    """140123********123X: region code and last four; birth date always hidden."""
    if not number:
        return ""
    if len(number) <= ID_REGION_DIGITS + ID_TAIL_DIGITS:
        return "*" * len(number)
    hidden = len(number) - ID_REGION_DIGITS - ID_TAIL_DIGITS
    return number[:ID_REGION_DIGITS] + "*" * hidden + number[-ID_TAIL_DIGITS:]


def mask_id_fully(number: str) -> str:
    return "*" * len(number) if number else ""


def mask_phone(phone: str) -> str:
    """138****1234."""
    digits = phone.strip()
    if len(digits) <= PHONE_HEAD + PHONE_TAIL:
        return "*" * len(digits)
    return digits[:PHONE_HEAD] + "*" * (len(digits) - PHONE_HEAD - PHONE_TAIL) + digits[-PHONE_TAIL:]


def mask_account(account: str) -> str:
    """Bank or card number: only the last four."""
    text = account.strip()
    if len(text) <= ACCOUNT_TAIL:
        return "*" * len(text)
    return "*" * (len(text) - ACCOUNT_TAIL) + text[-ACCOUNT_TAIL:]


def scrub_free_text(text: str) -> str:
    """Mask every ID, mobile, landline or account number inside free text, whatever its spelling."""
    return identifiers.scrub(text) if text else text


_PUBLISHED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("published", default=frozenset())


@contextlib.contextmanager
def published(*numbers: str) -> Iterator[None]:
    """While writing one document: these numbers (from the settings) are printed on purpose.

    A setting may hold more than the number (0351-1234567转12, 0351-1234567（工作日）): every number
    the gate would find inside it is published too, as the sink compares what it finds."""
    spelled = [text[start:end] for text in numbers for start, end, _ in identifiers.find(text)]
    wanted = frozenset(d for d in map(identifiers.digits_of, (*numbers, *spelled)) if d)
    token = _PUBLISHED.set(_PUBLISHED.get() | wanted)
    try:
        yield
    finally:
        _PUBLISHED.reset(token)


# Strings already found clean: a sheet repeats its dates, groups, standards and amounts on every row,
# and every line is seen twice (wrapped, then drawn). Only clean results are kept: they do not depend
# on which numbers the document publishes.
_CLEAN: dict[str, None] = {}
_CLEAN_LIMIT = 100_000


def for_output(text: str) -> str:
    """The sink rule: the last step of every string on its way to a person."""
    if len(text) < identifiers.SHORTEST_SECRET or text in _CLEAN:
        return text
    shown = identifiers.scrub(text, _PUBLISHED.get())
    if shown is text and len(_CLEAN) < _CLEAN_LIMIT:  # scrub returns the very string when it found nothing
        _CLEAN[text] = None
    return shown


def safe_message(error: BaseException | str) -> str:
    """An error's text as a person may see it: no personal number, whatever raised it."""
    return scrub_free_text(str(error))


def normalised(text: str) -> str:
    """Text as a person reads it, for tests that look for a planted number: no separators, ASCII digits."""
    return "".join(ch for ch in fold_digits(text) if not is_separator(ch)).upper()


@dataclass(frozen=True)
class FieldRules:
    name: Callable[[str], str]
    id_number: Callable[[str], str]
    phone: Callable[[str], str]
    account: Callable[[str], str]
    show_note: bool


def _hide(_: str) -> str:
    return HIDDEN


def _keep(text: str) -> str:
    return text


_SENSITIVE = FieldRules(
    name=names.mask_given_name,
    id_number=mask_id_fully,
    phone=_hide,
    account=_hide,
    show_note=False,
)

_RULES: dict[Channel, FieldRules] = {
    Channel.WALL: FieldRules(
        name=_keep, id_number=mask_id, phone=mask_phone, account=mask_account, show_note=True
    ),
    Channel.ONLINE: FieldRules(
        name=names.mask_given_name,
        id_number=mask_id,
        phone=mask_phone,
        account=mask_account,
        show_note=True,
    ),
}


@dataclass(frozen=True)
class PersonFields:
    """The identifying fields of one ledger row, before masking."""

    name: str
    id_number: str
    phone: str = ""
    account: str = ""
    group: str = ""
    note: str = ""


@dataclass(frozen=True)
class MaskPolicy:
    channel: Channel

    def rules(self, sensitive: bool) -> FieldRules:
        return _SENSITIVE if sensitive else _RULES[self.channel]

    def apply(self, fields: PersonFields, sensitive: bool) -> PersonFields:
        rules = self.rules(sensitive)
        return PersonFields(
            name=scrub_free_text(rules.name(fields.name)),
            id_number=rules.id_number(fields.id_number),
            phone=rules.phone(fields.phone) if fields.phone else "",
            account=rules.account(fields.account) if fields.account else "",
            group=scrub_free_text(fields.group),
            note=scrub_free_text(fields.note) if rules.show_note else "",
        )


def policy_for(channel: Channel | str) -> MaskPolicy:
    return MaskPolicy(Channel(channel))


@dataclass(frozen=True)
class ObjectionShown:
    """An objection (异议) as a sheet may show it."""

    received_on: dt.date
    outcome: str  # 处理中 / 异议成立 / 异议不成立 / 提出人撤回
    raised_by: str = ""
    content: str = ""
    handling: str = ""


def disclose_objection(
    received_on: dt.date, outcome: str, raised_by: str, content: str, handling: str, *, staff_copy: bool
) -> ObjectionShown:
    """On the wall and online an objection is its date and outcome only: who raised it and what it
    says about a neighbour stay in the record, the filing copy and the staff's screen."""
    if not staff_copy:
        return ObjectionShown(received_on, outcome)
    return ObjectionShown(received_on, outcome, scrub_free_text(raised_by), scrub_free_text(content),
                          scrub_free_text(handling))
