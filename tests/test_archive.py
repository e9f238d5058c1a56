"""Archive filing (issue 5; domain.md "Archive filing" and "Traceability"): automatic pieces, numbering
that is never reused, the 档号, evidence hashes, the filing index (PDF text and Excel) and box labels."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.cli.main import main
from app.core.periods import parse_month
from app.services import archive
from app.services.bulletin import publish
from app.services.errors import Conflict, ServiceError
from app.services.importing import ImportRequest, import_payouts
from tests import evidence_samples
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import grid, lines_for, write_xlsx

OCT = parse_month("2026-10")
JPEG = evidence_samples.jpeg()


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def configured(db):
    archive.configure(db, VILLAGE, "J012", ACTOR, default_category="GK")
    return db


@pytest.fixture
def october(configured, people, tmp_path):
    path = write_xlsx(tmp_path / "十月发放.xlsx", grid(lines_for(people[:5])))
    import_payouts(configured, ImportRequest(path=path, village=VILLAGE), ACTOR)
    return configured


def add(db, title: str, retention: str = "定期10年", **kw):
    return archive.add_piece(db, VILLAGE, ACTOR, title=title, doc_date=kw.pop("doc_date", dt.date(2026, 10, 8)),
                             retention=retention, **kw)


def test_an_import_and_a_posting_are_filed_automatically(october, tmp_path):
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(JPEG)
    info = publish(october, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR, photo=photo)
    _, found = archive.pieces(october, VILLAGE, 2026)
    titles = [p.title for p in found]
    # Titled as an archivist would (issue 15), not by the file name the county gave it.
    assert "桃源村2026年10月最低生活保障金发放明细" in titles and not any("十月发放.xlsx" in t for t in titles)
    posted = next(p for p in found if p.title == "桃源村2026年10月惠民惠农补贴资金发放公开表")
    assert posted.date == "20261101" and posted.period == OCT
    assert posted.code == f"J012-2026-D30-GK-{posted.number}"
    # the photo of the posted board is the publication's evidence (domain.md, Traceability)
    assert archive.piece_for_source(october, "publication", info.id) == posted.id
    assert [c.state for c in archive.check_evidence(october, posted.id)] == ["完好"]


def test_numbers_are_sequential_per_year_retention_and_category(configured):
    first, second = add(configured, "村民代表会议记录"), add(configured, "村务监督委员会会议记录")
    other = add(configured, "宅基地审批表", retention="永久")
    next_year = add(configured, "新年度第一件", doc_date=dt.date(2027, 1, 4))
    assert (first.number, second.number, other.number, next_year.number) == ("0001", "0002", "0001", "0001")
    assert second.code == "J012-2026-D10-GK-0002" and next_year.code == "J012-2027-D10-GK-0001"


def test_a_voided_number_is_never_reused(configured):
    first = add(configured, "错登的一件")
    archive.void_piece(configured, first.id, "重复登记", ACTOR)
    again = add(configured, "重新登记的一件")
    assert again.number == "0002"
    _, shown = archive.pieces(configured, VILLAGE, 2026)
    assert [p.number for p in shown] == ["0002"]


def test_voiding_needs_a_reason_and_a_printed_box_is_never_changed(configured, tmp_path):
    piece = add(configured, "村民代表会议记录")
    with pytest.raises(ServiceError, match="原因"):
        archive.void_piece(configured, piece.id, " ", ACTOR)
    archive.box_labels(configured, VILLAGE, 2026, ACTOR)
    before = row_counts(configured)
    with pytest.raises(Conflict, match="盒签"):
        archive.void_piece(configured, piece.id, "想删掉", ACTOR)
    assert row_counts(configured) == before
    later = add(configured, "装盒以后的一件")
    boxes = archive.box_labels(configured, VILLAGE, 2026, ACTOR)
    assert [(b.box_number, b.first, b.last) for b in boxes] == [(1, "0001", "0001"), (2, "0002", "0002")]
    assert later.number == "0002"


def test_evidence_is_hashed_and_a_changed_copy_is_detected(configured, tmp_path, db_path):
    piece = add(configured, "公开栏照片")
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(evidence_samples.pdf("a scan"))
    digest = archive.attach_evidence(configured, piece.id, scan, ACTOR)
    kept = db_path.parent / "evidence" / f"{digest}.pdf"
    assert kept.exists()
    scan.write_bytes(evidence_samples.pdf("changed afterwards"))  # the clerk's original changing is no matter
    assert [c.state for c in archive.check_evidence(configured, piece.id)] == ["完好"]
    kept.write_bytes(b"%PDF-1.4\n% tampered\n")
    assert [c.state for c in archive.check_evidence(configured, piece.id)] == ["已被改动"]
    kept.unlink()
    assert [c.state for c in archive.check_evidence(configured, piece.id)] == ["文件缺失"]


@pytest.mark.parametrize("name, content, reason", [
    ("照片.gif", b"GIF89a", "只接受"), ("照片.jpg", b"not a jpeg at all", "不是完好的图片"),
])
def test_evidence_that_is_not_a_photo_or_scan_is_refused(configured, tmp_path, name, content, reason):
    piece = add(configured, "一件")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ServiceError, match=reason):
        archive.attach_evidence(configured, piece.id, path, ACTOR)


def test_printing_needs_a_fonds_number(db, tmp_path):
    add(db, "没有全宗号时登记的一件")
    code = main(["--db", str(db.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
                 "--out", str(tmp_path / "目录.pdf")])
    assert code == 1 and not (tmp_path / "目录.pdf").exists()


def test_filing_index_pdf_has_the_da_t_22_columns_and_every_piece_of_the_month(configured, tmp_path):
    for month in (9, 10, 10, 10, 11):
        add(configured, f"{month}月的村务公开材料", doc_date=dt.date(2026, month, 12), doc_number=f"桃发〔2026〕{month}号")
    out = tmp_path / "十月目录.pdf"
    assert main(["--db", str(configured.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
                 "--month", "10", "--out", str(out)]) == 0
    text = text_of(out)
    for column in ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"):
        assert column in text
    assert "桃源村2026年10月归档文件目录" in text and "全宗号：J012" in text
    assert text.count("10月的村务公开材料") == 3 and "9月的" not in text and "11月的" not in text
    assert re.findall(r"J012-2026-D10-GK-000\d", text) == [f"J012-2026-D10-GK-000{i}" for i in (2, 3, 4)]
    assert "20261012" in text and "第 1 页 / 共 1 页" in text
    assert "桃源村村民委员会" in text.replace("\n", "")  # 责任者 may wrap inside its cell


def test_long_index_repeats_its_header_and_numbers_pages(configured, tmp_path):
    for i in range(70):
        add(configured, f"第{i + 1}份会议记录")
    out = tmp_path / "全年目录.pdf"
    _, fonds, rows = archive.index_rows(configured, VILLAGE, 2026)
    from app.outputs.filing_index import render_index_pdf

    pages = render_index_pdf(VILLAGE, fonds, 2026, None, rows, out)
    reader = PdfReader(out)
    assert pages == len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "档号" in text and "题名" in text and f"第 {number} 页 / 共 {pages} 页" in text
        assert "\n1\n" not in text.split("J012")[0] or number == 1  # 序号 runs on across pages
    assert "J012-2026-D10-GK-0070" in text_of(out)


def test_filing_index_excel_keeps_numbers_as_written(configured, tmp_path):
    add(configured, "村民代表会议记录", doc_number="桃发〔2026〕3号")
    out = tmp_path / "目录.xlsx"
    assert main(["--db", str(configured.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
                 "--out", str(out)]) == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[2][:6] == ("序号", "档号", "文号", "责任者", "题名", "日期")
    assert rows[3][:5] == (1, "J012-2026-D10-GK-0001", "桃发〔2026〕3号", "桃源村村民委员会", "村民代表会议记录")
    # issue 11: a date is a date (shown as DA/T 22's YYYYMMDD) and 页数 a number, so they sort and add up.
    sheet = load_workbook(out).active
    assert sheet["F4"].value == dt.datetime(2026, 10, 8) and sheet["F4"].number_format == "yyyymmdd"
    assert isinstance(sheet["H4"].value, int)


def test_box_labels_carry_the_spine_fields(configured, tmp_path):
    for i in range(3):
        add(configured, f"会议记录{i}")
    add(configured, "宅基地审批表", retention="永久")
    out = tmp_path / "盒签.pdf"
    assert main(["--db", str(configured.path), "archive", "labels", "--village", VILLAGE, "--year", "2026",
                 "--organizer", "王文书", "--checker", "李主任", "--out", str(out)]) == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 6  # two boxes (D10 and Y): cover, spine, notes sheet each
    cover = reader.pages[0].extract_text()
    for field in ("全宗号", "J012", "年度", "2026", "保管期限", "起止件号", "0001—0003", "盒号"):
        assert field in cover
    notes = reader.pages[2].extract_text()
    assert "备" in notes and "王文书" in notes and "李主任" in notes and "本盒文件共 3 件、3 页" in notes
    assert "永久" in reader.pages[3].extract_text()


def test_a_notice_is_filed_when_its_period_ends(configured):
    """Issue 5: a notice becomes a filed piece when it ends, with how it ended."""
    from tests.test_notices import draft, walk_to_posted
    from app.services.notices import advance, create_notice

    notice_id = create_notice(configured, draft(), ACTOR)
    walk_to_posted(configured, notice_id)
    assert archive.piece_for_source(configured, "notice", notice_id) is None  # still on the board
    advance(configured, notice_id, "王文书", dt.date(2026, 11, 8), ACTOR)
    piece_id = archive.piece_for_source(configured, "notice", notice_id)
    _, found = archive.pieces(configured, VILLAGE, 2026)
    piece = next(p for p in found if p.id == piece_id)
    assert piece.title == "2026年11月最低生活保障新增对象公示" and piece.date == "20261108"
    assert piece.code == "J012-2026-D10-GK-0001" and "公示期满无异议" in piece.remark


def test_an_id_number_typed_into_a_title_never_reaches_the_index(configured, people, tmp_path):
    """The index leaves the village: no 18-character ID with a valid check character may appear in it."""
    from app.core import idnumber

    number = people[0].id_number
    add(configured, f"{people[0].name}（{number}）的申请材料", remark=f"身份证 {number}")
    out = tmp_path / "目录.pdf"
    assert main(["--db", str(configured.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
                 "--out", str(out)]) == 0
    text = text_of(out).replace("\n", "")
    assert number not in text and number[:6] in text
    assert not [run for run in re.findall(r"(?=([0-9X]{18}))", text) if idnumber.is_valid(run)]


def test_the_index_is_one_list_per_retention_period_with_serials_from_1(configured, tmp_path):
    """DA/T 22-2015 (domain.md, "Archive filing"): a year's papers make one list per retention period,
    never one mixed list; 序号 restarts in each list, 件号 stays in the 档号."""
    for retention in ("定期10年", "定期30年", "永久", "定期10年", "定期30年"):
        add(configured, f"{retention}的文件", retention=retention, pages=2)
    out = tmp_path / "目录.pdf"
    assert main(["--db", str(configured.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
                 "--out", str(out)]) == 0
    pages = [page.extract_text() for page in PdfReader(out).pages]
    assert len(pages) == 3
    assert ["保管期限：永久" in pages[0], "保管期限：定期30年" in pages[1], "保管期限：定期10年" in pages[2]] == [True] * 3
    assert "共 2 件，4 页" in pages[1] and "J012-2026-D30-GK-0001" in pages[1] and "J012-2026-D30-GK-0002" in pages[1]
    assert "定期10年的文件" not in pages[1]
    workbook = load_workbook(tmp_path / "目录.xlsx") if main(
        ["--db", str(configured.path), "archive", "index", "--village", VILLAGE, "--year", "2026",
         "--out", str(tmp_path / "目录.xlsx")]) == 0 else None
    assert workbook is not None and workbook.sheetnames == ["永久-GK", "定期30年-GK", "定期10年-GK"]
    assert [row[0] for row in workbook["定期10年-GK"].iter_rows(min_row=4, values_only=True)] == [1, 2]
