"""Benchmark: light commands as whole processes on the 1M-payout database, against raw sqlite3.

Each command runs as the clerk runs it (the installed `cunwu` script, a fresh process, output
captured), against a fresh `python` process that does the same queries with sqlite3 (and, for the
listing, writes the same CSV with the csv module). Interleaved runs, medians; bare `python -c pass`
is timed too (the floor every process pays).

- `cunwu village list`: each village with its counts of people and payouts and the settings its sheets
  still need — raw: the same three counts/reads. Target (issue 18): ≤ 2× raw.
- `cunwu payouts list --village 桃源村 --month <newest> --format csv`: the month's rows in print order,
  masked — raw: the same join and order, names and IDs cut the simple way, csv.writer. Reported as
  measured: the gate's masking of every cell is work the raw script does not do.
- the same listing for a month without payouts: start-up, opening and the village's lookup. Target
  (issue 18): ≤ 0.15 s above bare Python.

The database is bench_ledger_view's (built there when missing: 50,000 people, 1.05M payouts). Its
first opening of the day takes the daily backup and the integrity check: one untimed run first.
Run: python bench/bench_commands.py [--runs N] [--db PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

VILLAGE = "桃源村"
TARGET_VILLAGE_LIST = 2.0
START_UP_ALLOWANCE_S = 0.15
EMPTY_MONTH = "2001-01"

RAW_VILLAGE_LIST = r'''
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
people = dict(c.execute("SELECT village_id, count(*) FROM person GROUP BY village_id"))
payouts = dict(c.execute("SELECT village_id, count(*) FROM payout GROUP BY village_id"))
township = c.execute("SELECT name, code FROM township ORDER BY id LIMIT 1").fetchone()
labels = (("supervision_phone", "监督电话"), ("contact_person", "联系人"), ("board_place", "公开栏位置"),
          ("board_hours", "公开时间"))
query = "SELECT id, name, code, " + ", ".join(k for k, _ in labels) + " FROM village ORDER BY id"
for village_id, name, code, *values in c.execute(query):
    todo = [label for (_, label), value in zip(labels, values) if not value]
    shown = f"（代码 {code}）" if code else ""
    print(f"{name}{shown}\t{people.get(village_id, 0)} 人\t{payouts.get(village_id, 0)} 条发放记录"
          + (f"\t待填写：{'、'.join(todo)}" if todo else ""))
c.close()  # else the -wal file stays behind and the next `cunwu` runs its integrity check (open_checks.integrity_check_due)
'''

RAW_PAYOUTS_CSV = r'''
import csv, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute(
    "SELECT person.name, person.id_masked, villager_group.name, subsidy_type.name, payout.period, "
    "payout.amount_fen, payout.pay_date, payout.standard, payout.note "
    "FROM payout JOIN person ON payout.person_id = person.id "
    "JOIN subsidy_type ON payout.subsidy_type_id = subsidy_type.id "
    "LEFT JOIN villager_group ON person.group_id = villager_group.id "
    "WHERE payout.village_id = (SELECT id FROM village WHERE name = ?) AND payout.period = ? "
    "ORDER BY payout.period, subsidy_type.id, villager_group.name, person.name_initials, person.name, payout.id",
    (sys.argv[2], sys.argv[3] + "-01"))
out = sys.stdout
out.write("\ufeff")
writer = csv.writer(out, lineterminator="\n")
writer.writerow(["姓名", "身份证号", "组别", "补贴项目", "发放月份", "金额（元）", "发放日期", "标准", "备注"])
for name, id_number, group, subsidy, period, fen, pay_date, standard, note in rows:
    writer.writerow([name[0] + "*" * (len(name) - 1), id_number[:6] + "********" + id_number[-4:], group or "",
                     subsidy, period[:7], f"{fen // 100}.{fen % 100:02d}", pay_date or "", standard, note])
c.close()
'''


def cunwu_program() -> list[str]:
    """The installed console script next to this Python (not a version manager's shim)."""
    script = Path(sys.executable).parent / "cunwu"
    if script.exists():
        return [str(script)]
    found = shutil.which("cunwu")
    if found:
        return [found]
    return [sys.executable, "-c", "from app.cli.main import entry_point; entry_point()"]


def timed(command: list[str]) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def newest_month(path: Path) -> str:
    import sqlite3

    # Closed, not only committed (`with connection:`): an open connection keeps the -wal file, and every
    # `cunwu` run would take it for a crash's and check the whole file first.
    connection = sqlite3.connect(path)
    try:
        period = connection.execute(
            "SELECT max(period) FROM payout WHERE village_id = (SELECT id FROM village WHERE name = ?)", (VILLAGE,)
        ).fetchone()[0]
    finally:
        connection.close()
    return str(period)[:7]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--db", type=Path, default=None, help="default: bench_ledger_view's 1M-payout database")
    args = parser.parse_args()
    path = args.db
    if path is None:
        import bench_ledger_view

        path = bench_ledger_view.database_path(50_000, 20)
        if not path.exists():
            bench_ledger_view.build_database(path, 50_000, 20)
    month = newest_month(path)
    cunwu = cunwu_program()
    commands = {
        "bare python": [sys.executable, "-c", "pass"],
        "cunwu village list": [*cunwu, "village", "list", "--db", str(path)],
        "raw village list": [sys.executable, "-c", RAW_VILLAGE_LIST, str(path)],
        "cunwu payouts list csv": [*cunwu, "payouts", "list", "--db", str(path), "--village", VILLAGE,
                                   "--month", month, "--format", "csv"],
        "raw payouts csv": [sys.executable, "-c", RAW_PAYOUTS_CSV, str(path), VILLAGE, month],
        # A month without payouts: what every listing pays before its first row (start-up, opening, the
        # village's lookup), without the rows' own masking and writing.
        "cunwu payouts list, no rows": [*cunwu, "payouts", "list", "--db", str(path), "--village", VILLAGE,
                                        "--month", EMPTY_MONTH, "--format", "csv"],
        "raw payouts csv, no rows": [sys.executable, "-c", RAW_PAYOUTS_CSV, str(path), VILLAGE, EMPTY_MONTH],
    }
    outputs = {}
    for label, command in commands.items():  # untimed: the day's backup and check, a warm page cache
        outputs[label] = timed(command)[1]
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.runs):
        for label, command in commands.items():
            times[label].append(timed(command)[0])
    median = {label: statistics.median(runs) for label, runs in times.items()}
    bare = median["bare python"]

    rows = outputs["cunwu payouts list csv"].count("\n") - 1
    print(f"database: {path.name}; {VILLAGE} {month}: {rows:,} rows listed; {args.runs} interleaved runs, medians")
    print(f"command: {' '.join(cunwu)}\n")
    print("| command | measured s | baseline (raw sqlite3, fresh python) s | ratio | above bare python s | target | |")
    print("|---|---:|---:|---:|---:|---|---|")
    failed = 0
    for app_label, raw_label, target in (("cunwu village list", "raw village list", TARGET_VILLAGE_LIST),
                                         ("cunwu payouts list csv", "raw payouts csv", None),
                                         ("cunwu payouts list, no rows", "raw payouts csv, no rows", None)):
        ratio = median[app_label] / median[raw_label]
        above = median[app_label] - bare
        if target is not None:
            verdict = "met" if ratio <= target else "MISSED"
            failed += ratio > target
            target_text = f"≤ {target:g}× raw"
        else:
            if "no rows" in app_label:
                verdict = "met" if above <= START_UP_ALLOWANCE_S else "MISSED"
                failed += above > START_UP_ALLOWANCE_S
                target_text = f"≤ {START_UP_ALLOWANCE_S} s above bare python"
            else:
                verdict, target_text = "", "reported (the rows' masking and writing)"
        print(f"| `{app_label}` | {median[app_label]:.3f} | {median[raw_label]:.3f} | {ratio:.2f}× | {above:.3f} | "
              f"{target_text} | {verdict} |")
    print(f"\nbare `python -c pass`: {bare:.3f} s")
    for label, runs in times.items():
        print(f"  {label:24s} runs {[round(t, 3) for t in runs]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
