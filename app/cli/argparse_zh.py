"""argparse in Chinese: usage, help headings and its own error messages.

argparse says "usage:", "options" and "the following arguments are required" through gettext, and
Python ships no Chinese catalog for it; a clerk who types a command wrong must not read English. The
texts are argparse's own message ids (Python 3.11–3.13), looked up when argparse formats them.
"""

from __future__ import annotations

import argparse

ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示这段帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "后面需要一个值",
    "expected at most one argument": "后面最多一个值",
    "expected at least one argument": "后面至少需要一个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "“%(value)s”不是可选的值（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "“%(value)s”不是有效的值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "无法识别的选项：%s",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}


def translate(text: str) -> str:
    return ZH.get(text, text)


def install() -> None:
    """argparse looks `_` up in its module at every call: replacing it there translates everything."""
    argparse._ = translate  # type: ignore[attr-defined]
    # The version action's help is a default argument, fixed when argparse was imported.
    defaults = argparse._VersionAction.__init__.__defaults__ or ()
    argparse._VersionAction.__init__.__defaults__ = tuple(translate(d) if isinstance(d, str) else d for d in defaults)
