"""Chinese line breaking (domain.md, "Printed forms": no full-width punctuation at the start of a
line, no split numbers)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.cjk_wrap import NO_LINE_START, wrap


def measure(text: str) -> float:
    """One unit per character: a monospace stand-in for font metrics."""
    return float(len(text))


def test_short_text_is_one_line():
    assert wrap("低保金", 10, measure) == ["低保金"]


def test_punctuation_does_not_start_a_line():
    lines = wrap("本月发放低保金，合计五百元。", 7, measure)
    assert all(line[0] not in NO_LINE_START for line in lines if line)
    assert "".join(lines) == "本月发放低保金，合计五百元。"


def test_numbers_are_not_split():
    lines = wrap("补发差额1234.50元整", 8, measure)
    assert any("1234.50" in line for line in lines)


def test_opening_bracket_moves_down_with_its_content():
    lines = wrap("一二三四五（备注）", 6, measure)
    assert not any(line.endswith("（") for line in lines)


def test_an_overwide_number_is_cut_only_when_it_cannot_fit():
    assert wrap("123456789", 4, measure) == ["1234", "5678", "9"]


@settings(max_examples=200)
@given(st.text(alphabet="村民补贴金额，。；：？！、（）0123456789.元 ", max_size=60), st.integers(3, 20))
def test_no_line_starts_with_closing_punctuation_and_nothing_is_lost(text, width):
    lines = wrap(text, width, measure)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for index, line in enumerate(lines):
        if index and line and line[0] in NO_LINE_START:
            # allowed only when the line before could not give up a character
            assert len(lines[index - 1].strip()) <= 1
