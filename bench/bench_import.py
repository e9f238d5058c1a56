"""Benchmark: importing a 100,000-row county payout xlsx, against a raw python-calamine read.

Target (issue 2): the whole `payouts import` (parse, validate, write) ≤ 2.5 × the raw read of the
same file, both measured in this run. Run: python bench/bench_import.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.synthetic import make_people  # noqa: E402
from app.services.importing import ImportRequest, import_payouts  # noqa: E402
from app.services.setup import initialize  # noqa: E402
from app.services.villages import add_village  # noqa: E402
from app.storage.engine import open_database  # noqa: E402

OUT = ROOT / "bench" / "out"
HEADER = ("序号", "姓名", "身份证号码", "所在村组", "资金名称", "发放标准", "补贴金额(元)", "发放日期", "社保卡号", "联系电话", "备注")
SUBSIDIES = ("最低生活保障金", "高龄津贴", "耕地地力保护补贴", "生态护林员补助", "公益性岗位补贴")


def make_file(rows: int) -> Path:
    path = OUT / f"payouts-{rows}.xlsx"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    people = make_people(rows // len(SUBSIDIES) + 1, seed=99)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发放明细")
    sheet.append(["某县2026年10月惠民惠农补贴资金发放明细表"])
    sheet.append(["单位：元"])
    sheet.append(list(HEADER))
    for index in range(rows):
        person = people[index // len(SUBSIDIES)]
        subsidy = SUBSIDIES[index % len(SUBSIDIES)]
        sheet.append([index + 1, person.name, person.id_number, f"{index % 9 + 1}组", subsidy, "按标准",
                      f"{(index % 900) + 100}.{index % 100:02d}", "2026-10-15", person.account, person.phone, ""])
    sheet.append(["合计"])
    sheet.append(["制表人：", "", "", "审核人："])
    workbook.save(path)
    return path


def raw_read(path: Path) -> float:
    start = time.perf_counter()
    workbook = python_calamine.load_workbook(path)
    rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    elapsed = time.perf_counter() - start
    assert len(rows) > 3
    return elapsed


def full_import(path: Path) -> float:
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(Path(folder) / "bench.sqlite3")
        try:
            initialize(database, "bench")
            add_village(database, "桃源村", "bench")
            start = time.perf_counter()
            result = import_payouts(database, ImportRequest(path=path, village="桃源村"), "bench")
            elapsed = time.perf_counter() - start
        finally:
            database.close()
    assert result.count > 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = make_file(args.rows)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {args.rows} rows")
    raw = [raw_read(path) for _ in range(args.repeat)]
    full = [full_import(path) for _ in range(args.repeat)]
    raw_s, full_s = statistics.median(raw), statistics.median(full)
    print(f"(a) raw calamine read  median {raw_s:.2f} s  runs {[round(x, 2) for x in raw]}")
    print(f"(b) whole import       median {full_s:.2f} s  runs {[round(x, 2) for x in full]}")
    ratio = full_s / raw_s
    print(f"ratio (b)/(a) = {ratio:.2f}  (target ≤ 2.5: {'met' if ratio <= 2.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
