"""Rows pasted from Excel into the ledger (issue 14, "Excel-grade entry"): the columns read from a
header or guessed from their contents, then checked like an import — all or nothing, with the row
and column of the pasted block named."""

from __future__ import annotations

import pytest

from app.core.pasted import guess_columns, split_clipboard
from app.core.payout_table import Col
from app.core.periods import parse_month
from app.services.errors import ServiceError
from app.services.importing import ImportRefused
from app.services.ledger import LedgerFilter, fetch_all
from app.services.pasting import import_block, read_block
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts

OCT = parse_month("2026-10")


def _clip(rows: list[list[str]]) -> str:
    """What Excel puts on the clipboard: tabs, CR LF, a trailing line break."""
    return "".join("\t".join(row) + "\r\n" for row in rows)


def _rows(people, amount: str = "560.00") -> list[list[str]]:
    return [[p.name, p.id_number, "3组", "最低生活保障金", amount, "2026-10-15"] for p in people]


def test_excels_clipboard_with_quoted_cells():
    text = '张三\t"备注\n两行"\t"含""引号"""\r\n李四\t\t\r\n\r\n'
    assert split_clipboard(text) == [["张三", "备注\n两行", '含"引号"'], ["李四", "", ""]]


def test_columns_are_guessed_from_their_contents(people):
    rows = [[str(i), p.name, p.id_number, f"{i % 3 + 1}组", "560.00", "2026-10-15", p.phone]
            for i, p in enumerate(people[:6], start=1)]
    assert guess_columns(rows, {"最低生活保障金"}) == [
        Col.SERIAL, Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.AMOUNT, Col.PAY_DATE, Col.PHONE]


def test_two_rows_pasted_without_a_header_are_imported(db, people):
    block = read_block(db, _clip(_rows(people[:2])))
    assert not block.has_header
    assert block.columns == (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE)
    checked = import_block(db, block, block.columns, VILLAGE, ACTOR, dry_run=True)
    assert (checked.count, checked.total_fen, checked.dry_run) == (2, 112000, True)
    assert row_counts(db)["payout"] == 0
    done = import_block(db, block, block.columns, VILLAGE, ACTOR)
    assert done.count == 2 and done.batch_id
    with db.reading() as session:
        assert sorted(r.name for r in fetch_all(session, LedgerFilter(period=OCT))) == sorted(p.name for p in people[:2])


def test_a_pasted_header_names_the_columns(db, people):
    rows = [["姓名", "补贴金额(元)", "身份证号码", "发放日期", "资金名称"]] + [
        [p.name, "300", p.id_number, "2026-10-15", "高龄津贴"] for p in people[:3]]
    block = read_block(db, _clip(rows))
    assert block.has_header and block.columns == (Col.NAME, Col.AMOUNT, Col.ID_NUMBER, Col.PAY_DATE, Col.SUBSIDY)
    assert import_block(db, block, block.columns, VILLAGE, ACTOR).count == 3


def test_a_bad_pasted_row_is_named_as_pasted_and_nothing_is_written(db, people):
    rows = _rows(people[:3])
    rows[1][1] = rows[1][1][:17] + ("0" if rows[1][1][17] != "0" else "1")  # a wrong check character
    rows[2][0] = "=HYPERLINK(\"http://x\")"
    block = read_block(db, _clip(rows))
    before = row_counts(db)
    with pytest.raises(ImportRefused) as refused:
        import_block(db, block, (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE), VILLAGE, ACTOR)
    said = "\n".join(refused.value.problems)
    assert "粘贴的内容第 2 行，B 列（身份证号）" in said and "粘贴的内容第 3 行，A 列（姓名）" in said
    assert "第 4 行" not in said and row_counts(db) == before


def test_hostile_cells_are_refused(db, people):
    rows = _rows(people[:2])
    rows[0][2] = "3组\x07"  # a control character
    rows[1][4] = "12345678901234567890"  # a 20-digit amount
    block = read_block(db, _clip(rows))
    columns = (Col.NAME, Col.ID_NUMBER, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE)
    with pytest.raises(ImportRefused) as refused:
        import_block(db, block, columns, VILLAGE, ACTOR)
    said = "\n".join(refused.value.problems)
    assert "第 1 行，C 列（组别）：第 3 个字符是看不见的控制字符" in said and "第 2 行，E 列（发放金额）" in said
    assert row_counts(db)["payout"] == 0


def test_the_clerk_must_say_where_name_id_and_amount_are(db, people):
    block = read_block(db, _clip(_rows(people[:2])))
    with pytest.raises(ServiceError, match="请指定哪一列是身份证号"):
        import_block(db, block, (Col.NAME, None, Col.GROUP, Col.SUBSIDY, Col.AMOUNT, Col.PAY_DATE), VILLAGE, ACTOR)
    with pytest.raises(ServiceError, match="剪贴板里没有可以粘贴的内容"):
        read_block(db, "\r\n\r\n")
