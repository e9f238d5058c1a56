"""Property: no listing or export, on any channel, contains an 18-character ID with a valid check
character — whatever the clerk typed into names, notes, groups or standards (domain.md, "Masking
personal identifiers"; DEVELOPERS.md: an unmasked ID on a public sheet is the worst bug)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.core import idnumber
from app.core.ledger_record import LedgerRecord
from app.core.disclosure import Channel, policy_for
from app.outputs.bulletin_model import SheetMeta, build_sheet
from app.outputs.bulletin_xlsx import write_bulletin_xlsx
from app.outputs.listing import to_csv, to_json, to_table
from app.outputs.masked_rows import mask_records

_RUN = re.compile(r"[0-9X]{18,}")


def valid_ids_in(text: str) -> list[str]:
    """Every 18-character window with a valid check character, read as a person would read it:
    full-width digits folded, single spaces between digits closed up."""
    folded = unicodedata.normalize("NFKC", text).upper()
    folded = re.sub(r"(?<=[0-9X]) (?=[0-9X])", "", folded)
    found = []
    for run in _RUN.findall(folded):
        found += [run[i : i + 18] for i in range(len(run) - 17) if idnumber.is_valid(run[i : i + 18])]
    return found


@st.composite
def id_numbers(draw) -> str:
    birth = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    body = draw(st.sampled_from(["140123", "410526", "999901"])) + birth.strftime("%Y%m%d") + draw(
        st.from_regex(r"[0-9]{3}", fullmatch=True)
    )
    return body + idnumber.check_character(body)


def disguised(number: str, style: int) -> str:
    if style == 1:
        return number.lower()
    if style == 2:
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    if style == 3:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    return number


@st.composite
def free_text(draw) -> str:
    parts = draw(st.lists(st.one_of(
        st.text(alphabet="代领人身份证号已核补发差额组村0123456789-、，：。 ", max_size=12),
        st.builds(disguised, id_numbers(), st.integers(0, 3)),
    ), max_size=4))
    return "".join(parts)


@st.composite
def records(draw) -> LedgerRecord:
    number = draw(id_numbers())
    return LedgerRecord(
        payout_id=draw(st.integers(1, 10**6)),
        person_id=1,
        name=draw(st.one_of(st.text(alphabet="张王李欧阳明芳䶮·", min_size=1, max_size=6), free_text())),
        id_number=number,
        phone=draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)),
        account=draw(st.one_of(st.just(""), st.from_regex(r"[0-9]{16,19}", fullmatch=True), id_numbers())),
        group=draw(st.one_of(st.just("3组"), free_text())),
        subsidy=draw(st.sampled_from(["最低生活保障金", "医疗救助", "高龄津贴"])),
        sensitive=draw(st.booleans()),
        period=dt.date(2026, 10, 1),
        amount_fen=draw(st.integers(1, 10**9)),
        pay_date=draw(st.one_of(st.none(), st.dates(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))),
        standard=draw(free_text()),
        note=draw(free_text()),
        batch_id=None,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=8), st.sampled_from(list(Channel)))
def test_no_listing_contains_a_valid_id(batch, channel):
    rows = mask_records(batch, policy_for(channel))
    for render in (to_table, to_csv, to_json):
        text = render(rows)
        assert valid_ids_in(text) == [], render.__name__


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(records(), min_size=1, max_size=5), st.sampled_from(list(Channel)))
def test_no_excel_export_contains_a_valid_id(tmp_path: Path, batch, channel):
    meta = SheetMeta("桃源村", "青山镇", dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30), channel)
    path = write_bulletin_xlsx(build_sheet(batch, policy_for(channel), meta), tmp_path / "export.xlsx")
    cells = [str(c.value) for row in load_workbook(path).active.iter_rows() for c in row if c.value is not None]
    assert valid_ids_in("\n".join(cells)) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(records(), min_size=1, max_size=5), st.sampled_from(list(Channel)))
def test_no_bulletin_pdf_contains_a_valid_id(tmp_path: Path, batch, channel):
    from pypdf import PdfReader

    from app.outputs.bulletin_pdf import render_bulletin

    meta = SheetMeta("桃源村", "青山镇", dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30), channel)
    render_bulletin(build_sheet(batch, policy_for(channel), meta), tmp_path / "sheet.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "sheet.pdf").pages)
    assert valid_ids_in(text) == []


@given(id_numbers())
def test_the_detector_finds_what_it_must(number):
    for style in range(4):
        assert valid_ids_in("备注 " + disguised(number, style) + " 完") == [number]
