"""`cunwu selftest`: prove, on this PC and from this installation, that the whole chain works.

In a new temporary folder whose path holds Chinese characters (as on many office PCs): create and
migrate a database, seed it, add a village, import the bundled sample payout list (synthetic people,
resources/samples/), list it masked, export the Excel file and read it back, print the bulletin sheet
to PDF with a rare name character (䶮) and read its text back (PDFium), start Qt offscreen with
the bundled fonts, and open the main window on the self-test database until it shows the imported
rows, their ID numbers masked. The user's real database is never opened. Runs the same frozen (PyInstaller bundle: it checks
that everything was bundled) and unfrozen (tests/test_selftest.py).

Prints one line: 自检通过：… (exit 0) or 自检失败：step：reason (exit 1).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SAMPLE_FILE = ("samples", "selftest_payouts.xlsx")
SAMPLE_VILLAGE = "桃源村"
SAMPLE_MONTH = dt.date(2026, 10, 1)
RARE_CHARACTER = "䶮"  # U+4DAE, CJK Extension A: in villagers' names, missing from many fonts
ACTOR = "自检"


class SelftestFailure(Exception):
    """A check that did not hold; the message says, in Chinese, what was expected."""


@dataclass
class _Context:
    folder: Path
    database: object = None
    village_id: int = 0
    count: int = 0
    total_fen: int = 0
    records: list = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def sample_path() -> Path:
    from app.resources import resource_path

    return resource_path(*SAMPLE_FILE)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelftestFailure(message)


def _valid_ids(text: str) -> list[str]:
    from app.core import idnumber

    return [run for run in re.findall(r"(?=([0-9Xx]{18}))", text) if idnumber.is_valid(run.upper())]


# --- the steps, in order; each returns a short account of what it proved ------------------------


def _database(ctx: _Context) -> str:
    from app.storage import migrations
    from app.storage.engine import open_database

    ctx.database = open_database(ctx.folder / "自检数据库" / "cunwu.sqlite3")
    with ctx.database.engine.connect() as connection:  # type: ignore[attr-defined]
        current = migrations.current_revision(connection)
    _check(current == migrations.head_revision(), f"数据库版本 {current} 不是最新的 {migrations.head_revision()}")
    return f"数据库已创建并升级到 {current}"


def _seed(ctx: _Context) -> str:
    from app.services.setup import initialize
    from app.services.villages import add_village

    added = initialize(ctx.database, ACTOR, "自检乡")  # type: ignore[arg-type]
    _check(added > 0, "没有写入任何补贴项目")
    ctx.village_id = add_village(ctx.database, SAMPLE_VILLAGE, ACTOR).id  # type: ignore[arg-type]
    from app.services.village_settings import update_village  # a sheet without it is refused

    update_village(ctx.database, ctx.village_id, ACTOR, supervision_phone="0351-1234567")  # type: ignore[arg-type]
    return f"补贴项目 {added} 个"


def _import(ctx: _Context) -> str:
    from app.core.money import format_yuan
    from app.services.importing import ImportRequest, import_payouts

    path = sample_path()
    _check(path.is_file(), f"找不到自检样例文件“{path}”")
    result = import_payouts(ctx.database, ImportRequest(path=path, village=SAMPLE_VILLAGE), ACTOR)  # type: ignore[arg-type]
    _check(result.count > 0, "样例文件中没有导入任何记录")
    ctx.count, ctx.total_fen = result.count, result.total_fen
    return f"导入样例 {result.count} 条、合计 {format_yuan(result.total_fen, thousands=True)} 元"


def _listing(ctx: _Context) -> str:
    from app.core.disclosure import Channel, policy_for
    from app.outputs.listing import to_table
    from app.outputs.masked_rows import mask_records
    from app.services.ledger import LedgerFilter, fetch_all

    with ctx.database.reading() as session:  # type: ignore[attr-defined]
        ctx.records = fetch_all(session, LedgerFilter(village_id=ctx.village_id, period=SAMPLE_MONTH))
    _check(len(ctx.records) == ctx.count, f"列出 {len(ctx.records)} 条，导入的是 {ctx.count} 条")
    _check(any(RARE_CHARACTER in record.name for record in ctx.records), f"姓名中的“{RARE_CHARACTER}”没有存进数据库")
    table = to_table(mask_records(ctx.records, policy_for(Channel.ONLINE)))
    _check(not _valid_ids(table), "对外发布的列表中出现了完整的身份证号")
    _check(RARE_CHARACTER not in table, "对外发布的列表没有遮掩名字")
    return "遮掩列表"


def _excel(ctx: _Context) -> str:
    from app.core.disclosure import Channel
    from app.core.money import to_capital
    from app.inputs.tabular import read_tabular
    from app.outputs.bulletin_xlsx import write_bulletin_xlsx
    from app.services.bulletin import sheet_for

    sheet = sheet_for(ctx.database, SAMPLE_VILLAGE, SAMPLE_MONTH, Channel.ONLINE)  # type: ignore[arg-type]
    _check(sheet.total_count == ctx.count, f"公开表有 {sheet.total_count} 人次，导入的是 {ctx.count} 条")
    path = write_bulletin_xlsx(sheet, ctx.folder / "导出" / "自检导出.xlsx")
    cells = [str(value) for grid in read_tabular(path).sheets for row in grid.rows for value in row if value != ""]
    joined = " ".join(cells)
    _check(bool(cells) and cells[0] == sheet.meta.title, "导出的 Excel 读回后标题不对")
    _check(to_capital(ctx.total_fen) in joined, "导出的 Excel 读回后合计（大写）不对")
    _check(not _valid_ids(joined), "导出的 Excel 中出现了完整的身份证号")
    _check(RARE_CHARACTER not in joined, "对外发布的 Excel 没有遮掩名字")
    return "Excel 导出并读回"


def _pdf(ctx: _Context) -> str:
    from app.core.disclosure import Channel
    from app.outputs.bulletin_pdf import render_bulletin
    from app.services.bulletin import sheet_for

    # The wall copy: full names, so the rare character is printed.
    sheet = sheet_for(ctx.database, SAMPLE_VILLAGE, SAMPLE_MONTH, Channel.WALL)  # type: ignore[arg-type]
    path = ctx.folder / "导出" / "自检公开表.pdf"
    pages = render_bulletin(sheet, path)
    data = path.read_bytes()
    _check(data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and pages > 0, "公开表 PDF 文件不完整")
    rare_name = next(record.name for record in ctx.records if RARE_CHARACTER in record.name)
    compact = "".join(_pdf_text(path).split())
    for wanted in (sheet.meta.title, rare_name):
        _check(wanted in compact, f"公开表 PDF 中读不出“{wanted}”")
    from reportlab.lib import rl_accel

    # Loaded through exec() strings, which a bundler cannot see: a missing accelerator is silent, slow.
    _check(not rl_accel._py_funcs, "缺少 ReportLab 加速模块 _rl_accel（打印大表会很慢）")
    return f"公开表 PDF {pages} 页（含生僻字，已读回）"


def _server_driver(ctx: _Context) -> str:
    """The township server's driver: psycopg with libpq, which a bundle could lose (build/bundle_rules.py)."""
    import psycopg
    from psycopg import pq

    _check(pq.__impl__ in ("binary", "c"), f"乡镇服务器驱动只有纯 Python 版（{pq.__impl__}），缺少 libpq")
    major, minor = divmod(pq.version(), 10000)
    return f"乡镇服务器驱动可用（psycopg {psycopg.__version__}，libpq {major}.{minor}）"


def _qt(ctx: _Context) -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QApplication, QLabel

    from app.ui.fonts import register_bundled_fonts

    # Offscreen: no window appears, and it works where no desktop is (a service, CI, wine).
    app = QApplication.instance() or QApplication([sys.argv[0] or "cunwu", "-platform", "offscreen"])
    families = register_bundled_fonts()
    _check(bool(families), "界面库没有载入程序自带的字体")
    covering = [f for f in families if QFontMetrics(QFont(f)).inFontUcs4(ord(RARE_CHARACTER))]
    _check(bool(covering), f"程序自带的字体中没有“{RARE_CHARACTER}”")
    label = QLabel(f"{SAMPLE_VILLAGE}{RARE_CHARACTER}")
    label.setFont(QFont(covering[0]))
    image = label.grab()
    _check(not image.isNull() and image.width() > 0, "界面库无法绘制文字")
    return f"界面库 Qt {pyside_version}（{app.platformName()}）"


def _window(ctx: _Context) -> str:
    """The clerk's window on the self-test database: it must show the imported rows, IDs masked."""
    import time

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance()
    window = MainWindow(ctx.database, ACTOR)  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 30  # an old PC under antivirus scanning: generous
        while time.monotonic() < deadline and not (
            window.choices_loaded and window.model.rowCount() > 0 and not window.model.is_loading()
        ):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        shown = [window.model.display_row(row) for row in range(window.model.rowCount())]
        _check(len(shown) == ctx.count, f"主窗口显示了 {len(shown)} 条记录，应为 {ctx.count} 条")
        _check(not _valid_ids(" ".join(row.id_number for row in shown if row)), "主窗口显示了完整的身份证号")
        _check(not window.grab().isNull(), "主窗口无法绘制")  # drawn without show(): no window flashes up
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()
    return f"主窗口显示 {len(shown)} 条（已遮掩）"


STEPS: tuple[tuple[str, Callable[[_Context], str]], ...] = (
    ("创建数据库", _database),
    ("写入补贴项目和村", _seed),
    ("导入样例", _import),
    ("遮掩列表", _listing),
    ("导出 Excel", _excel),
    ("公开表 PDF", _pdf),
    ("乡镇服务器驱动", _server_driver),
    ("界面库", _qt),
    ("主窗口", _window),
)


def _pdf_text(path: Path) -> str:
    """The PDF's text, read back by PDFium (the same library that shows the preview)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


# --- running ------------------------------------------------------------------------------------


def _reason(error: BaseException) -> str:
    from app.services.errors import ServiceError

    if isinstance(error, ServiceError):
        extra = [line for line in error.problems if line != error.message][:3]
        return "；".join([error.message, *extra])
    if isinstance(error, SelftestFailure):
        return str(error)
    return f"{type(error).__name__}: {error}"


def run_selftest() -> tuple[bool, str]:
    """(passed, one line in Chinese). Never touches the user's database."""
    with tempfile.TemporaryDirectory(prefix="村务公开助手自检_", ignore_cleanup_errors=True) as tmp:
        ctx = _Context(folder=Path(tmp) / "临时文件夹")
        from app.storage.keys import KEY_DIR_ENV

        # The test database's key goes to the temporary folder too, not the account's key folder (issue 17).
        key_dir_before = os.environ.get(KEY_DIR_ENV)
        os.environ[KEY_DIR_ENV] = str(Path(tmp) / "密钥")
        try:
            for label, step in STEPS:
                try:
                    ctx.done.append(step(ctx))
                except Exception as error:  # every failure becomes the one line, with its step
                    if not isinstance(error, SelftestFailure):
                        traceback.print_exc(file=sys.stderr)  # the details, for whoever builds the bundle
                    return False, f"自检失败：{label}：{_reason(error)}"
        finally:
            if ctx.database is not None:
                ctx.database.close()  # type: ignore[attr-defined]
            if key_dir_before is None:
                os.environ.pop(KEY_DIR_ENV, None)
            else:
                os.environ[KEY_DIR_ENV] = key_dir_before
    return True, "自检通过：" + "，".join(ctx.done)


def main() -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # an old console code page must not crash the report
    passed, line = run_selftest()
    print(line, flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
