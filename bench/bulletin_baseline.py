"""The honest building block of a bulletin sheet, as its own process: the month's rows read with raw
sqlite3 (ID numbers as stored: masked, issue 17), the same body font file registered with ReportLab, and the
rows drawn as page-sized plain Tables (one per page: ReportLab's one big Table is itself quadratic)
in a landscape A4 document. No checks, no sections, no totals, no gate.

Run by bench/bench_bulletin.py: python bench/bulletin_baseline.py DB VILLAGE YYYY-MM-01 OUT.pdf
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "resources" / "fonts" / "HanaMinA.ttf"  # the bundled body font the sheet uses on Linux
ROWS_PER_PAGE = 24

QUERY = """
SELECT person.name, person.id_masked, villager_group.name, subsidy_type.name, payout.standard,
       payout.amount_fen, payout.pay_date
FROM payout JOIN person ON person.id = payout.person_id
JOIN subsidy_type ON subsidy_type.id = payout.subsidy_type_id
LEFT JOIN villager_group ON villager_group.id = person.group_id
JOIN village ON village.id = payout.village_id
WHERE village.name = ? AND payout.period = ?
ORDER BY subsidy_type.id, villager_group.name, person.name_initials
"""


def main(db: str, village: str, period: str, out: str) -> None:
    rows = sqlite3.connect(db).execute(QUERY, (village, period)).fetchall()
    pdfmetrics.registerFont(TTFont("Body", str(FONT)))
    header = ["序号", "姓名", "身份证号", "组别", "补贴项目", "发放标准", "发放金额(元)", "发放日期"]
    body = [
        [str(i), name, masked, group or "", subsidy,
         standard, f"{fen // 100}.{fen % 100:02d}", str(paid or "")]
        for i, (name, masked, group, subsidy, standard, fen, paid) in enumerate(rows, start=1)
    ]
    style = TableStyle([("FONT", (0, 0), (-1, -1), "Body", 9.5), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    story: list = []
    for start in range(0, len(body), ROWS_PER_PAGE):
        story += [Table([header] + body[start:start + ROWS_PER_PAGE], style=style), PageBreak()]
    SimpleDocTemplate(out, pagesize=landscape(A4)).build(story)


if __name__ == "__main__":
    main(*sys.argv[1:5])
