"""The wall poster and the notice sheet, read back as a villager reads them: by their text.

domain.md "What the rules ask for" items 3-4 (catalog and inspection guide on the wall, with every
element), "Masking" (no readable ID number in any output; names masked when it leaves the village),
"Public-notice items" (备案 remark for 村干部近亲属) and item 7 (an unreviewed notice says so).
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from app.cli.main import main
from app.services.importing import ImportRequest, import_payouts
from app.services.villages import find_village
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx
from tests.test_catalog import REQUIRED
from tests.test_no_id_leaks import valid_ids_in


def read(path: Path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(path)
    return [page.extract_text() for page in reader.pages], reader


def embedded_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert descriptor is not None and "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    return names


def set_phone(db, phone: str) -> None:
    with db.transaction() as session:
        village = find_village(session, VILLAGE)
        village.supervision_phone = phone
        session.add(village)


def test_poster_shows_the_catalog_the_guide_and_its_version(db, tmp_path):
    set_phone(db, "0351-1234567")
    out = tmp_path / "目录.pdf"
    code = main(["--db", str(db.path), "catalog", "poster", "--village", VILLAGE, "--out", str(out),
                 "--phone", "0351-5550123", "--contact", "李文书"])
    assert code == 0
    pages, reader = read(out)
    assert len(pages) == 1  # A3 landscape: the standard catalog and the guide on one sheet
    text = pages[0].replace("\n", "")
    assert "桃源村村务公开事项目录及查询指南" in text
    assert "目录版本：第 1 版（乡镇标准目录第 1 版）" in text
    for name in REQUIRED:
        assert name.replace("（", "").replace("）", "")[:6] in text.replace("（", "").replace("）", "")
    for header in ("公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "公开方式", "咨询电话"):
        assert header in text
    assert "查询地点" in text and "查询时间" in text and "由李文书接待" in text
    assert "监督电话（村务监督委员会）：0351-1234567" in text and "0351-5550123" in text
    assert page_size(reader) == (1191, 842)
    assert embedded_fonts(reader)


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_poster_on_a4_is_landscape_and_names_a_new_version_after_an_edit(db, tmp_path):
    from tests.test_catalog import own_item
    from app.services.catalog import save_village_item

    save_village_item(db, VILLAGE, own_item(), ACTOR)
    out = tmp_path / "a4.pdf"
    assert main(["--db", str(db.path), "catalog", "poster", "--village", VILLAGE, "--out", str(out), "--size", "A4"]) == 0
    pages, reader = read(out)
    assert page_size(reader) == (842, 595)
    text = "".join(pages).replace("\n", "")
    assert "目录版本：第 2 版" in text and "村集体林场承包" in text
    # No 咨询电话 set: the guide gives the supervision phone instead of "（未填写）" (issue 14).
    assert "五、咨询电话：0351-1234567" in text and "（未填写）" not in text


def notice_via_cli(db, tmp_path, people) -> list[str]:
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:6], note=f"代领人{people[9].id_number}"))),
                                     village=VILLAGE), ACTOR)
    base = ["--db", str(db.path), "notice"]
    assert main(base + ["add", "--village", VILLAGE, "--subject", "2026年10月最低生活保障对象公示", "--item", "S03",
                        "--kind", "最低生活保障", "--start", "2026-11-02", "--end", "2026-11-08", "--place", "村委会公开栏",
                        "--body", "经本人申请、入户调查、民主评议，现将以下对象予以公示。", "--payouts", "2026-10"]) == 0
    assert main(base + ["relative", "1", "--row", "2", "--relation", "村主任之弟"]) == 0
    return base


def test_notice_sheet_is_masked_by_channel_and_shows_review_and_registration(db, tmp_path, people):
    set_phone(db, "0351-1234567")
    base = notice_via_cli(db, tmp_path, people)
    draft_pdf = tmp_path / "draft.pdf"
    assert main(base + ["print", "1", "--out", str(draft_pdf)]) == 0
    assert "尚未经村民委员会和村务监督委员会审核，不得张贴" in "".join(read(draft_pdf)[0]).replace("\n", "")
    for by, date in (("王文书", "2026-11-01"), ("张主任", "2026-11-01"), ("赵监委", "2026-11-02")):
        assert main(base + ["advance", "1", "--by", by, "--date", date]) == 0
    wall, online = tmp_path / "wall.pdf", tmp_path / "online.pdf"
    assert main(base + ["print", "1", "--out", str(wall)]) == 0
    assert main(base + ["print", "1", "--out", str(online), "--channel", "online"]) == 0
    wall_pages, reader = read(wall)
    wall_text = "".join(wall_pages).replace("\n", "")
    online_text = "".join(read(online)[0]).replace("\n", "")
    assert embedded_fonts(reader)
    assert "2026年10月最低生活保障对象公示" in wall_text and "公开事项：最低生活保障和特困供养" in wall_text
    assert "村干部近亲属，已备案" in wall_text and "村干部近亲属 1 人，已按规定备案" in wall_text
    assert "村民委员会审核：张主任（2026年11月1日）" in wall_text
    assert "村务监督委员会审核：赵监委（2026年11月2日）" in wall_text
    assert "最低生活保障公示期不少于 7 天" in wall_text and "监督电话：0351-1234567" in wall_text
    assert "合计：共 6 人，金额 3,360.00 元" in wall_text
    for person in people[:6]:
        assert person.name in wall_text
        assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in wall_text
        assert person.name not in online_text  # given names masked outside the village
    assert "发布范围：对外发布" in online_text and "不得张贴" not in wall_text
    for text in (wall_text, online_text):
        assert valid_ids_in(text) == []  # the agent's ID in the note is masked too


def test_notice_list_json_and_refusals_on_the_command_line(db, tmp_path, people, capsys):
    import json

    base = notice_via_cli(db, tmp_path, people)
    capsys.readouterr()
    assert main(base + ["advance", "1", "--by", "王文书", "--date", "2026-11-01", "--to", "公示中"]) == 1
    assert "不能张贴公示" in capsys.readouterr().err
    assert main(base + ["list", "--village", VILLAGE, "--format", "json", "--state", "草稿"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(n["id"], n["state"], n["rows"], n["item"]) for n in listed] == [(1, "草稿", 6, "S03")]
    assert main(base + ["return", "1", "--by", "张主任", "--reason", "x"]) == 1
    assert "不能退回" in capsys.readouterr().err
