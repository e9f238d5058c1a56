"""The monthly bulletin-board sheet, checked the way a villager reads it: by its text.

domain.md, "Printed forms": title, posting period, header on every page, 第 x 页 / 共 y 页, totals in
小写 and 大写, signature lines; "Masking": no readable ID number; sensitive types as totals only.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.core.ledger_record import LedgerRecord
from app.core.disclosure import Channel, policy_for
from app.core.money import format_yuan, to_capital
from app.core.synthetic import make_people
from app.outputs.bulletin_model import SheetMeta, build_sheet
from app.outputs.bulletin_pdf import render_bulletin
from app.outputs.fonts import MissingGlyph
from tests.test_no_id_leaks import valid_ids_in

OCT = dt.date(2026, 10, 1)
META = SheetMeta("桃源村", "青山镇", OCT, dt.date(2026, 11, 1), dt.date(2026, 11, 30), Channel.WALL, "0351-1234567")


def records(count: int, subsidy: str = "最低生活保障金", sensitive: bool = False, seed: int = 1) -> list[LedgerRecord]:
    rng = random.Random(seed)
    return [
        LedgerRecord(i, i, p.name, p.id_number, p.phone, p.account, f"{rng.randint(1, 6)}组", subsidy, sensitive,
                     OCT, rng.randrange(100, 200000), dt.date(2026, 10, 15), "560元/月", "", None)
        for i, p in enumerate(make_people(count, seed=seed), start=seed * 100000)
    ]


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def render(tmp_path: Path, recs, channel=Channel.WALL, **kw) -> tuple[Path, list[str]]:
    meta = SheetMeta(**{**META.__dict__, "channel": channel})
    path = tmp_path / "sheet.pdf"
    render_bulletin(build_sheet(recs, policy_for(channel), meta, **kw), path)
    return path, pdf_text(path)


def test_title_period_rows_totals_and_capital(tmp_path):
    recs = records(12) + records(5, "高龄津贴", seed=2)
    path, pages = render(tmp_path, recs)
    text = "\n".join(pages)
    assert "桃源村2026年10月惠民惠农补贴资金发放公开表" in pages[0]
    assert "公开时间：自 2026年11月1日 至 2026年11月30日" in pages[0]
    assert "乡镇：青山镇" in pages[0]
    for r in recs:
        assert r.name in text
        assert f"{r.id_number[:6]}********{r.id_number[-4:]}" in text
        assert format_yuan(r.amount_fen, thousands=True) in text
    low = [r for r in recs if r.subsidy == "最低生活保障金"]
    assert f"共 12 人次，小计 {format_yuan(sum(r.amount_fen for r in low), True)} 元" in text
    total = sum(r.amount_fen for r in recs)
    assert f"合计：共 17 人次，金额 {format_yuan(total, True)} 元（大写：{to_capital(total)}）" in text
    assert valid_ids_in(text) == []
    assert "制表人" in pages[-1] and "审核人" in pages[-1] and "村务监督委员会意见" in pages[-1]
    assert "监督电话：0351-1234567" in pages[0]


def test_online_channel_masks_names_and_says_so(tmp_path):
    recs = records(4)
    _, pages = render(tmp_path, recs, Channel.ONLINE)
    text = "\n".join(pages)
    assert not any(r.name in text for r in recs if len(r.name) > 1)
    assert "发布范围：对外发布" in text


def test_sensitive_types_show_count_and_total_only(tmp_path):
    hidden = records(3, "医疗救助", sensitive=True, seed=3)
    _, pages = render(tmp_path, records(2) + hidden)
    text = "\n".join(pages)
    assert "医疗救助　共 3 人次" in text and "只公开人数和金额" in text
    for r in hidden:
        assert r.name not in text and r.id_number[-4:] + "\n" not in text


def test_two_thousand_rows_paginate_with_header_and_numbering(tmp_path):
    recs = records(2000)
    path, pages = render(tmp_path, recs)
    assert len(pages) > 40
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in page
        if page.strip() and number < len(pages):
            assert "身份证号" in page and "发放金额(元)" in page  # the header row repeats
    text = "\n".join(pages)
    serials = [int(s) for s in re.findall(r"^\s*(\d+)\s*$", text, re.M)]
    assert set(range(1, 2001)) <= set(serials)  # every row printed, none lost at page breaks
    assert valid_ids_in(text) == []


def test_rare_characters_print_and_missing_ones_name_the_person(tmp_path):
    recs = records(2)
    recs[0] = LedgerRecord(**{**recs[0].__dict__, "name": "王䶮"})
    recs[1] = LedgerRecord(**{**recs[1].__dict__, "name": "李𬌗"})
    _, pages = render(tmp_path, recs)
    assert "王䶮" in pages[0] and "李𬌗" in pages[0]
    recs[1] = LedgerRecord(**{**recs[1].__dict__, "name": "李\U00030000"})  # Extension G: no bundled face has it
    with pytest.raises(MissingGlyph, match="李"):
        render(tmp_path, recs)


def test_fonts_are_embedded_subsets(tmp_path):
    path, _ = render(tmp_path, records(3))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("yes" in row[-5:-3] for row in rows), fonts  # emb and sub columns
    assert all(re.match(r"^[A-Z]{6}\+", row[0]) for row in rows), fonts


def test_empty_columns_are_dropped(tmp_path):
    _, pages = render(tmp_path, records(3))
    assert "备注" not in pages[0]
    with_note = records(3)
    with_note[0] = LedgerRecord(**{**with_note[0].__dict__, "note": "代领"})
    _, pages = render(tmp_path, with_note)
    assert "备注" in pages[0] and "代领" in pages[0]


def test_same_sheet_renders_to_the_same_bytes(tmp_path):
    recs = records(30)
    sheet = build_sheet(recs, policy_for("wall"), META)
    render_bulletin(sheet, tmp_path / "a.pdf")
    render_bulletin(sheet, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_a_long_note_wraps_without_punctuation_at_line_start():
    from app.core.cjk_wrap import NO_LINE_START
    from app.outputs.bulletin_pdf import layout

    recs = records(1)
    recs[0] = LedgerRecord(**{**recs[0].__dict__, "note": "本人外出务工，由其配偶代领，已核对身份证件，并在领款单上签字确认。" * 5})
    pages = layout(build_sheet(recs, policy_for("wall"), META))
    note_lines = [row.cells[-1] for page in pages for row in page.rows if row.kind == "data"][0]
    assert len(note_lines) > 2
    assert all(line[0] not in NO_LINE_START for line in note_lines)
