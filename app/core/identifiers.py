"""Finding personal numbers in free text, whatever their spelling, and masking them.

A clerk types an agent's ID number into 备注 as `140122-19630809-7411`, `1401.2219.6308.0974.11`,
with two spaces, a tab, a zero-width space or a line break between its digits, in full-width or
Arabic-Indic digits, with a lowercase x. A villager's mobile comes as `138-1234-5678` or
`+86 138 1234 5678`, a bank card in groups of four. All of them read as the same number to a person
who looks at the sheet, so the scanner reads digits the way a person does: every Unicode decimal
digit counts, and up to a few separators (app.core.text_rules) may stand between two digits.

What a run of digits is, by its length (domain.md, "Masking personal identifiers"):
- 18 characters (the last may be X) or 15 digits: a resident ID → region + `********` + last 4;
- 11 digits 1[3-9]…, optionally after 86/0086: a mobile → `138****5678`;
- 10–12 digits starting with 0: a landline with its area code → area part + `****` + last 4;
- any other run of 13 or more digits: a bank or 一卡通 account → `*` for all but the last 4.
Shorter runs (amounts, dates, counts, piece numbers) are left alone, and so is a run that is only
dates written one after another (`2026-11-01 2026-11-30`).
"""

from __future__ import annotations

import re

from app.core.text_rules import ascii_digit, is_separator, separator_class

# How many separator characters may stand between two digits of one number ("\r\n" plus
# indentation, ". " or two spaces and a zero-width space all occur in pasted notes).
MAX_GAP = 4
SHORTEST_SECRET = 10  # fewer digits than this are never a personal number
_X = frozenset("xXｘＸ")
# Ten digits with at most MAX_GAP separators between neighbours: nothing shorter can hold a personal
# number, and one C-speed search rules out nearly every string an output writes (a masked ID too).
_TEN_DIGITS = re.compile(rf"(?:\D*\d){{{SHORTEST_SECRET}}}")  # disjoint classes: no backtracking
_CANDIDATE = re.compile(rf"\d(?:[{separator_class()}]{{0,{MAX_GAP}}}\d){{{SHORTEST_SECRET - 1}}}")
_DATES_ONLY = re.compile(r"^(?:\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?[\s至到~]*)+$")


def _mask_keep(digits: str, head: int, tail: int) -> str:
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def mask_run(digits: str) -> str | None:
    """The masked form of one run of digits (ASCII, X allowed last), or None to leave it as it is."""
    length = len(digits)
    if length < SHORTEST_SECRET:
        return None
    for prefix in ("0086", "86"):  # before the 15-digit ID: a region code never starts with 0
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and rest[0] == "1" and rest[1] in "3456789":
            return _mask_keep(rest, 3, 4)
    if length in (15, 18):
        return _mask_keep(digits, 6, 4)
    if length == 11 and digits[0] == "1" and digits[1] in "3456789":
        return _mask_keep(digits, 3, 4)
    if digits[0] == "0" and 10 <= length <= 12:
        return _mask_keep(digits, length - 8, 4)
    if length >= 13:
        return _mask_keep(digits, 0, 4)
    return None


def _scan(text: str) -> list[tuple[int, int, str]]:
    """(start, end, ASCII digits) of every run of digits joined by at most MAX_GAP separators."""
    runs = []
    n = len(text)
    i = 0
    while i < n:
        first = ascii_digit(text[i])
        if first is None:
            i += 1
            continue
        digits = [first]
        end = i + 1
        j = i + 1
        gap = 0
        while j < n:
            ch = text[j]
            digit = ascii_digit(ch)
            if digit is not None:
                digits.append(digit)
                end = j + 1
                gap = 0
            elif ch in _X and len(digits) == 17:
                digits.append("X")  # the check character closes an ID number
                end = j + 1
                break
            elif is_separator(ch) and gap < MAX_GAP:
                gap += 1
            else:
                break
            j += 1
        runs.append((i, end, "".join(digits)))
        i = end
    return runs


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked form) of every personal number in text."""
    if len(text) < SHORTEST_SECRET or not _TEN_DIGITS.match(text) or not _CANDIDATE.search(text):
        return []  # the common case: names, headings, amounts, masked numbers
    found = []
    for start, end, digits in _scan(text):
        masked = mask_run(digits)
        if masked is not None and not _DATES_ONLY.match(text[start:end]):
            if start and text[start - 1] in "+＋":
                start -= 1  # +86: the plus belongs to the number
            found.append((start, end, masked))
    return found


def digits_of(text: str) -> str:
    """The digits (and X) of a number as written, in ASCII: what two spellings of one number share."""
    return "".join(d for d in map(ascii_digit, text) if d) + ("X" if text.rstrip()[-1:] in _X else "")


def scrub(text: str, exempt: frozenset[str] = frozenset()) -> str:
    """text with every personal number in it masked, but those whose digits_of is in `exempt`;
    unchanged when there is none."""
    spans = find(text)
    if not spans:
        return text
    parts = []
    last = 0
    for start, end, masked in spans:
        raw = text[start:end]
        parts.append(text[last:start])
        parts.append(raw if exempt and digits_of(raw) in exempt else masked)
        last = end
    parts.append(text[last:])
    return "".join(parts)
