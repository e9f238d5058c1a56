"""`cunwu selftest` (app/selftest.py), run unfrozen: the frozen runs are build/build.sh's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app import selftest


def test_selftest_passes_on_the_bundled_sample():
    passed, line = selftest.run_selftest()
    assert passed, line
    assert line.startswith("自检通过：")
    assert "\n" not in line
    for proof in ("数据库已创建", "导入样例 12 条", "遮掩列表", "Excel 导出并读回", "公开表 PDF", "生僻字", "界面库",
                  "主窗口显示 12 条（已遮掩）"):
        assert proof in line


def test_a_window_that_shows_a_full_id_number_fails_the_selftest(monkeypatch):
    """The window step reads what the table would show: an unmasked screen must not pass."""
    from app.ui import ledger_model

    masked = ledger_model.mask_record

    import random

    from app.core.synthetic import make_id_number

    full = make_id_number(random.Random(3))

    # The worst bug: a full number on screen (the records hold masked numbers since issue 17, so the
    # bug now is a screen that decrypted one).
    def unmasked(record, policy):  # noqa: ANN001, ANN202
        return dataclasses.replace(masked(record, policy), id_number=full)

    monkeypatch.setattr(ledger_model, "mask_record", unmasked)
    passed, line = selftest.run_selftest()
    assert not passed
    assert line == "自检失败：主窗口：主窗口显示了完整的身份证号"


def test_a_missing_sample_is_reported_with_its_step(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest, "sample_path", lambda: tmp_path / "不存在.xlsx")
    passed, line = selftest.run_selftest()
    assert not passed
    assert line.startswith("自检失败：导入样例：")
    assert "不存在.xlsx" in line


def test_main_prints_one_line_and_exits_non_zero_on_failure(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(selftest, "sample_path", lambda: tmp_path / "不存在.xlsx")
    assert selftest.main() == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("自检失败：")


def test_the_temporary_folder_has_chinese_in_its_path_and_is_removed(monkeypatch):
    seen: list[Path] = []

    def record(ctx):  # noqa: ANN001
        seen.append(ctx.folder)
        return "看过了"

    monkeypatch.setattr(selftest, "STEPS", (("记录文件夹", record),))
    assert selftest.run_selftest() == (True, "自检通过：看过了")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(seen[0]))
    assert not seen[0].parent.exists()


def test_an_unexpected_error_names_its_type(monkeypatch):
    def broken(ctx):  # noqa: ANN001
        raise KeyError("缺少的模块")

    monkeypatch.setattr(selftest, "STEPS", (("某一步", broken),))
    passed, line = selftest.run_selftest()
    assert not passed and line.startswith("自检失败：某一步：KeyError")


def test_valid_ids_finds_only_numbers_with_a_valid_check_character():
    import random

    from app.core.synthetic import make_id_number

    valid = make_id_number(random.Random(1))
    broken = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert selftest._valid_ids(f"甲{valid}乙{broken}丙") == [valid]


def test_cunwu_selftest_command_runs_it_and_leaves_the_users_database_alone(tmp_path, capsys, monkeypatch):
    from app.cli.main import main as cli_main

    monkeypatch.setenv("CUNWU_DB", str(tmp_path / "用户的数据库.sqlite3"))
    assert cli_main(["selftest"]) == 0
    assert capsys.readouterr().out.startswith("自检通过：")
    assert not (tmp_path / "用户的数据库.sqlite3").exists()
