"""Character rules shared by what comes in (the import) and what goes out (the disclosure gate).

Both sides must agree on what a digit is and which characters are invisible: the import refuses a
name that hides a right-to-left override or a zero-width space, and the gate must find an ID number
whose digits were split by the same characters in a note. One table, so the two cannot drift apart.
"""

from __future__ import annotations

import unicodedata

# Written between the digits of a number by hand or by a careless paste: spaces of every width,
# tabs and line breaks, dots, hyphens and dashes, slashes, middle dots, underscores.
_VISIBLE_SEPARATORS = frozenset(
    " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
    ".\uff0e\u3002\u2024"  # . ． 。 ․
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe63\u30fc"  # hyphens, dashes, minus, ー
    "/\uff0f\\\uff3c"  # slashes
    "\u00b7\u30fb\uff65\u2027\u2022"  # middle dots, bullet
    "_\uff3f"  # underscores
)


# Unicode's format characters (category Cf), as ranges, for regular expressions that must agree with
# is_separator (a test checks the list against the running Python's Unicode tables).
FORMAT_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)


def _class_escape(ch: str) -> str:
    return f"\\U{ord(ch):08x}"


def separator_class() -> str:
    """The body of a regex character class matching every character is_separator accepts."""
    visible = "".join(_class_escape(ch) for ch in sorted(_VISIBLE_SEPARATORS))
    formats = "".join(f"{_class_escape(chr(a))}-{_class_escape(chr(b))}" for a, b in FORMAT_RANGES)
    return visible + formats + "\\x00-\\x1f\\x7f-\\x9f"


# A spreadsheet runs a cell that starts with one of these (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_format(ch: str) -> bool:
    """Invisible format characters: zero-width spaces and joiners, bidi controls, BOM, soft hyphen."""
    return unicodedata.category(ch) == "Cf"


def is_control(ch: str) -> bool:
    """C0/C1 controls (NUL, backspace, escape…), line and tab breaks included."""
    return unicodedata.category(ch) == "Cc"


def is_separator(ch: str) -> bool:
    """A character a person or a paste may leave between the digits of one number."""
    return ch in _VISIBLE_SEPARATORS or is_format(ch) or is_control(ch)


def ascii_digit(ch: str) -> str | None:
    """'7' for any Unicode decimal digit (full-width ７, Arabic-Indic ٧, Devanagari ७…), else None."""
    if "0" <= ch <= "9":
        return ch
    if ch.isdecimal():
        try:
            return str(unicodedata.decimal(ch))
        except ValueError:
            return None
    return None


def fold_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit; everything else unchanged."""
    if text.isascii():
        return text
    return "".join(ascii_digit(ch) or ch for ch in text)


def hidden_characters(text: str) -> list[tuple[int, str]]:
    """(1-based position, Chinese description) of each control or invisible format character."""
    found = []
    for position, ch in enumerate(text, start=1):
        if is_control(ch) or is_format(ch):
            found.append((position, describe(ch)))
    return found


def describe(ch: str) -> str:
    """How a clerk can be told which invisible character it is."""
    code = f"U+{ord(ch):04X}"
    if ch == "\x00":
        return f"空字符（{code}）"
    if ch in "\t\n\r":
        return f"制表符或换行（{code}）"
    if ch == "\x1b":
        return f"终端转义字符（{code}）"
    if is_control(ch):
        return f"控制字符（{code}）"
    if unicodedata.bidirectional(ch) in {"RLO", "LRO", "RLE", "LRE", "PDF", "RLI", "LRI", "FSI", "PDI"}:
        return f"文字方向控制符（{code}）"
    if ch in "\u200b\u200c\u200d\u2060\ufeff":
        return f"零宽字符（{code}）"
    return f"不可见格式字符（{code}）"
