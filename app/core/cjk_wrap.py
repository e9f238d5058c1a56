"""Line breaking for Chinese text in fixed-width cells (domain.md, "Printed forms").

Rules: a full-width closing punctuation mark (，。；：？！、…) never starts a line, an opening bracket
never ends one, and a number (digits with its decimal point, separators and unit signs) or a Latin
word is never split — unless it alone is wider than the cell, where there is no other choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# 行首禁则: may not start a line.
NO_LINE_START = set("，。；：？！、）》」』】〕〉”’…—·%‰,.;:?!)]}")
# 行尾禁则: may not end a line.
NO_LINE_END = set("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.,:/\-_%*+]*|\s+|.", re.DOTALL)

Measure = Callable[[str], float]


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Lines of `text` that fit `width` as measured; explicit newlines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines or [""]


def _wrap_paragraph(text: str, width: float, measure: Measure) -> list[str]:
    if not text or measure(text) <= width:
        return [text]
    lines: list[list[str]] = []
    line: list[str] = []
    for token in tokens(text):
        candidate = "".join(line) + token
        if not line or measure(candidate) <= width:
            if line or not token.isspace():
                line.append(token)
            continue
        if token.isspace():  # a space at a break is dropped, not carried to the next line
            lines.append(line)
            line = []
            continue
        carried: list[str] = []
        # Pull the last token along so the punctuation does not start the next line.
        if token[0] in NO_LINE_START and len(line) > 1:
            carried.append(line.pop())
        # An opening bracket at the end of the line moves down with what it opens.
        while len(line) > 1 and line[-1] in NO_LINE_END:
            carried.insert(0, line.pop())
        lines.append(line)
        line = carried + [token]
    if line:
        lines.append(line)
    result: list[str] = []
    for parts in lines:
        for piece in _split_overwide("".join(parts).rstrip(), width, measure):
            # After a forced cut, the punctuation that follows takes the last character with it.
            while result and piece and piece[0] in NO_LINE_START and len(result[-1]) > 1:
                piece = result[-1][-1] + piece
                result[-1] = result[-1][:-1]
            result.append(piece)
    return result


def _split_overwide(line: str, width: float, measure: Measure) -> list[str]:
    """Only a single token wider than the cell is cut, character by character."""
    if measure(line) <= width or len(line) <= 1:
        return [line]
    pieces: list[str] = []
    current = ""
    for char in line:
        if current and measure(current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces
