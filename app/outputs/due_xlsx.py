"""The quarterly evaluation workbook (季度测评): one summary row per village, then every item.

No personal data is in it (item names, dates and counts only), so no masking policy applies.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from app.outputs.xlsx_cells import put, put_row
from app.outputs.xlsx_sheet import print_landscape, save_atomically

SUMMARY_HEADERS = ("村", "应公开事项", "按时完成", "逾期完成", "未公开（已逾期）", "未到期", "完成率")
DETAIL_HEADERS = ("村", "编号", "公开事项", "本期要求", "截止日期", "已公开内容", "状态")
_FILLS = {"已逾期": "F8CBAD", "逾期完成": "FFE699", "即将到期": "FFF2CC", "按时完成": "C6EFCE"}


def write_due_xlsx(report, path: Path | str) -> Path:  # noqa: ANN001 - app.services.due.DueReport
    workbook = Workbook()
    summary = workbook.active
    summary.title = "测评汇总"
    put(summary, 1, 1, f"{report.title}村务公开完成情况（统计日 {report.today.isoformat()}）")
    put_row(summary, 2, list(SUMMARY_HEADERS))
    for row, score in enumerate(report.scores(), start=3):
        put_row(summary, row, [score.village, score.due, score.on_time, score.late, score.missing, score.pending])
        put(summary, row, 7, "—" if score.rate is None else score.rate, number_format="0.0%")
    detail = workbook.create_sheet("事项明细")
    put_row(detail, 1, list(DETAIL_HEADERS))
    for row, line in enumerate(report.lines, start=2):
        shown = line.as_dict()
        put_row(detail, row, [shown["village"], shown["code"], shown["item"], shown["requirement"], line.deadline,
                              shown["posted"], shown["status"]])
        colour = _FILLS.get(shown["status"])
        if colour:
            detail.cell(row=row, column=7).fill = PatternFill("solid", fgColor=colour)
    for sheet, header_row, widths in ((summary, 2, (14, 12, 10, 10, 16, 10, 10)),
                                      (detail, 1, (12, 6, 26, 26, 12, 50, 10))):
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        print_landscape(sheet, header_row)
    return save_atomically(workbook, path)
