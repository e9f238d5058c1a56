"""Benchmark: `cunwu bulletin` as the clerk waits for it, against the honest building block.

Issue 18: the sheet of one village-month (2,000 and 20,000 payouts) ≤ 1.3 × a raw ReportLab document
of page-sized tables of the same rows (bench/bulletin_baseline.py: raw sqlite3 read, the same body
font file, one plain Table per page); the township batch (`bulletin --all`, 30 villages × 2,000) under
20 s. Both sides are whole fresh processes (imports, fonts, database, PDF), run in pairs, interleaved,
medians reported. The database is made once through the real import and kept in bench/out/.

Run: python bench/bench_bulletin.py [--repeat K] [--villages N]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "bulletin"
sys.path.insert(0, str(ROOT))

SUBSIDIES = ("最低生活保障金", "高龄津贴", "耕地地力保护补贴", "生态护林员补助", "公益性岗位补贴")
MONTH = "2026-10"
SIZES = {"二千村": 2_000, "两万村": 20_000}
BATCH_ROWS = 2_000


def _csv(path: Path, people: list, village_index: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", "姓名", "身份证号码", "所在村组", "资金名称", "发放标准", "补贴金额(元)", "发放日期"])
        for i, person in enumerate(people, start=1):
            writer.writerow([i, person.name, person.id_number, f"{(i + village_index) % 9 + 1}组",
                             SUBSIDIES[i % 5], "按标准", f"{100 + (i * 37) % 1900}.{i % 100:02d}", "2026-10-15"])
    return path


def database(villages: int, sizes: dict[str, int]) -> Path:
    """The sheets' villages (`sizes`), or `villages` villages of 2,000 payouts for the batch."""
    path = OUT / (f"batch-{villages}.sqlite3" if villages else "sheets.sqlite3")
    if path.exists():
        return path
    from sqlalchemy import text

    from app.core.synthetic import make_people
    from app.services.importing import ImportRequest, import_payouts
    from app.services.setup import initialize
    from app.services.villages import add_village
    from app.storage.engine import open_database

    OUT.mkdir(parents=True, exist_ok=True)
    names = {**sizes, **{f"第{n:02d}村": BATCH_ROWS for n in range(1, villages + 1)}}
    people = make_people(sum(names.values()), seed=18)
    db = open_database(path)
    initialize(db, "bench", "青山镇")
    start = 0
    for index, (name, rows) in enumerate(names.items()):
        add_village(db, name, "bench")
        source = _csv(OUT / f"{name}.csv", people[start:start + rows], index)
        import_payouts(db, ImportRequest(path=source, village=name), "bench")
        start += rows
    with db.engine.begin() as connection:  # a sheet without a supervision phone is refused (issue 14)
        connection.execute(text("UPDATE village SET supervision_phone = '0351-1234567'"))
    db.close()
    return path


def _run(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return elapsed


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def compare(db: Path, village: str, repeat: int) -> tuple[float, float, int, int]:
    ours_pdf, base_pdf = OUT / f"{village}.pdf", OUT / f"{village}-baseline.pdf"
    ours_cmd = [sys.executable, "-m", "app.cli", "--db", str(db), "bulletin", "--village", village,
                "--month", MONTH, "--out", str(ours_pdf)]
    base_cmd = [sys.executable, str(ROOT / "bench" / "bulletin_baseline.py"), str(db), village, f"{MONTH}-01",
                str(base_pdf)]
    ours, base = [], []
    for _ in range(repeat):
        base.append(_run(base_cmd))
        ours.append(_run(ours_cmd))
    return statistics.median(ours), statistics.median(base), _pages(ours_pdf), _pages(base_pdf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--villages", type=int, default=30)
    args = parser.parse_args()
    db = database(0, SIZES)
    print(f"{'sheet':<22}{'cunwu bulletin':>16}{'baseline':>10}{'ratio':>8}  pages (ours / baseline)")
    for village, rows in SIZES.items():
        ours, base, pages, base_pages = compare(db, village, args.repeat)
        verdict = "met" if ours / base <= 1.3 else "MISSED"
        print(f"{rows:>6,} rows ({village}){'':<4}{ours:>14.2f} s{base:>8.2f} s{ours / base:>8.2f}  "
              f"{pages} / {base_pages}   target ≤ 1.3: {verdict}")
    folder = OUT / "batch"
    batch = _run([sys.executable, "-m", "app.cli", "--db", str(database(args.villages, {})), "bulletin", "--all",
                  "--month", MONTH, "--out", str(folder)])
    print(f"township batch ({args.villages} villages × {BATCH_ROWS:,}, `bulletin --all`, both cores): {batch:.1f} s "
          f"(target < 20 s for 30 × 2,000: {'met' if batch < 20 else 'MISSED'})")


if __name__ == "__main__":
    main()
