"""Issue 15: the bulletin sheet laid out as a township official would accept it.

domain.md, "Printed forms": signature lines and room for the seal on the last page — which must also
hold figures (a last page of signatures alone could be swapped); names never broken inside a word;
A3 is the wall poster, read from a step away.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpyxl import load_workbook
from pypdf import PdfReader

from app.cli.main import main
from app.core.disclosure import Channel, policy_for
from app.core.ledger_record import LedgerRecord
from app.core.synthetic import make_people
from app.outputs.bulletin_model import SheetMeta, build_sheet
from app.outputs.bulletin_pdf import TYPES, layout

OCT = dt.date(2026, 10, 1)
META = SheetMeta("桃源村", "青山镇", OCT, dt.date(2026, 11, 1), dt.date(2026, 11, 30), Channel.WALL, "0351-1234567")
LONG_GROUPS = ["第一村民小组（东沟片区）", "第二村民小组（西坡自然村）", "第三村民小组（河湾移民安置点）", "第四村民小组"]
SUBSIDIES = ["耕地地力保护补贴", "最低生活保障金", "高龄津贴", "生态护林员补助", "公益性岗位补贴"]


def records(count: int, seed: int = 1, groups: list[str] | None = None, subsidies: int = 1,
            note: str = "") -> list[LedgerRecord]:
    rng = random.Random(seed)
    people = make_people(count, seed=seed)
    result = []
    for i, p in enumerate(people):
        subsidy = SUBSIDIES[i * subsidies // count] if subsidies > 1 else SUBSIDIES[1]
        group = rng.choice(groups) if groups else f"{rng.randint(1, 6)}组"
        result.append(LedgerRecord(i, i, p.name, p.id_number, p.phone, p.account, group, subsidy, False, OCT,
                                   rng.randrange(100, 200000), dt.date(2026, 10, 15), "按面积", note, None))
    return result


def pages_of(recs: list[LedgerRecord], size: str = "A4"):
    return layout(build_sheet(recs, policy_for(Channel.WALL), META), size)


def data_rows(page) -> int:
    return sum(row.kind == "data" for row in page.rows)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 140), st.integers(1, 3), st.sampled_from(["A4", "A3"]))
def test_signatures_share_the_last_page_with_figures_and_no_page_holds_one_row(count, subsidies, size):
    pages = pages_of(records(count, seed=count, subsidies=subsidies), size)
    last = pages[-1]
    assert last.signatures and all(not page.signatures for page in pages[:-1])
    assert any(row.total for row in last.rows), "the grand total is on the signature page"
    assert data_rows(last) >= min(2, count), "the signature page holds the last rows"
    if count > 1:
        assert all(data_rows(page) != 1 for page in pages), [data_rows(p) for p in pages]
    for page in pages:  # a section heading never ends a page
        assert not page.rows or not page.rows[-1].keep_with_next


def test_the_case_that_used_to_leave_the_signatures_alone():
    """Issue 15: under 34 mm left after the total moved 制表人/审核人/盖章 to a page with no figures."""
    for count in range(20, 200, 7):
        pages = pages_of(records(count, seed=3))
        assert data_rows(pages[-1]) >= 2, count


def test_a3_type_is_at_least_135_percent_of_a4():
    assert TYPES["A3"].body >= 1.35 * TYPES["A4"].body
    assert TYPES["A3"].title >= 1.35 * TYPES["A4"].title


def test_minority_names_break_only_at_the_middle_dot():
    recs = records(6, seed=4)
    long_name = "阿卜杜热合曼·买买提·艾则孜江"
    recs[0] = LedgerRecord(**{**recs[0].__dict__, "name": long_name})
    pages = pages_of(recs)
    first = next(row for page in pages for row in page.rows if row.kind == "data")
    name_lines = first.cells[1]
    assert "".join(name_lines) == long_name
    assert all(line.endswith("·") for line in name_lines[:-1]), name_lines


def test_the_subsidy_is_the_section_heading_not_a_column():
    sheet = build_sheet(records(10, subsidies=2), policy_for(Channel.WALL), META)
    assert "subsidy" not in [key for key, _, _ in sheet.columns]
    pages = layout(sheet)
    headings = [row.text[0] for page in pages for row in page.rows if row.kind == "span" and row.keep_with_next]
    assert any(SUBSIDIES[0] in h for h in headings) and any(SUBSIDIES[1] in h for h in headings)


@pytest.mark.slow
def test_2014_rows_with_long_group_names_fit_in_60_a4_pages():
    """The bench's case (bench/bench_bulletin.py reports it too): 108 pages before issue 15."""
    recs = records(2014, seed=7, groups=LONG_GROUPS, subsidies=3)
    pages = pages_of(recs)
    assert len(pages) <= 60, len(pages)
    assert TYPES["A4"].body >= 9


# --- output integrity (issue 15, "Silent wrong files") -----------------------------------------

@pytest.fixture
def cli(db, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db.path), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def october(db, people, tmp_path):
    from app.services.importing import ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:5]))), village=VILLAGE), ACTOR)


def test_the_format_follows_the_file_name_or_the_command_refuses(cli, october, tmp_path):
    code, out, _ = cli("bulletin", "--village", "桃源村", "--month", "2026-10", "--out", str(tmp_path / "表.xlsx"))
    assert code == 0 and "Excel" in out
    workbook = load_workbook(tmp_path / "表.xlsx")  # a real workbook, not a PDF under an .xlsx name
    assert workbook.active["A1"].value == "桃源村2026年10月惠民惠农补贴资金发放公开表"
    code, _, err = cli("bulletin", "--village", "桃源村", "--month", "2026-10", "--out", str(tmp_path / "表.doc"))
    assert code == 1 and ".pdf" in err and not (tmp_path / "表.doc").exists()


def test_an_empty_month_is_refused(cli, october, tmp_path):
    code, _, err = cli("bulletin", "--village", "桃源村", "--month", "2026-09", "--out", str(tmp_path / "九月.pdf"))
    assert code == 1 and "2026年9月桃源村没有发放记录" in err and not (tmp_path / "九月.pdf").exists()


def test_a_backdated_posting_needs_the_clerks_word(cli, october):
    code, _, err = cli("publish", "--village", "桃源村", "--month", "2026-10", "--by", "王文书", "--date", "2026-11-20")
    assert code == 1 and "早于张贴日期" in err
    code, out, _ = cli("publish", "--village", "桃源村", "--month", "2026-10", "--by", "王文书", "--date", "2026-11-20",
                       "--from", "2026-11-20", "--to", "2026-12-19")
    assert code == 0 and "已锁定" in out


def test_the_batch_prints_every_village_it_can_and_names_the_one_it_cannot(db, cli, people, tmp_path):
    from app.services.importing import ImportRequest, import_payouts
    from app.services.villages import add_village
    from app.storage.models import Person
    from sqlmodel import select
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    from app.services.village_settings import update_village
    from tests.conftest import VILLAGE_CONTACTS

    update_village(db, add_village(db, "杏花村", ACTOR).id, ACTOR, **VILLAGE_CONTACTS)
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3]))), village=VILLAGE), ACTOR)
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "b.xlsx", grid(lines_for(people[3:6]))), village="杏花村"), ACTOR)
    with db.transaction() as session:  # a character no bundled font has (a private-use code point)
        person = session.exec(select(Person).where(Person.id_index == db.cipher.blind_index(people[4].id_number))).one()
        person.name = "王\ue000"
    code, out, err = cli("bulletin", "--all", "--month", "2026-10", "--out", str(tmp_path / "all"))
    assert code == 1
    assert "没有生成：杏花村" in err and "王\ue000" in err and "Traceback" not in err
    printed = {p.name for p in (tmp_path / "all").iterdir() if p.suffix == ".pdf"}
    assert "桃源村-2026-10.pdf" in printed and any("汇总" in name for name in printed)
    assert "杏花村-2026-10.pdf" not in printed


def test_the_township_summary_says_where_it_hangs(tmp_path):
    from app.outputs.bulletin_pdf import render_bulletin
    from app.outputs.township_summary import summary_sheet

    village = build_sheet(records(5), policy_for(Channel.WALL), META)
    summary = summary_sheet("青山镇", OCT, [village], (dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    render_bulletin(summary, tmp_path / "s.pdf")
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "s.pdf").pages)
    assert "发布范围：乡镇公开栏、政务网站" in text and "村内公开栏" not in text


# --- notices and plain tables ------------------------------------------------------------------

def test_a_draft_notice_carries_the_watermark_on_every_page_and_a_posted_one_none(tmp_path):
    from app.outputs.notice_pdf import DRAFT_WATERMARK, NoticeLine, NoticeSheet, render_notice

    lines = [NoticeLine(p.name, p.id_number, "1组", "临时救助", 50000) for p in make_people(70, seed=9)]
    draft = NoticeSheet("桃源村", "青山镇", "临时救助对象公示", "临时救助", "7 天", "经评议，拟救助以下人员。",
                        dt.date(2026, 12, 5), dt.date(2026, 12, 11), "公开栏", "0351-1234567", "草稿", False, lines)
    assert render_notice(draft, tmp_path / "draft.pdf") >= 2
    pages = [page.extract_text().replace(" ", "").replace("\n", "") for page in PdfReader(tmp_path / "draft.pdf").pages]
    assert all(DRAFT_WATERMARK.replace(" ", "") in text for text in pages)
    posted = NoticeSheet(**{**draft.__dict__, "state_label": "公示中", "reviewed": True})
    render_notice(posted, tmp_path / "posted.pdf")
    assert not any("未经审核" in page.extract_text() for page in PdfReader(tmp_path / "posted.pdf").pages)


@pytest.mark.parametrize("count", range(20, 75, 3))
def test_closing_lines_keep_the_last_rows_and_no_page_holds_one_row(count):
    from app.outputs.table_pdf import Column, TableDocument, _Layout

    doc = TableDocument("公示", [Column("name", "姓名", 1.0), Column("note", "备注", 2.0)],
                        [{"name": f"张{i}", "note": "—"} for i in range(count)],
                        closing=["公示结果：无异议。"] * 8 + ["村民委员会（盖章）"])
    pages = _Layout(doc).paginate()
    assert len(pages[-1]) >= 2, [len(p) for p in pages]
    assert all(len(page) != 1 for page in pages)


def test_names_within_a_group_are_in_pinyin_order(db, tmp_path):
    """Issue 15: code-point order put 曾 (zēng) and 张 among strangers; a villager looks a name up by its sound."""
    from app.core.synthetic import make_people
    from app.services.importing import ImportRequest, import_payouts
    from app.services.ledger import LedgerFilter, fetch_all
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    names = ["赵一", "曾二", "安三", "张四", "白五", "陈六"]
    people = [p.__class__(**{**p.__dict__, "name": name}) for p, name in zip(make_people(6, seed=21), names)]
    lines = lines_for(people)
    for line in lines:
        line.group = "1组"
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "a.xlsx", grid(lines)), village=VILLAGE), ACTOR)
    with db.reading() as session:
        printed = [r.name for r in fetch_all(session, LedgerFilter(period=OCT))]
    assert printed == ["安三", "白五", "陈六", "曾二", "张四", "赵一"]


@pytest.mark.parametrize("count", [1, 5, 25, 31, 32, 33, 34, 60, 66, 67, 100, 140, 301])
@pytest.mark.parametrize("sections", [1, 3])
def test_the_page_estimate_for_filing_agrees_with_the_layout(count, sections):
    """An imported table is filed with its 页数 estimated from its row count (no layout at import)."""
    from app.outputs.sheet_type import estimated_pages

    assert estimated_pages(count, sections) == len(pages_of(records(count, seed=count, subsidies=sections)))


def test_a_pdf_carries_a_real_creation_date(tmp_path):
    """Issue 15: not ReportLab's invariant 2000-01-01; a posted sheet keeps its posting day."""
    from app.outputs.bulletin_pdf import render_bulletin

    sheet = build_sheet(records(3), policy_for(Channel.WALL), META)
    render_bulletin(sheet, tmp_path / "today.pdf")
    assert PdfReader(tmp_path / "today.pdf").metadata.creation_date.date() == dt.date.today()
    posted = build_sheet(records(3), policy_for(Channel.WALL),
                         SheetMeta(**{**META.__dict__, "made_on": dt.date(2026, 11, 2)}))
    render_bulletin(posted, tmp_path / "a.pdf")
    render_bulletin(posted, tmp_path / "b.pdf")
    assert PdfReader(tmp_path / "a.pdf").metadata.creation_date.date() == dt.date(2026, 11, 2)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def _area_file(tmp_path, people, area: object = "12.35"):
    from tests.payout_files import write_xlsx

    header = ["序号", "姓名", "身份证号", "组别", "补贴项目", "补贴面积（亩）", "补贴标准（元/亩）", "发放金额", "发放日期"]
    rows = [header] + [
        [i, p.name, p.id_number, "1组", "耕地地力保护补贴", area if i == 1 else "3.50", "126.50",
         "1562.28" if i == 1 else "442.75", "2026-10-15"]
        for i, p in enumerate(people, start=1)
    ]
    return write_xlsx(tmp_path / "耕地地力.xlsx", rows)


def test_a_sheet_paid_by_area_prints_the_area_and_the_rate(db, people, tmp_path):
    """Issue 15: 耕地地力 showed "按面积" with no area or rate per 亩 although the county file had them."""
    from app.outputs.bulletin_pdf import render_bulletin
    from app.services.bulletin import sheet_for
    from app.services.importing import ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE

    import_payouts(db, ImportRequest(path=_area_file(tmp_path, people[:3]), village=VILLAGE), ACTOR)
    sheet = sheet_for(db, VILLAGE, OCT)
    assert [label for key, label, _ in sheet.columns if key in ("area", "rate")] == ["补贴面积（亩）", "补贴标准（元/亩）"]
    render_bulletin(sheet, tmp_path / "s.pdf")
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "s.pdf").pages)
    assert "补贴面积（亩）" in text and "12.35" in text and "3.50" in text and "126.50" in text


def test_a_sheet_without_areas_has_no_area_columns(db, people, tmp_path):
    from app.services.bulletin import sheet_for
    from app.services.importing import ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3]))), village=VILLAGE), ACTOR)
    assert not {"area", "rate"} & {key for key, _, _ in sheet_for(db, VILLAGE, OCT).columns}


def test_a_bad_area_is_refused_with_its_row_and_column(db, people, tmp_path):
    from app.services.importing import ImportRefused, ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE

    with pytest.raises(ImportRefused) as refused:
        import_payouts(db, ImportRequest(path=_area_file(tmp_path, people[:2], area="十二亩"), village=VILLAGE), ACTOR)
    assert any("第 2 行" in line and "F 列" in line and "面积" in line for line in refused.value.problems), refused.value.problems


def test_each_section_names_its_issuing_department_and_basis(db, people, tmp_path):
    """Issue 15: 发放单位/主管部门 and 政策依据 were stored with each subsidy type but never printed."""
    from app.outputs.bulletin_pdf import render_bulletin
    from app.services.bulletin import sheet_for
    from app.services.importing import ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3]))), village=VILLAGE), ACTOR)
    sheet = sheet_for(db, VILLAGE, OCT)
    assert sheet.sections[0].issuer == "县民政局" and "最低生活保障审核确认办法" in sheet.sections[0].basis
    render_bulletin(sheet, tmp_path / "s.pdf")
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "s.pdf").pages).replace("\n", "")
    assert "发放单位：县民政局" in text and "政策依据：" in text
