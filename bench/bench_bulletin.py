"""Benchmark: the bulletin sheet against raw ReportLab, both measured in this run.

Targets (issue 3): one village-month of 2,000 payouts ≤ 1.3 × the baseline (ReportLab's platypus
rendering the same rows in one plain Table with the same font) and under 1 s; a township of
30 villages × 2,000 payouts (`bulletin --all`: both cores) under 20 s.
Issue 15: the 2,014-row village-month with long group names on ≤ 60 A4 pages, same time ratio.
Run: python bench/bench_bulletin.py [--rows N] [--villages N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle  # noqa: E402

from app.core.ledger_record import LedgerRecord  # noqa: E402
from app.core.disclosure import Channel, policy_for  # noqa: E402
from app.core.synthetic import make_people  # noqa: E402
from app.outputs.bulletin_batch import render_all  # noqa: E402
from app.outputs.bulletin_model import SheetMeta, build_sheet  # noqa: E402
from app.outputs.bulletin_pdf import render_bulletin  # noqa: E402
from app.outputs.fonts import chain  # noqa: E402
from app.outputs.masked_rows import mask_records  # noqa: E402

SUBSIDIES = ("最低生活保障金", "高龄津贴", "耕地地力保护补贴", "生态护林员补助", "公益性岗位补贴")
OCT = dt.date(2026, 10, 1)


LONG_GROUPS = ("第一村民小组（东沟片区）", "第二村民小组（西坡自然村）", "第三村民小组（河湾移民安置点）", "第四村民小组")


def records(count: int, seed: int, groups: tuple[str, ...] = ()) -> list[LedgerRecord]:
    rng = random.Random(seed)
    people = make_people(count, seed=seed)
    rows = [
        LedgerRecord(i, i, p.name, p.id_number, p.phone, p.account,
                     rng.choice(groups) if groups else f"{rng.randint(1, 9)}组", SUBSIDIES[i % 5], False,
                     OCT, rng.randrange(100, 200000), dt.date(2026, 10, 15), "按标准", "", None)
        for i, p in enumerate(people)
    ]
    return sorted(rows, key=lambda r: (SUBSIDIES.index(r.subsidy), r.group, r.name))


def meta(village: str) -> SheetMeta:
    return SheetMeta(village, "青山镇", OCT, dt.date(2026, 11, 1), dt.date(2026, 11, 30), Channel.WALL, "0351-1234567")


def baseline(recs: list[LedgerRecord], out: Path) -> float:
    """Raw ReportLab: the same masked rows in one plain Table, same font, header repeated."""
    start = time.perf_counter()
    font = chain("body").primary
    rows = mask_records(recs, policy_for("wall"))
    data = [["序号", "姓名", "身份证号", "组别", "补贴项目", "发放标准", "发放金额(元)", "发放日期"]] + [
        [str(i), r.name, r.id_number, r.group, r.subsidy, r.standard, r.amount, r.pay_date]
        for i, r in enumerate(rows, start=1)
    ]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9.5), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(out), pagesize=landscape(A4)).build([table])
    return time.perf_counter() - start


def sheet(recs: list[LedgerRecord], out: Path) -> float:
    start = time.perf_counter()
    render_bulletin(build_sheet(recs, policy_for("wall"), meta("桃源村")), out)
    return time.perf_counter() - start


def compare(label: str, recs: list[LedgerRecord], out: Path, repeat: int) -> None:
    base, ours = [], []
    for _ in range(repeat):  # interleaved, so that a busy moment hits both alike
        base.append(baseline(recs, out / "base.pdf"))
        ours.append(sheet(recs, out / "sheet.pdf"))
    b, o = statistics.median(base), statistics.median(ours)
    pages = render_bulletin(build_sheet(recs, policy_for("wall"), meta("桃源村")), out / "sheet.pdf")
    print(f"{label}: baseline (platypus Table) median {b:.2f} s {[round(x, 2) for x in base]}; "
          f"bulletin sheet median {o:.2f} s {[round(x, 2) for x in ours]}; {pages} A4 pages")
    print(f"  ratio {o / b:.2f} (target ≤ 1.3: {'met' if o / b <= 1.3 else 'MISSED'}); "
          f"under 1 s: {'met' if o < 1 else 'MISSED'}")


def township(villages: int, rows: int, folder: Path) -> float:
    sheets = [build_sheet(records(rows, seed), policy_for("wall"), meta(f"第{seed}村")) for seed in range(villages)]
    start = time.perf_counter()
    render_all([(s, folder / f"{s.meta.village}.pdf") for s in sheets])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    recs = records(args.rows, seed=1)
    chain("body"), chain("title")  # font loading is start-up cost, not per sheet
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        compare(f"{args.rows} rows", recs, out, args.repeat)
        long_groups = records(2014, seed=7, groups=LONG_GROUPS)
        compare("2,014 rows with long group names (issue 15: ≤ 60 A4 pages)", long_groups, out, args.repeat)
        t = township(args.villages, args.rows, out)
        print(f"township {args.villages} villages × {args.rows} rows on both cores: {t:.1f} s "
              f"(target < 20 s: {'met' if t < 20 else 'MISSED'})")


if __name__ == "__main__":
    main()
