"""Write resources/samples/selftest_payouts.xlsx, the payout list `cunwu selftest` imports.

Synthetic people only (app.core.synthetic: seeded, with valid check characters; nobody real), laid
out as county exports are (title, unit row, blank row, 合计 and signature rows: tests/payout_files.py).
One name carries the rare character 䶮, so the self-test proves the bundled fonts print it. The file
is byte-for-byte reproducible: run `python build/make_sample.py` from the repository root after
changing anything here, and commit the result.
"""

from __future__ import annotations

import dataclasses
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.synthetic import make_people  # noqa: E402
from tests.payout_files import Layout, Line, grid, lines_for, write_xlsx  # noqa: E402

SAMPLE = ROOT / "resources" / "samples" / "selftest_payouts.xlsx"
VILLAGE = "桃源村"
MONTH = "2026-10"
RARE_NAME = "李䶮"
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def sample_lines() -> list[Line]:
    people = make_people(12, seed=20261015, rare_share=0.0)
    people[3] = dataclasses.replace(people[3], name=RARE_NAME)
    lines = lines_for(people[:10], amount="560.00")
    lines += lines_for(people[10:11], amount="100.00", subsidy="高龄津贴", standard="100元/月", group="5组")
    # Sensitive type (domain.md): printed as a count and a total only.
    lines += lines_for(people[11:12], amount="1,200.00", subsidy="医疗救助", standard="按实际费用", note="住院")
    return lines


def _reproducible(path: Path) -> None:
    """openpyxl stamps the current time into the ZIP entries and docProps/core.xml: fix both."""
    entries = []
    with zipfile.ZipFile(path) as source:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    start = text.find(f"<{tag}")
                    if start != -1:
                        value_start = text.index(">", start) + 1
                        value_end = text.index(f"</{tag}>", value_start)
                        text = text[:value_start] + "2026-01-01T00:00:00Z" + text[value_end:]
                data = text.encode("utf-8")
            entries.append((info.filename, data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            target.writestr(zipfile.ZipInfo(name, _FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())


def main() -> None:
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    layout = Layout(title=f"{VILLAGE}2026年10月惠民惠农补贴资金发放明细表（自检样例，人员均为虚构）")
    write_xlsx(SAMPLE, grid(sample_lines(), layout))
    _reproducible(SAMPLE)
    print(f"wrote {SAMPLE.relative_to(ROOT)} ({SAMPLE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
