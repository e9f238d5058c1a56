"""The DA/T 22-2015 filing rules (domain.md, "Archive filing"): 档号, 保管期限 codes, 日期 as YYYYMMDD."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.archive import (
    ArchiveError,
    FondsSettings,
    Retention,
    archival_code,
    filing_date,
    format_piece_number,
    piece_range,
)


def test_code_as_the_issue_writes_it():
    assert archival_code(FondsSettings("J012"), 2026, Retention.YEARS_10, "CW", 31) == "J012-2026-D10-CW-0031"


def test_code_with_a_document_class_as_domain_md_writes_it():
    """domain.md: 0194-WS·2016-D30-BGS-0001 (WS = 文书)."""
    assert archival_code(FondsSettings("0194", "WS"), 2016, Retention.YEARS_30, "BGS", 1) == "0194-WS·2016-D30-BGS-0001"


def test_a_part_left_out_keeps_the_rest_in_order():
    assert archival_code(FondsSettings("J012"), 2026, Retention.PERMANENT, "", 7) == "J012-2026-Y-0007"
    assert archival_code(FondsSettings("J012"), 2026, Retention.PERMANENT, "gk", 7) == "J012-2026-Y-GK-0007"


@pytest.mark.parametrize("text, expected", [
    ("永久", Retention.PERMANENT), ("Y", Retention.PERMANENT), ("定期30年", Retention.YEARS_30),
    ("D30", Retention.YEARS_30), ("定期 10年", Retention.YEARS_10), ("d10", Retention.YEARS_10),
])
def test_retention_from_what_clerks_type(text, expected):
    assert Retention.parse(text) is expected


def test_unknown_retention_is_named():
    with pytest.raises(ArchiveError, match="长期"):
        Retention.parse("长期")  # the pre-2006 term; DA/T 22-2015 has no 长期


@pytest.mark.parametrize("bad", ["J-012", "全宗", "", "A" * 13])
def test_fonds_number_is_letters_and_digits(bad):
    with pytest.raises(ArchiveError, match="全宗号"):
        FondsSettings(bad)


def test_piece_numbers_have_four_digits_and_bounds():
    assert format_piece_number(1) == "0001"
    for bad in (0, 10000):
        with pytest.raises(ArchiveError):
            format_piece_number(bad)


def test_dates_and_ranges():
    assert filing_date(dt.date(2026, 3, 5)) == "20260305"
    assert piece_range([12, 3, 31]) == "0003—0031"
