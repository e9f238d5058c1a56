"""Importing county payout lists: formats, header finding, and every bad input of the issue.

An import is all-or-nothing (DEVELOPERS.md, Standards): every refusal below also checks that no
table gained a row.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from app.core.disclosure import mask_id
from app.core.periods import parse_month
from app.services.errors import Cancelled
from app.services.importing import ImportRefused, ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, fetch_all
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import HEADER, Layout, Line, grid, lines_for, write_csv, write_xls, write_xlsx


def run(db, path, **kw):
    return import_payouts(db, ImportRequest(path=Path(path), village=kw.pop("village", VILLAGE), **kw), ACTOR)


def refused(db, path, **kw) -> list[str]:
    before = row_counts(db)
    with pytest.raises(ImportRefused) as caught:
        run(db, path, **kw)
    assert row_counts(db) == before, "a refused import must not write anything"
    return caught.value.problems


# --- good files -------------------------------------------------------------------------------

def test_xlsx_with_title_unit_blank_total_and_signature_rows(db, people, tmp_path):
    lines = lines_for(people[:5]) + [Line(people[5].name, people[5].id_number, "1,234.5元", subsidy="高龄津贴")]
    result = run(db, write_xlsx(tmp_path / "十月.xlsx", grid(lines)))
    assert result.count == 6
    assert result.total_fen == 5 * 56000 + 123450
    assert result.summary == "导入 6 条，合计 4,034.50 元"
    with db.reading() as session:
        records = fetch_all(session, LedgerFilter(period=parse_month("2026-10")))
    # The ledger holds the masked ID numbers (issue 17): region code and last four.
    assert sorted(r.id_number for r in records) == sorted(mask_id(p.id_number) for p in people[:6])
    assert {r.group for r in records} == {"3组"}
    assert all(r.pay_date == dt.date(2026, 10, 15) for r in records)


def test_xls_with_real_date_cells(db, people, tmp_path):
    lines = lines_for(people[:3], pay_date=dt.date(2026, 9, 20))
    result = run(db, write_xls(tmp_path / "九月.xls", grid(lines)))
    assert result.count == 3
    with db.reading() as session:
        periods = {r.period for r in fetch_all(session, LedgerFilter())}
    assert periods == {dt.date(2026, 9, 1)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(db, people, tmp_path, encoding):
    # GB18030 covers rare name characters such as 䶮 that GBK lacks.
    lines = lines_for(people[:3])
    lines[0].name = "王䶮"
    result = run(db, write_csv(tmp_path / "list.csv", grid(lines), encoding=encoding))
    assert result.count == 3
    with db.reading() as session:
        assert "王䶮" in {r.name for r in fetch_all(session, LedgerFilter())}


def test_file_without_dates_needs_month(db, people, tmp_path):
    header = [h for h in HEADER if h != "发放日期"]
    rows = [["标题"], header] + [
        [i, p.name, p.id_number, "1组", "高龄津贴", "100元", "100", "", "", ""] for i, p in enumerate(people[:2], 1)
    ]
    path = write_xlsx(tmp_path / "nodate.xlsx", rows)
    problems = refused(db, path)
    assert any("没有“发放日期”列" in p and "--month" in p for p in problems)
    assert run(db, path, month=parse_month("2026-08")).count == 2


def test_file_without_subsidy_column_needs_subsidy(db, people, tmp_path):
    header = [h for h in HEADER if h != "资金名称"]
    rows = [header] + [[i, p.name, p.id_number, "1组", "", "80", "2026-10-08", "", "", ""] for i, p in enumerate(people[:2], 1)]
    path = write_xlsx(tmp_path / "nosubsidy.xlsx", rows)
    assert any("--subsidy" in p for p in refused(db, path))
    assert run(db, path, subsidy="高龄补贴").count == 2  # an alias of 高龄津贴


def test_dry_run_writes_nothing(db, people, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:4])))
    before = row_counts(db)
    result = run(db, path, dry_run=True)
    assert result.count == 4 and result.dry_run
    assert row_counts(db) == before


def test_import_is_audited_in_the_same_transaction(db, people, tmp_path):
    from app.services.audit import entries

    result = run(db, write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:2]))))
    with db.reading() as session:
        logged = entries(session, entity="import_batch", action="import")
    assert [e.entity_id for e in logged] == [result.batch_id]
    assert '"rows": 2' in logged[0].after


# --- bad input, named in the issue: each refused with a Chinese message, nothing written ----------

def _one_bad(people, tmp_path, **changes) -> Path:
    lines = lines_for(people[:3])
    for key, value in changes.items():
        setattr(lines[1], key, value)
    return write_xlsx(tmp_path / "bad.xlsx", grid(lines))


def test_wrong_check_character(db, people, tmp_path):
    good = people[1].id_number
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    problems = refused(db, _one_bad(people, tmp_path, id_number=wrong))
    # header on row 3, data from row 4: the second line is Excel row 5, ID in column C.
    assert problems == [f"文件“bad.xlsx”，第 5 行，C 列（身份证号码）：身份证号校验位不对（最后一位应为 {good[17]}），请核对是否录错"]


@pytest.mark.parametrize("length", [17, 19])
def test_id_with_17_or_19_characters(db, people, tmp_path, length):
    text = (people[1].id_number + "5")[:length]
    (problem,) = refused(db, _one_bad(people, tmp_path, id_number=text))
    assert "第 5 行" in problem and "C 列" in problem and f"应为 18 位，这里是 {length} 位" in problem


def test_impossible_birth_date(db, people, tmp_path):
    from app.core.idnumber import check_character

    body = "140123" + "19900231" + "123"
    (problem,) = refused(db, _one_bad(people, tmp_path, id_number=body + check_character(body)))
    assert "第 5 行" in problem and "出生日期 19900231 不是真实日期" in problem


def test_id_stored_as_a_number(db, people, tmp_path):
    as_number = float(people[1].id_number[:17] + "0")
    (problem,) = refused(db, _one_bad(people, tmp_path, id_number=as_number))
    assert "第 5 行" in problem and "存成了数字" in problem


@pytest.mark.parametrize(
    "amount, reason",
    [("-560", "金额不能为负数"), ("", "金额为空"), ("五百", "不是数字"), ("560.005", "超过两位小数")],
)
def test_bad_amounts(db, people, tmp_path, amount, reason):
    (problem,) = refused(db, _one_bad(people, tmp_path, amount=amount))
    assert "第 5 行" in problem and "G 列（补贴金额(元)）" in problem and reason in problem


def test_every_problem_is_listed_not_just_the_first(db, people, tmp_path):
    lines = lines_for(people[:4])
    lines[0].amount = "-1"
    lines[3].id_number = "123"
    problems = refused(db, write_xlsx(tmp_path / "two.xlsx", grid(lines, Layout(blank_after=None))))
    assert [p.split("，")[1] for p in problems] == ["第 4 行", "第 7 行"]


def test_unknown_village(db, people, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:2])))
    (problem,) = refused(db, path, village="不存在村")
    assert "找不到村“不存在村”" in problem and VILLAGE in problem


def test_no_recognisable_header(db, tmp_path):
    rows = [["随便写的表"], ["甲", "乙", "丙"], ["1", "2", "3"]]
    (problem,) = refused(db, write_xlsx(tmp_path / "noheader.xlsx", rows))
    assert "找不到表头" in problem and "noheader.xlsx" in problem


def test_corrupt_xlsx(db, tmp_path):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    (problem,) = refused(db, path)
    assert "坏文件.xlsx" in problem and "已损坏" in problem


def test_password_protected_xlsx(db, people, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", grid(lines_for(people[:2])))
    encrypted = io.BytesIO()
    with open(plain, "rb") as handle:
        OOXMLFile(handle).encrypt("123456", encrypted)
    path = tmp_path / "加密.xlsx"
    path.write_bytes(encrypted.getvalue())
    (problem,) = refused(db, path)
    assert "加密.xlsx" in problem and "密码" in problem


@pytest.mark.parametrize("name, content", [("empty.xlsx", b""), ("empty.csv", b""), ("blank.csv", b"\r\n \r\n")])
def test_empty_file(db, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    (problem,) = refused(db, path)
    assert name in problem and "空的" in problem


def test_csv_in_neither_utf8_nor_gb18030(db, tmp_path):
    path = tmp_path / "乱码.csv"
    path.write_bytes("姓名,身份证号,金额\n".encode("utf-8") + b"\xff\xfe\xff\x80\x81,1,2\n")
    (problem,) = refused(db, path)
    assert "乱码.csv" in problem and "既不是 UTF-8 也不是 GB18030" in problem


def test_same_file_twice_is_refused_unless_forced(db, people, tmp_path):
    lines = lines_for(people[:3], pay_date="2026-10-15")
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines))
    run(db, path)
    problems = refused(db, path)
    assert "导入过" in problems[0] and "--force" in problems[0]
    # Forcing does not make a double payment possible: the same people, type and month are refused.
    problems = refused(db, path, force=True)
    assert all("已有发放记录" in p for p in problems) and len(problems) == 3


def test_forced_reimport_of_the_same_file_with_new_rows_succeeds(db, people, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3])))
    run(db, path)
    moved = grid(lines_for(people[:3], pay_date="2026-11-15"))
    write_xlsx(path, moved)  # same file name, different content: not "the same file"
    assert run(db, path).count == 3


def test_same_person_twice_in_one_file(db, people, tmp_path):
    lines = lines_for([people[0], people[1], people[0]])
    problems = refused(db, write_xlsx(tmp_path / "dup.xlsx", grid(lines, Layout(blank_after=None))))
    assert len(problems) == 1 and "第 6 行" in problems[0] and "与第 4 行重复" in problems[0]


def test_same_id_under_another_name_than_the_ledger(db, people, tmp_path):
    run(db, write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:1]))))
    renamed = lines_for(people[:1], pay_date="2026-11-10")
    renamed[0].name = "改了名"
    (problem,) = refused(db, write_xlsx(tmp_path / "b.xlsx", grid(renamed)))
    assert "登记的姓名是“" + people[0].name + "”" in problem


def test_unknown_subsidy_name(db, people, tmp_path):
    (problem,) = refused(db, write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:3], subsidy="火星补贴"))))
    assert "补贴项目“火星补贴”不在补贴项目表中（共 3 行）" in problem and "E 列（资金名称）" in problem


def test_pay_date_outside_the_given_month(db, people, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:1], pay_date="2026-09-30"), Layout(blank_after=None)))
    (problem,) = refused(db, path, month=parse_month("2026-10"))
    assert "2026-09-30 不在指定的月份（2026年10月）内" in problem


def test_cancel_during_write_leaves_nothing(db, people, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:10])))
    before = row_counts(db)
    calls = {"n": 0}

    def cancel_late() -> bool:
        calls["n"] += 1
        return calls["n"] > 3  # after reading and validating, inside the write transaction

    with pytest.raises(Cancelled):
        import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR, cancelled=cancel_late)
    assert row_counts(db) == before


def test_progress_is_reported(db, people, tmp_path):
    seen = []
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:10])))
    import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR, progress=lambda s, d, t: seen.append(s))
    assert {"读取文件", "检查数据", "写入数据库"} <= set(seen)


def test_a_note_that_looks_like_a_signature_does_not_end_the_table(db, people, tmp_path):
    lines = lines_for(people[:4])
    lines[1].note = "审核：已核对"
    assert run(db, write_xlsx(tmp_path / "a.xlsx", grid(lines))).count == 4


def test_data_below_the_total_row_is_named_not_dropped(db, people, tmp_path):
    layout = Layout(blank_after=None, signatures=False)
    rows = grid(lines_for(people[:2]), layout) + [Line(people[2].name, people[2].id_number, "560").cells(3)]
    (problem,) = refused(db, write_xlsx(tmp_path / "a.xlsx", rows))
    assert "第 7 行" in problem and "合计行或签字行下面还有数据行" in problem


# --- issue 12: what a cell may hold -----------------------------------------------------------------

def test_text_limits_are_the_database_column_lengths():
    from app.core.payout_table import LENGTHS, Col
    from app.storage.models import Payout, Person, VillagerGroup

    def length(model, column: str) -> int:  # noqa: ANN001
        return model.__table__.c[column].type.length

    assert LENGTHS == {
        Col.GROUP: length(VillagerGroup, "name"),
        Col.STANDARD: length(Payout, "standard"),
        Col.NOTE: length(Payout, "note"),
        # Stored encrypted beside their masked form, which is as long as the value (issue 17).
        Col.ACCOUNT: length(Person, "account_masked"),
        Col.PHONE: length(Person, "phone_masked"),
    }


def test_a_note_of_exactly_500_characters_is_stored_whole(db, people, tmp_path):
    lines = lines_for(people[:2])
    lines[0].note = "备" * 500
    run(db, write_xlsx(tmp_path / "a.xlsx", grid(lines)))
    with db.reading() as session:
        notes = {r.name: r.note for r in fetch_all(session, LedgerFilter())}
    assert notes[people[0].name] == "备" * 500


def test_hidden_character_position_counts_from_the_cell_as_shown(db, people, tmp_path):
    lines = lines_for(people[:2])
    lines[1].name = "  " + people[1].name + "\u2066"  # leading spaces are trimmed, still counted
    (problem,) = refused(db, write_csv(tmp_path / "a.csv", grid(lines)))
    assert f"第 {len(people[1].name) + 3} 个字符是看不见的文字方向控制符（U+2066）" in problem


def test_line_breaks_inside_a_note_are_kept_other_controls_refused(db, people, tmp_path):
    lines = lines_for(people[:2])
    lines[0].note = "第一行\n第二行"
    lines[1].note = "响铃\a"
    (problem,) = refused(db, write_csv(tmp_path / "a.csv", grid(lines)))
    assert "第 5 行，K 列（备注）：第 3 个字符是看不见的控制字符（U+0007）" in problem


def test_the_townships_plausibility_threshold_is_a_setting(db, people, tmp_path):
    from app.services.thresholds import SETTING_PLAUSIBLE_YUAN
    from app.storage.models import AppSetting

    lines = lines_for(people[:2], amount="3000")
    path = write_xlsx(tmp_path / "a.xlsx", grid(lines))
    assert run(db, path, dry_run=True).warnings == []
    with db.transaction() as session:
        session.add(AppSetting(key=SETTING_PLAUSIBLE_YUAN, value="2000"))
    warnings = run(db, path, dry_run=True).warnings
    assert len(warnings) == 2 and all("3,000.00 元高于 2,000.00 元" in w for w in warnings)


def test_a_pay_date_a_year_ahead_is_the_last_accepted(db, people, tmp_path):
    today = dt.date.today()
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:
        latest = today.replace(year=today.year + 1, day=28)
    lines = lines_for(people[:2], pay_date=latest.isoformat())
    lines[1].pay_date = (latest + dt.timedelta(days=1)).isoformat()
    (problem,) = refused(db, write_xlsx(tmp_path / "a.xlsx", grid(lines, Layout(blank_after=None))))
    assert "第 5 行，H 列（发放日期）" in problem and "不在 2000-01-01 至" in problem


def test_unreadable_file_says_so_in_chinese(db, tmp_path):
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    (problem,) = refused(db, folder)
    assert "是一个文件夹" in problem and problem.count("Error") == 0
