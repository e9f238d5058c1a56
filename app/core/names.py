"""Villagers' names: what may be stored, how the given name is masked, pinyin initials for search."""

from __future__ import annotations

import functools
import os
import re
import unicodedata

# Two-character surnames (复姓) whose second character belongs to the surname, not the given name.
COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "司空", "夏侯", "令狐", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "百里", "钟离", "万俟", "闻人", "澹台", "公冶", "太叔", "申屠", "赫连", "拓跋", "完颜", "东郭", "第五"]
)
NAME_SEPARATOR = "·"
_MAX_NAME_LENGTH = 30
# Digits or ID-like strings never belong in a name column; they usually mean columns were swapped.
_FORBIDDEN = re.compile(r"[0-9]")


class NameError_(ValueError):
    """A name that cannot be stored; the message is for the clerk (Chinese)."""


def normalize(raw: object) -> str:
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    # Minority names are written with several look-alike middle dots; store one.
    text = re.sub(r"[•・‧∙⋅．]", NAME_SEPARATOR, text)
    return re.sub(r"\s+", "", text)


# The common case, checked without Unicode normalization: Han characters (incl. extensions) only.
_PLAIN_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134f]{1,30}$")


def validate(raw: object) -> str:
    if isinstance(raw, str) and _PLAIN_NAME.match(raw):
        return raw
    name = normalize(raw)
    if not name:
        raise NameError_("姓名为空")
    if _FORBIDDEN.search(name):
        raise NameError_(f"姓名“{name}”含有数字，请检查是否与其他列错位")
    if len(name) > _MAX_NAME_LENGTH:
        raise NameError_(f"姓名“{name[:10]}…”过长（超过 {_MAX_NAME_LENGTH} 个字）")
    stray = next((ch for ch in name if not _is_name_character(ch)), None)
    if stray is not None:
        quoted = name if len(name) <= 10 else name[:10] + "…"
        raise NameError_(f"姓名“{quoted}”里有不该出现在姓名中的字符“{stray}”，请检查是否与其他列错位")
    return name


def _is_name_character(ch: str) -> bool:
    """Letters of any script (Han, Uyghur, Tibetan, Latin…), their combining marks, the middle dot,
    and the private-use characters county systems encode rare name characters with (造字). Never
    punctuation or symbols: `=HYPERLINK(…)` or `张三/李四` is not a person's name."""
    return ch == NAME_SEPARATOR or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Co"


def surname_length(name: str) -> int:
    return 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1


def mask_given_name(name: str) -> str:
    """张三 → 张*, 张三明 → 张*明, 欧阳明明 → 欧阳**, 阿依·买买提 → 阿**·***."""
    if not name:
        return name
    if NAME_SEPARATOR in name:
        return name[0] + "".join(ch if ch == NAME_SEPARATOR else "*" for ch in name[1:])
    keep = surname_length(name)
    given = name[keep:]
    if len(name) == 3 and keep == 1:
        return name[0] + "*" + name[2]
    return name[:keep] + "*" * len(given)


def mask_entirely(name: str) -> str:
    return "*" * max(len(name), 2)


@functools.cache
def _initial(char: str) -> str:
    # Imported on first use, and without its phrase dictionary: names are looked up one character
    # at a time (see pinyin_initials), so the phrases (2.5 MB of JSON, ~0.1 s to load) never apply.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin

    # pypinyin's stubs say `errors` returns a str; it may return a list (kept characters), as here.
    readings = lazy_pinyin(char, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))  # type: ignore[arg-type, return-value]
    return str(readings[0]).lower()


# Surnames read otherwise than their character's everyday reading, which is what pypinyin gives:
# 单 shàn, not dān; 曾 zēng, not céng. The clerk types the surname's initial.
SURNAME_INITIALS = {
    "单": "s", "曾": "z", "解": "x", "仇": "q", "区": "o", "查": "z", "乐": "y", "覃": "q", "翟": "z",
    "种": "c", "繁": "p", "召": "s", "隗": "w", "秘": "b", "折": "s", "祭": "z", "句": "g", "藏": "z",
    "蕃": "p", "尉迟": "yc", "万俟": "mq", "澹台": "tt",
}


def pinyin_initials(name: str) -> str:
    """张三 → 'zs'; 曾国藩 → 'zgf cgf' (the surname's reading first, then the everyday one, so that
    a search for either finds him). Characters without a reading (or non-Han) are kept lower-cased.

    Character by character: names are not phrases (pypinyin's phrase matching only ever misreads a
    name that happens to spell a word), and a village's few thousand distinct characters are looked
    up once each, which is what makes a 100,000-row import affordable.
    """
    everyday = "".join(_initial(char) for char in name)
    surname = name[: surname_length(name)]
    reading = SURNAME_INITIALS.get(surname)
    if reading is None or NAME_SEPARATOR in name:
        return everyday
    return f"{reading}{everyday[len(surname):]} {everyday}"
