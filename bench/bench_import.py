"""Benchmark: `payouts import` of a county xlsx as a whole process, against a raw python-calamine read.

Target (issues 12 and 18): a fresh `python -m app.cli … payouts import` process takes ≤ 2.5 × a fresh
python process that reads the same file with python-calamine and walks every cell, at 100k and 300k
rows, and its peak memory (max RSS) is ≤ 2.5 × the raw read's. Nothing here can flatter the import:

- both sides are whole fresh processes (interpreter start, imports, everything the clerk waits for);
- the file is realistic: each person appears once per subsidy they receive (1–4 of them, most one),
  rows are grouped by subsidy as county exports are, so an ID seen before is the exception;
- each import runs against its own copy of a freshly initialised database (with its daily backup
  already taken, as a clerk's database has by the second import of a day);
- runs are paired (raw read and import back to back, the order alternating) and the medians of the
  pairs are reported, with µs per row (linearity shows as a flat µs/row from 100k to 300k).

Run: python bench/bench_import.py [--rows 100000 300000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.synthetic import make_people  # noqa: E402

OUT = ROOT / "bench" / "out"
VILLAGE = "桃源村"
HEADER = ("序号", "姓名", "身份证号码", "所在村组", "资金名称", "发放标准", "补贴金额(元)", "发放日期", "社保卡号", "备注")
# (item, pay day in October 2026, standards, how the amount is drawn)
SUBSIDIES = (
    ("最低生活保障金", "2026-10-10", ("一类", "二类", "三类")),
    ("高龄津贴", "2026-10-12", ("80-89岁", "90-99岁")),
    ("耕地地力保护补贴", "2026-10-15", ("按确权面积",)),
    ("生态护林员补助", "2026-10-20", ("按月",)),
    ("公益性岗位补贴", "2026-10-25", ("按月",)),
)
SUBSIDIES_PER_PERSON = ((1, 55), (2, 30), (3, 12), (4, 3))  # mean 1.63 lines per person

# A fresh process that reads the file as the import must (every visible cell, empty area kept) and
# touches every cell: the floor any import of this file stands on.
RAW_READ = """
import sys, python_calamine
book = python_calamine.load_workbook(sys.argv[1])
rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
cells = 0
for row in rows:
    for cell in row:
        cells += 1
print(len(rows), cells)
"""


def make_file(rows: int) -> Path:
    path = OUT / f"county-{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rows)
    counts, weights = zip(*SUBSIDIES_PER_PERSON)
    people = make_people(int(rows / 1.5) + 100, seed=99)
    lines: dict[str, list[tuple]] = {name: [] for name, _, _ in SUBSIDIES}
    made = 0
    for person in people:
        group = f"{rng.randrange(1, 13)}组"
        for name, _, _ in rng.sample(SUBSIDIES, rng.choices(counts, weights)[0]):
            lines[name].append((person, group))
            made += 1
        if made >= rows:
            break
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发放明细")
    sheet.append(["某县2026年10月惠民惠农补贴资金一卡通发放明细表"])
    sheet.append(["单位：元"])
    sheet.append(list(HEADER))
    serial = 0
    for name, day, standards in SUBSIDIES:
        for person, group in lines[name]:
            serial += 1
            if serial > rows:
                break
            amount = _amount(rng, name)
            sheet.append([serial, person.name, person.id_number, group, name, rng.choice(standards), amount, day,
                          person.account, "" if rng.random() < 0.97 else "补发9月"])
    sheet.append(["合计"])
    sheet.append(["制表人：", "", "", "审核人："])
    workbook.save(path)
    return path


def _amount(rng: random.Random, subsidy: str) -> float:
    if subsidy == "最低生活保障金":
        return float(rng.randrange(200, 900))
    if subsidy == "高龄津贴":
        return rng.choice((100.0, 200.0))
    if subsidy == "耕地地力保护补贴":
        return round(rng.randrange(100, 2000) * 1.2345, 2)  # area × rate: cents everywhere
    if subsidy == "生态护林员补助":
        return 833.33
    return 800.0


def make_template(folder: Path) -> Path:
    """A database initialised with one village, its daily backup taken, ready to be copied."""
    db = folder / "cunwu.sqlite3"
    for args in (["init", "--township", "桃源镇"], ["village", "add", VILLAGE], ["village", "list"]):
        subprocess.run([sys.executable, "-m", "app.cli", "--db", str(db), *args], cwd=ROOT, check=True,
                       capture_output=True)
    return db


_WRAP = """
import os, resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.call(sys.argv[1:])
elapsed = time.perf_counter() - start
print(f"{elapsed:.6f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(status)
"""


def run(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, max RSS in KiB, stdout) of one fresh process, measured by a small parent whose
    only child it is (RUSAGE_CHILDREN of that parent is the process's own peak)."""
    process = subprocess.run([sys.executable, "-c", _WRAP, *command], cwd=ROOT, env=env, capture_output=True)
    lines = process.stderr.decode(errors="replace").strip().splitlines()
    if process.returncode != 0 or not lines:
        raise SystemExit(f"{command[2:]} failed ({process.returncode}):\n" + "\n".join(lines[-20:]))
    elapsed, rss = lines[-1].split()
    return float(elapsed), int(rss), process.stdout.decode(errors="replace")


def import_once(path: Path, template: Path, env: dict[str, str]) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        target = Path(folder) / "db"
        shutil.copytree(template.parent, target)
        db = target / template.name
        elapsed, rss, out = run([sys.executable, "-m", "app.cli", "--db", str(db), "payouts", "import", str(path),
                                 "--village", VILLAGE], env)
        with sqlite3.connect(db) as connection:
            written = connection.execute("select count(*) from payout").fetchone()[0]
    assert "导入" in out, out
    return elapsed, rss, written


def measure(rows: int, pairs: int, env: dict[str, str]) -> dict:
    path = make_file(rows)
    with tempfile.TemporaryDirectory(prefix="bench-template-") as folder:
        template = make_template(Path(folder))
        raw_s, raw_rss, imp_s, imp_rss, ratios = [], [], [], [], []
        for pair in range(pairs):
            order = ("raw", "import") if pair % 2 == 0 else ("import", "raw")
            for side in order:
                if side == "raw":
                    elapsed, rss, out = run([sys.executable, "-c", RAW_READ, str(path)], env)
                    assert int(out.split()[0]) >= rows, out
                    raw_s.append(elapsed)
                    raw_rss.append(rss)
                else:
                    elapsed, rss, written = import_once(path, template, env)
                    assert written == rows, (written, rows)
                    imp_s.append(elapsed)
                    imp_rss.append(rss)
            ratios.append(imp_s[-1] / raw_s[-1])
            print(f"  {rows:>7,} rows pair {pair + 1}: raw {raw_s[-1]:.2f} s {raw_rss[-1] / 1024:.0f} MB, "
                  f"import {imp_s[-1]:.2f} s {imp_rss[-1] / 1024:.0f} MB, ratio {ratios[-1]:.2f}", flush=True)
    return {
        "rows": rows,
        "mb": path.stat().st_size / 1e6,
        "raw_s": statistics.median(raw_s),
        "import_s": statistics.median(imp_s),
        "ratio": statistics.median(ratios),
        "us_row": statistics.median(imp_s) / rows * 1e6,
        "raw_rss": statistics.median(raw_rss) / 1024,
        "import_rss": statistics.median(imp_rss) / 1024,
        "rss_ratio": statistics.median(imp_rss) / statistics.median(raw_rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("CUNWU_DB", None)
    results = [measure(rows, args.pairs, env) for rows in args.rows]
    print()
    print(f"whole processes, medians of {args.pairs} paired runs (CPUs: {os.cpu_count()}); target ≤ 2.5× time and RSS")
    print("| rows | file | raw read | import | ratio | µs/row | raw RSS | import RSS | RSS ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['rows']:,} | {r['mb']:.1f} MB | {r['raw_s']:.2f} s | {r['import_s']:.2f} s | "
              f"**{r['ratio']:.2f}×** | {r['us_row']:.1f} | {r['raw_rss']:.0f} MB | {r['import_rss']:.0f} MB | "
              f"**{r['rss_ratio']:.2f}×** |")
    missed = [r for r in results if r["ratio"] > 2.5 or r["rss_ratio"] > 2.5]
    print("target met" if not missed else "target MISSED at " + ", ".join(f"{r['rows']:,}" for r in missed))


if __name__ == "__main__":
    main()
