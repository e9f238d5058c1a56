"""Every printed form, made from fixed synthetic data, for the golden-image test.

`python -m tests.golden_forms --update` renders each form's pages to tests/data/golden/<form>-<page>.png
after a deliberate layout change (look at every image before committing it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
from pathlib import Path
from typing import Callable

from app.core.catalog import load_standard
from app.core.disclosure import Channel, policy_for
from app.core.ledger_record import LedgerRecord
from app.core.synthetic import make_people
from app.outputs.box_labels import BoxLabel, render_labels
from app.outputs.bulletin_model import CorrectionLine, SheetMeta, build_sheet
from app.outputs.bulletin_pdf import render_bulletin
from app.outputs.catalog_poster import InspectionGuide, PosterData, render_poster
from app.outputs.filing_index import IndexRow, render_index_pdf
from app.outputs.notice_pdf import NoticeLine, NoticeSheet, Signature, render_notice
from app.outputs.township_summary import summary_sheet
from app.resources import resource_path

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
OCT = dt.date(2026, 10, 1)
POSTING = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DPI = 40
GROUPS = ["1组", "2组", "3组（河湾移民安置点）"]


def _records() -> list[LedgerRecord]:
    rng = random.Random(5)
    rows = []
    for i, p in enumerate(make_people(46, seed=5)):
        subsidy, sensitive = [("耕地地力保护补贴", False), ("最低生活保障金", False), ("重度残疾人护理补贴", True)][i % 3]
        note = "本人外出务工，由其配偶代领" if i == 4 else ""
        rows.append(LedgerRecord(i, i, p.name, p.id_number, p.phone, p.account, GROUPS[i % 3], subsidy, sensitive, OCT,
                                 rng.randrange(5000, 150000), dt.date(2026, 10, 15), "按面积" if i % 3 == 0 else "",
                                 note, None))
    rows[1] = LedgerRecord(**{**rows[1].__dict__, "name": "阿卜杜热合曼·买买提"})
    return sorted(rows, key=lambda r: (r.subsidy, r.group, r.name))


def _sheet(channel: Channel):
    # The wall sheets as posted (the audit log's code in the footer), the online one as a preview.
    anchor = "KMTX-ACPR-DEFH（第 1234 条）" if channel is Channel.WALL else ""
    meta = SheetMeta("桃源村", "青山镇", OCT, *POSTING, channel, "0351-1234567", audit_anchor=anchor)
    corrections = [CorrectionLine("王秀英", "最低生活保障金", dt.date(2026, 9, 1), 56000, 58000, "低保标准上调补差")]
    return build_sheet(_records(), policy_for(channel), meta, corrections,
                       {"耕地地力保护补贴": "财政部 农业农村部 耕地地力保护补贴政策"})


def _notice(reviewed: bool) -> NoticeSheet:
    lines = [NoticeLine(p.name, p.id_number, "2组", "临时救助", 80000) for p in make_people(12, seed=6)]
    signatures = [Signature("拟稿人", "王文书", dt.date(2026, 12, 1)), Signature("村民委员会审核", "李主任", dt.date(2026, 12, 2))]
    return NoticeSheet("桃源村", "青山镇", "2026年12月临时救助对象公示", "临时救助", "7 天",
                       "经村民代表会议评议，拟对以下人员给予临时救助。", dt.date(2026, 12, 5), dt.date(2026, 12, 11),
                       "村务公开栏", "0351-1234567", "公示中" if reviewed else "草稿", reviewed, lines,
                       signatures if reviewed else [])


def _poster(size: str) -> Callable[[Path], int]:
    def render(out: Path) -> int:
        version, entries = load_standard(resource_path("seed", "disclosure_catalog.json"))
        data = PosterData("桃源村", "青山镇", 3, version, "2026年11月20日保存", tuple(entries))
        return render_poster(data, InspectionGuide(phone="0351-7654321", supervision_phone="0351-1234567"), out, size)
    return render


def _index(out: Path) -> int:
    rows = [IndexRow(f"{n:04d}", f"J012-2026-{code}-GK-{n:04d}", f"桃村发〔2026〕{n}号", "桃源村村民委员会",
                     f"桃源村2026年{n}月惠民惠农补贴资金发放公开表", f"2026{n:02d}05", 3, "公开11.01—11.30",
                     label, "GK")
             for code, label in (("D30", "定期30年"), ("D10", "定期10年")) for n in range(1, 8)]
    return render_index_pdf("桃源村", "J012", 2026, None, rows, out)


def _labels(out: Path) -> int:
    label = BoxLabel("桃源村村民委员会", "J012", 2026, "定期30年", "GK", 1, "0001", "0012", 12, "王文书", "李主任",
                     printed_on=dt.date(2026, 12, 20), page_count=41)
    return render_labels([label], out)


FORMS: dict[str, Callable[[Path], int]] = {
    "bulletin-wall-a4": lambda out: render_bulletin(_sheet(Channel.WALL), out, "A4"),
    "bulletin-online-a4": lambda out: render_bulletin(_sheet(Channel.ONLINE), out, "A4"),
    "bulletin-wall-a3": lambda out: render_bulletin(_sheet(Channel.WALL), out, "A3"),
    "township-summary": lambda out: render_bulletin(
        summary_sheet("青山镇", OCT, [_sheet(Channel.WALL)], POSTING), out, "A4"),
    "poster-a3": _poster("A3"),
    "poster-a4": _poster("A4"),
    "notice-draft": lambda out: render_notice(_notice(False), out),
    "notice-posted": lambda out: render_notice(_notice(True), out),
    "filing-index": _index,
    "box-labels": _labels,
}


def page_images(form: str, folder: Path) -> list[Path]:
    """The form's pages as grey PNGs at DPI."""
    pdf = folder / f"{form}.pdf"
    FORMS[form](pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(folder / form)], check=True)
    return sorted(folder.glob(f"{form}-*.png"))


def golden_name(form: str, page: Path) -> str:
    return f"{form}-{int(page.stem.rsplit('-', 1)[1])}.png"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for form in FORMS:
            for page in page_images(form, Path(folder)):
                target = GOLDEN / golden_name(form, page)
                if args.update:
                    target.write_bytes(page.read_bytes())
                print(target.name)


if __name__ == "__main__":
    main()
