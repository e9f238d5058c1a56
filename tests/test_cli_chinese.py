"""The command line speaks Chinese in its help and its usage errors too (argparse's own texts)."""

from __future__ import annotations

import re

import pytest

from app.cli.main import EXIT_USAGE, main


def _english_words(text: str) -> set[str]:
    """Words of English prose: option names (--help, -h), metavars and sub-commands are the command's own."""
    prose = re.sub(r"(?<![\w-])-{1,2}[A-Za-z][\w-]*", " ", text)
    return {word.lower() for word in re.findall(r"[A-Za-z]{2,}", prose)}


@pytest.mark.parametrize("argv", [["--help"], ["payouts", "import", "--help"], ["village", "--help"]])
def test_help_is_chinese(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "选项" in out
    assert not {"usage", "options", "positional", "arguments", "this", "help", "message", "exit"} & _english_words(out)


@pytest.mark.parametrize(
    ("argv", "said"),
    [(["payouts", "import"], "缺少必需的参数"), (["bulletin", "--channel", "xx", "--village", "x", "--month", "2026-10",
                                                  "--out", "a.pdf"], "不是可选的值"),
     (["village", "list", "--nonsense"], "无法识别的参数")],
)
def test_usage_errors_are_chinese(argv, said, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert said in err and "命令用法有误" in err
    assert not {"usage", "error", "required", "invalid", "choice", "unrecognized", "arguments"} & _english_words(err)


def test_a_reader_that_leaves_early_is_no_error(db_path, monkeypatch, capsys):
    """`cunwu village list | head -1`: the pipe closes; no 错误, no traceback, exit 0."""
    import io
    import sys

    assert main(["--db", str(db_path), "init"]) == 0
    capsys.readouterr()

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["--db", str(db_path), "village", "list"]) == 0
    assert "错误" not in capsys.readouterr().err
