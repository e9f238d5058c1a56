"""The CLI contract of issue 2, section 6 (automation and acceptance checks use these names)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli.main import main
from app.core import idnumber
from tests.payout_files import grid, lines_for, write_xlsx


@pytest.fixture
def cli(tmp_path, capsys):
    db = str(tmp_path / "cli.sqlite3")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_init_village_import_list_export(cli, people, tmp_path):
    assert cli("init")[0] == 0
    assert cli("village", "add", "桃源村", "--code", "140123101201")[0] == 0  # 12 digits (issue 14)
    code, out, _ = cli("village", "list")
    assert code == 0 and "桃源村" in out and "140123101201" in out
    # What a sheet prints (issue 14): without it the export below is refused.
    assert cli("township", "set", "--name", "青山镇")[0] == 0
    assert cli("village", "set", "桃源村", "--phone", "0351-1234567")[0] == 0

    path = write_xlsx(tmp_path / "十月发放.xlsx", grid(lines_for(people[:3], amount="560.5")))
    code, out, _ = cli("payouts", "import", str(path), "--village", "桃源村")
    assert code == 0 and out.strip() == "导入 3 条，合计 1,681.50 元"

    code, out, _ = cli("payouts", "list", "--village", "桃源村", "--month", "2026-10", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert set(rows[0]) == {"name", "id_number", "group", "subsidy", "period", "amount", "pay_date"}
    assert {r["amount"] for r in rows} == {"560.50"} and rows[0]["period"] == "2026-10"
    assert rows[0]["pay_date"] == "2026-10-15"
    by_id_tail = {p.id_number[-4:]: p for p in people[:3]}
    for row in rows:  # default channel is online: given names masked, IDs masked
        person = by_id_tail[row["id_number"][-4:]]
        assert row["name"] != person.name and row["name"][0] == person.name[0] and "*" in row["name"]
        assert row["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]

    code, out, _ = cli("payouts", "list", "--village", "桃源村", "--channel", "wall", "--format", "json")
    assert {r["name"] for r in json.loads(out)} == {p.name for p in people[:3]}

    code, out, _ = cli("payouts", "list", "--village", "桃源村", "--format", "csv")
    # A UTF-8 BOM first, so that Excel opens the Chinese as Chinese (issue 11).
    assert out.splitlines()[0].startswith("\ufeff姓名,身份证号,组别,补贴项目,月份,发放金额(元)")

    out_file = tmp_path / "导出" / "桃源村10月.xlsx"
    code, out, _ = cli("payouts", "export", "--village", "桃源村", "--month", "2026-10", "--out", str(out_file))
    assert code == 0 and out_file.exists()
    sheet = load_workbook(out_file).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells[0] == "桃源村2026年10月惠民惠农补贴资金发放公开表"  # laid out like the printed sheet
    assert "合计：共 3 人次，金额 1,681.50 元" in cells and "大写：壹仟陆佰捌拾壹元伍角整" in cells
    # Amounts are numbers with two decimals (issue 11): the total is their sum.
    amounts = [c for row in sheet.iter_rows() for c in row if c.number_format == "#,##0.00" and c.value is not None]
    assert [float(c.value) for c in amounts] == [560.50, 560.50, 560.50, 1681.50]
    assert not any(idnumber.is_valid(c) for c in cells)


def test_refused_import_exits_1_with_one_problem_per_line(cli, people, tmp_path):
    cli("init")
    cli("village", "add", "桃源村")
    lines = lines_for(people[:3])
    lines[0].amount = "-1"
    lines[2].id_number = "1.40123199001E+17"
    code, out, err = cli("payouts", "import", str(write_xlsx(tmp_path / "bad.xlsx", grid(lines))), "--village", "桃源村")
    assert code == 1 and out == ""
    problem_lines = err.strip().splitlines()
    assert problem_lines[0].startswith("错误：文件“bad.xlsx”有 2 个问题，没有导入任何数据")
    assert "第 4 行" in problem_lines[1] and "第 7 行" in problem_lines[2]
    assert cli("payouts", "list", "--village", "桃源村", "--format", "json")[1].strip() == "[]"


def test_dry_run_and_force(cli, people, tmp_path):
    cli("init")
    cli("village", "add", "桃源村")
    path = str(write_xlsx(tmp_path / "a.xlsx", grid(lines_for(people[:2]))))
    code, out, _ = cli("payouts", "import", path, "--village", "桃源村", "--dry-run")
    assert code == 0 and "可导入 2 条" in out and "未写入" in out
    assert cli("payouts", "import", path, "--village", "桃源村")[0] == 0
    code, _, err = cli("payouts", "import", path, "--village", "桃源村")
    assert code == 1 and "--force" in err


def test_bad_month_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as caught:
        cli("payouts", "list", "--village", "x", "--month", "2026-13")
    assert caught.value.code == 2


def test_console_script_and_env_variable(tmp_path):
    env = {"CUNWU_DB": str(tmp_path / "环境.sqlite3"), "PATH": str(Path(sys.executable).parent)}
    import os

    env = {**os.environ, **env}
    result = subprocess.run(["cunwu", "init", "--demo"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "环境.sqlite3").exists()
    result = subprocess.run(["cunwu", "village", "list"], env=env, capture_output=True, text=True)
    assert result.stdout.count("村") >= 3


def test_demo_has_a_year_of_postings_filed_and_a_notice_on_the_board(cli):
    import datetime as dt

    code, out, err = cli("init", "--demo")
    assert code == 0, err
    assert "33 张已张贴的公开表" in out
    code, out, _ = cli("notice", "list", "--village", "桃源村", "--state", "公示中")
    assert code == 0 and out.count("公示中") == 1
    code, out, _ = cli("archive", "list", "--village", "杏花村", "--year", str(dt.date.today().year))
    assert code == 0 and "J002-" in out and "惠民惠农补贴资金发放公开表" in out
