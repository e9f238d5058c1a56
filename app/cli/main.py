"""`cunwu` — the command line. Exit 0 on success, 1 when refused (nothing written), 2 on bad usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from app import APP_TITLE, __version__
from app.core.disclosure import Channel, policy_for
from app.core.periods import PeriodError, format_month_zh, parse_month

T = TypeVar("T")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's English usage errors, said in Chinese
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"命令用法有误：{message}\n")


def _month(text: str):
    try:
        return parse_month(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，应为 YYYY-MM-DD") from exc


def operations(commands: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:
    """The operations of `cunwu NAME` (`village add|set|list|show`): the ones already registered under
    that name, or a new command of that name."""
    parser = commands.choices.get(name)
    if parser is not None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    return commands.add_parser(name, help=help_text).add_subparsers(
        dest=f"{name}_command", metavar="操作", required=True, parser_class=_Parser
    )


def _add_db(parser: argparse.ArgumentParser, top: bool = False) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="数据库文件（默认：环境变量 CUNWU_DB，否则用户数据文件夹中的 cunwu.sqlite3）",
    )


def build_parser() -> argparse.ArgumentParser:
    from app.cli import argparse_zh

    argparse_zh.install()
    parser = _Parser(prog="cunwu", description=f"{APP_TITLE}：惠民惠农补贴台账、公开表与脱敏导出")
    parser.add_argument("--version", action="version", version=f"cunwu {__version__}")
    _add_db(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    init = commands.add_parser("init", help="创建（或升级）数据库，写入补贴项目表")
    _add_db(init)
    init.add_argument("--demo", action="store_true", help="同时写入演示数据（一个乡镇、三个村、一年的发放记录）")
    init.add_argument("--township", metavar="NAME", help="乡镇名称")
    init.add_argument("--keep-plain-backup", action="store_true",
                      help="升级加密时，升级前的备份不加密，保留为明文备份（不建议；确认升级无误后请用 "
                           "cunwu backup forget-plaintext 删除）")
    init.set_defaults(handler=cmd_init)

    gui = commands.add_parser("gui", help="打开图形界面")
    _add_db(gui)
    gui.set_defaults(handler=cmd_gui)

    selftest = commands.add_parser("selftest", help="自检：在临时文件夹里走一遍建库、导入、出表（不碰您的数据库）")
    selftest.set_defaults(handler=cmd_selftest)

    village = operations(commands, "village", "村：添加、设置、列出")
    v_add = village.add_parser("add", help="添加一个村")
    _add_db(v_add)
    v_add.add_argument("name", metavar="NAME")
    v_add.add_argument("--code", default="", help="村的代码（统计用区划代码）")
    v_add.set_defaults(handler=cmd_village_add)

    payouts = operations(commands, "payouts", "补贴发放台账：导入、列出、导出")
    p_import = payouts.add_parser("import", help="导入县里下发的发放明细（xlsx、xls、csv）")
    _add_db(p_import)
    p_import.add_argument("file", metavar="FILE", type=Path)
    p_import.add_argument("--village", required=True, metavar="NAME")
    p_import.add_argument("--month", type=_month, metavar="YYYY-MM", help="文件中没有发放日期时必须指定")
    p_import.add_argument("--subsidy", metavar="NAME", help="文件中没有补贴项目列时必须指定")
    p_import.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p_import.add_argument("--force", action="store_true", help="同样内容的文件导入过也再导入一次")
    p_import.add_argument("--sheet", action="append", default=[], metavar="NAME",
                          help="文件中有多个发放明细工作表时，要导入的工作表（可重复；“*”表示全部）")
    p_import.set_defaults(handler=cmd_payouts_import)

    p_list = payouts.add_parser("list", help="列出发放记录（按发布范围遮掩个人信息）")
    _add_db(p_list)
    p_list.add_argument("--village", required=True, metavar="NAME")
    p_list.add_argument("--month", type=_month, metavar="YYYY-MM")
    p_list.add_argument("--channel", choices=[c.value for c in Channel], default=Channel.ONLINE.value)
    p_list.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p_list.set_defaults(handler=cmd_payouts_list)

    p_export = payouts.add_parser("export", help="导出某村某月的发放明细 Excel（已遮掩）")
    _add_db(p_export)
    p_export.add_argument("--village", required=True, metavar="NAME")
    p_export.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    p_export.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    p_export.add_argument("--channel", choices=[c.value for c in Channel], default=Channel.ONLINE.value)
    p_export.set_defaults(handler=cmd_payouts_export)

    p_correct = payouts.add_parser("correct", help="更正已张贴月份的一条发放记录（写明原因，列入下月公开表）")
    _add_db(p_correct)
    p_correct.add_argument("payout_id", metavar="ID", type=int)
    p_correct.add_argument("--amount", required=True, help="更正后的金额（元）")
    p_correct.add_argument("--reason", required=True, help="更正原因")
    p_correct.add_argument("--by", metavar="姓名", help="更正人（默认：环境变量 CUNWU_ACTOR，否则登录名）")
    p_correct.set_defaults(handler=cmd_payouts_correct)

    bulletin = commands.add_parser("bulletin", help="生成惠民惠农补贴资金发放公开表（PDF）")
    _add_db(bulletin)
    which = bulletin.add_mutually_exclusive_group(required=True)
    which.add_argument("--village", metavar="NAME")
    which.add_argument("--all", action="store_true", help="全乡镇所有有发放记录的村，另加一张乡镇汇总表")
    bulletin.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    bulletin.add_argument("--out", required=True, type=Path, metavar="FILE.pdf|FILE.xlsx|DIR")
    bulletin.add_argument("--channel", choices=[c.value for c in Channel], default=Channel.WALL.value)
    bulletin.add_argument("--size", choices=("A4", "A3"), default="A4")
    bulletin.add_argument("--from", dest="posting_start", type=_date, metavar="YYYY-MM-DD", help="公开开始日期")
    bulletin.add_argument("--to", dest="posting_end", type=_date, metavar="YYYY-MM-DD", help="公开结束日期")
    bulletin.set_defaults(handler=cmd_bulletin)

    publish = commands.add_parser("publish", help="登记公开表已张贴（锁定该月发放记录）")
    _add_db(publish)
    publish.add_argument("--village", required=True, metavar="NAME")
    publish.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    publish.add_argument("--by", required=True, metavar="NAME", help="张贴人")
    publish.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="张贴日期（默认今天）")
    publish.add_argument("--photo", type=Path, metavar="FILE", help="公开栏照片")
    publish.add_argument("--from", dest="posting_start", type=_date, metavar="YYYY-MM-DD", help="公开开始日期")
    publish.add_argument("--to", dest="posting_end", type=_date, metavar="YYYY-MM-DD", help="公开结束日期")
    publish.add_argument("--backdate", action="store_true", help="补登：公开开始日期早于张贴日期时确认登记")
    publish.set_defaults(handler=cmd_publish)

    # The other commands' modules, each registering its own (setup_commands adds `village set|list|show`
    # to the `village` above: `operations` finds it).
    from app.cli import (
        archive_commands,
        audit_commands,
        backup_commands,
        exchange_commands,
        key_commands,
        notice_commands,
        setup_commands,
        user_commands,
    )

    for module in (archive_commands, notice_commands, backup_commands, setup_commands, audit_commands, key_commands,
                   user_commands, exchange_commands):
        module.register(commands)
    return parser


def say_recovery_code(code: str, stream=None) -> None:  # noqa: ANN001
    """The line `恢复码：…` and what to do with it; the code is printed on purpose (the gate lets it by)."""
    from app.core.disclosure import published

    with published(code):
        print(f"恢复码：{code}", file=stream or sys.stdout)
    print("数据库中的身份证号、电话和账号已加密。请把上面的恢复码打印或抄下来，放进档案盒妥善保管："
          "换电脑、换账户时要用它（cunwu key recover --code 恢复码）；需要时可用 cunwu key recovery --out 文件 再次打印",
          file=stream or sys.stdout)


def _open(args: argparse.Namespace, show_code: bool = True):
    from app.storage.engine import open_database
    from app.storage.server_errors import as_refusal

    with as_refusal():  # the township server's refusal (wrong password, unreachable…) as its sentence
        database = open_database(args.db, keep_plain_backup=getattr(args, "keep_plain_backup", False))
    if database.recovery_code and show_code:
        say_recovery_code(database.recovery_code, sys.stderr)
    if database.read_only_reason:
        print(f"注意：数据库以只读方式打开（{database.read_only_reason}），只能查看和打印，不能修改", file=sys.stderr)
    for warning in database.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    if database.backup_path:
        print(f"数据库已升级，升级前的备份：{database.backup_path}", file=sys.stderr)
    return database


def _actor() -> str:
    from app.services.audit import default_actor

    return default_actor()


def cmd_init(args: argparse.Namespace) -> int:
    from app.services.demo import seed_demo, seed_demo_history
    from app.services.setup import initialize
    from app.services.villages import list_villages

    with _open(args, show_code=False) as database:
        from app.services.demo import DEMO_TOWNSHIP

        township = args.township or (DEMO_TOWNSHIP if args.demo else None)
        added = initialize(database, _actor(), township)
        print(f"数据库已就绪：{database.path or '服务器数据库'}（新增补贴项目 {added} 个）")
        if database.recovery_code:
            say_recovery_code(database.recovery_code)
        if args.demo:
            if list_villages(database):
                # Never mix demo people into a database that holds villages (real ones, perhaps).
                print("数据库中已有村的数据，没有再写入演示数据")
            else:
                count = seed_demo(database, _actor())
                posted = seed_demo_history(database, _actor())
                print(f"已写入演示数据：3 个村，{count} 条发放记录，{posted} 张已张贴的公开表（已归档），1 份公示")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from app.ui.launch import run_gui

    return run_gui(args.db)


def cmd_selftest(args: argparse.Namespace) -> int:
    from app.selftest import main

    return main()


def cmd_village_add(args: argparse.Namespace) -> int:
    from app.services.villages import add_village

    with _open(args) as database:
        village = add_village(database, args.name, _actor(), code=args.code)
    print(f"已添加村：{village.name}" + (f"（代码 {village.code}）" if village.code else ""))
    return EXIT_OK


def _terminal_progress() -> Callable[[str, int, int], None]:
    if not sys.stderr.isatty():
        return lambda stage, done, total: None

    def show(stage: str, done: int, total: int) -> None:
        share = f" {done * 100 // total}%" if total else ""
        sys.stderr.write(f"\r{stage}{share}   ")
        sys.stderr.flush()

    return show


def cmd_payouts_import(args: argparse.Namespace) -> int:
    from app.services.importing import ImportRequest, import_payouts

    request = ImportRequest(
        path=args.file,
        village=args.village,
        month=args.month,
        subsidy=args.subsidy,
        dry_run=args.dry_run,
        force=args.force,
        sheets=tuple(args.sheet),
    )
    with _open(args) as database:
        result = import_payouts(database, request, _actor(), progress=_terminal_progress())
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 30 + "\r")
    for warning in result.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    print(result.summary + ("（试运行，未写入）" if result.dry_run else ""))
    return EXIT_OK


def _read(args: argparse.Namespace, query: Callable[[Any], T]) -> T:
    """What a command that only reads asks of the database, through the quick reader when nothing is
    due on opening (app.storage.quick_read: no SQLAlchemy to import), else through the full opening,
    which does what is due (upgrade, check, backup) and says what it has to."""
    import sqlite3

    from app.storage.quick_read import open_quickly

    reader = open_quickly(args.db)
    if reader is not None:
        try:
            with reader:
                return query(reader)
        except sqlite3.Error:
            pass  # a damaged file, say: the full opening checks it and says so in its words
    with _open(args) as database:
        return query(database)


def cmd_payouts_list(args: argparse.Namespace) -> int:
    from app.outputs.listing import to_csv, to_json, to_table
    from app.outputs.masked_rows import mask_records
    from app.services.listings import village_ledger

    _, records = _read(args, lambda db: village_ledger(db, args.village, args.month))
    rows = mask_records(records, policy_for(args.channel))
    writer = {"table": to_table, "csv": to_csv, "json": to_json}[args.format]
    sys.stdout.write(writer(rows).rstrip("\n") + "\n")
    return EXIT_OK


def cmd_payouts_export(args: argparse.Namespace) -> int:
    from app.outputs.bulletin_xlsx import write_bulletin_xlsx
    from app.services.bulletin import sheet_for

    with _open(args) as database:
        sheet = sheet_for(database, args.village, args.month, args.channel)
    write_bulletin_xlsx(sheet, args.out)
    print(f"已导出 {sheet.total_count} 条，合计 {sheet.total_text} 元：{args.out}")
    return EXIT_OK


def cmd_payouts_correct(args: argparse.Namespace) -> int:
    from app.services.bulletin import correct

    with _open(args) as database:
        correction_id = correct(database, args.payout_id, args.amount, args.reason, (args.by or "").strip() or _actor())
    print(f"已登记更正（第 {correction_id} 号），将列入下一期公开表的更正说明")
    return EXIT_OK


def cmd_bulletin(args: argparse.Namespace) -> int:
    from app.outputs.bulletin_batch import render_all
    from app.outputs.bulletin_pdf import render_bulletin
    from app.services.bulletin import default_posting_period, record_printed, sheet_for, township_sheets

    with _open(args) as database:
        if not args.all:
            suffix = args.out.suffix.lower()
            if suffix not in (".pdf", ".xlsx"):
                print(f"错误：输出文件“{args.out.name}”应以 .pdf（打印用）或 .xlsx（Excel）结尾", file=sys.stderr)
                return EXIT_REFUSED
            sheet = sheet_for(database, args.village, args.month, args.channel, args.posting_start, args.posting_end)
            if suffix == ".xlsx":
                from app.outputs.bulletin_xlsx import write_bulletin_xlsx

                write_bulletin_xlsx(sheet, args.out)
                record_printed(database, sheet.meta.village, args.month, "导出 Excel", 0, args.channel, _actor())
                print(f"已生成公开表（Excel）：{args.out}（{sheet.total_count} 人次，合计 {sheet.total_text} 元）")
                return EXIT_OK
            pages = render_bulletin(sheet, args.out, args.size)
            record_printed(database, sheet.meta.village, args.month, "生成 PDF", pages, args.channel, _actor())
            print(f"已生成公开表：{args.out}（{pages} 页，{sheet.total_count} 人次，合计 {sheet.total_text} 元）")
            return EXIT_OK
        township, sheets = township_sheets(database, args.month, args.channel)
    if not sheets:
        print(f"错误：{format_month_zh(args.month)}没有任何村的发放记录", file=sys.stderr)
        return EXIT_REFUSED
    from app.outputs.township_summary import summary_sheet

    month = f"{args.month.year:04d}-{args.month.month:02d}"
    jobs = [(sheet, args.out / f"{sheet.meta.village}-{month}.pdf") for sheet in sheets]
    summary = summary_sheet(township, args.month, sheets, default_posting_period(args.month))
    jobs.append((summary, args.out / f"{township or '乡镇'}-{month}-汇总.pdf"))

    def show(done: int, total: int, title: str) -> None:
        print(f"[{done}/{total}] {title}", file=sys.stderr, flush=True)

    results = render_all(jobs, args.size, progress=show)
    printed = [r for r in results if not r.problem]
    print(f"已生成 {len(printed)} 份 PDF（{len(printed)} / {len(results)}，含乡镇汇总表）：{args.out}")
    failed = [r.problem for r in results if r.problem]
    for problem in failed:
        print(f"没有生成：{problem}", file=sys.stderr)
    return EXIT_REFUSED if failed else EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    import datetime as dt

    from app.core.money import format_yuan
    from app.services.bulletin import publish

    with _open(args) as database:
        info = publish(database, args.village, args.month, args.date or dt.date.today(), args.by, _actor(),
                       args.posting_start, args.posting_end, photo=args.photo, backdate=args.backdate)
    print(
        f"已登记：{info.village}{format_month_zh(info.period)}公开表于 {info.posted_on.isoformat()} 张贴"
        f"（{info.payout_count} 条，合计 {format_yuan(info.total_fen, thousands=True)} 元），该月发放记录已锁定"
    )
    return EXIT_OK


def _known_errors() -> tuple[type[BaseException], ...]:
    from app.services.errors import known_errors

    return known_errors()


def _say_refusal(error: BaseException) -> None:
    from app.services.errors import ServiceError, clerk_message
    from app.storage.server_errors import describe

    print(f"错误：{describe(error) or clerk_message(error)}", file=sys.stderr)
    if isinstance(error, ServiceError):
        for line in error.problems:
            if line != error.message:
                print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the frozen Windows build starts render workers through this
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # an old console code page must not crash a report
    from app.outputs.terminal import gated

    try:
        with gated():  # every line printed below passes the disclosure gate
            return _run(argv)
    except BrokenPipeError:  # flushing the last lines to a reader that left
        return _reader_left()


def _reader_left() -> int:
    """`cunwu audit list | head`: the reader has what it wanted; the rest goes nowhere, quietly."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):  # not a real file (a test's stream): nothing to silence
        pass
    return EXIT_OK


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except BrokenPipeError:
        return _reader_left()
    except _known_errors() as error:
        _say_refusal(error)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("已中断，没有写入任何数据", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # noqa: BLE001 - the clerk gets a sentence, never a traceback
        _say_refusal(error)
        from app import logs  # the traceback goes to the log (through the gate), for whoever helps

        logged = logs.record_exception(error, f"unexpected error in `cunwu {args.command}`",
                                       logs.folder_for(getattr(args, "db", None)))
        if logged is not None:
            print(f"详细情况已记录在日志文件中：{logged}", file=sys.stderr)
        return EXIT_REFUSED


def entry_point() -> None:
    sys.exit(main())
