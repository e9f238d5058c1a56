"""One masking policy per channel, applied to every output (screen, list, CSV, JSON, Excel, PDF).

domain.md, "Masking personal identifiers": the wall board inside the village shows full names so
villagers can check who received money; anything that leaves the village also masks the given name.
Sensitive subsidy types (illness, disability…) never show more per person than the strictest rule.
Free text (notes, group names) is scrubbed of anything that looks like an ID number, whatever the
channel: an unmasked ID on a public sheet is the worst bug this product can have.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable

from app.core import names

ID_REGION_DIGITS = 6
ID_TAIL_DIGITS = 4
PHONE_HEAD, PHONE_TAIL = 3, 4
ACCOUNT_TAIL = 4
HIDDEN = "（不公开）"

# In free text, any run of 15 or more digits (half- or full-width, X allowed, single spaces allowed
# between groups) reads as an identifier to a human: the whole run is masked, wherever it stands.
_DIGIT = "0-9０-９"
_ID_LIKE = re.compile(rf"[{_DIGIT}XxＸｘ](?: ?[{_DIGIT}XxＸｘ]){{14,}}")
_MIN_DIGITS = 14


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


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if sum(ch.isdigit() for ch in run) < _MIN_DIGITS:
        return run  # a run of letters x with a few digits is not a number
    return mask_id(run.replace(" ", ""))


def scrub_free_text(text: str) -> str:
    """Mask every ID-like digit run inside free text (a note may carry an agent's ID number)."""
    if not text:
        return text
    return _ID_LIKE.sub(_mask_run, text)


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
