"""`cunwu audit …`: the operation log (操作日志) — list it, and verify that nobody changed it.

`verify` walks the hash chain (app.services.audit) and names the first entry that was changed,
deleted or inserted past the program (exit 1); `--code` adds the codes printed in posted sheets'
footers, which catch a log rewritten with every hash recomputed. Everything printed passes the
disclosure gate (the CLI's stdout is gated): the personal numbers in before/after come out masked.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli.main import EXIT_OK, EXIT_REFUSED, _add_db, _date, _open, operations


def register(commands: argparse._SubParsersAction) -> None:
    audit = operations(commands, "audit", "操作日志：查看、校验是否被改动")
    verify = audit.add_parser("verify", help="校验操作日志：找出第一条被改动、删除或插入的记录")
    _add_db(verify)
    verify.add_argument("--code", action="append", default=[], metavar="XXXX-XXXX-XXXX",
                        help="已张贴公开表页脚上的操作日志校验码（可重复）：核对日志仍含该条记录")
    verify.set_defaults(handler=cmd_verify)

    listing = audit.add_parser("list", help="列出操作日志（可按村、操作人、日期筛选）")
    _add_db(listing)
    listing.add_argument("--village", metavar="NAME", help="只列与这个村有关的操作")
    listing.add_argument("--who", metavar="NAME", help="操作人（姓名的一部分即可）")
    listing.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="开始日期（含）")
    listing.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="结束日期（含）")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=cmd_list)


def cmd_verify(args: argparse.Namespace) -> int:
    from app.services.audit import verify

    with _open(args) as database:
        result = verify(database, args.code)
    print(result.summary)
    for check in result.codes:
        if check.ok and result.problem is None:
            print(check.message)
    return EXIT_OK if result.ok else EXIT_REFUSED


def cmd_list(args: argparse.Namespace) -> int:
    from app.outputs.listing import display_width
    from app.services.audit import list_entries

    with _open(args) as database:
        listing = list_entries(database, args.village, args.who, args.start, args.end)
    if args.format == "json":
        json.dump([entry.as_dict() for entry in listing.entries], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    headers = ("编号", "时间", "操作人", "村", "操作", "对象", "内容")
    rows = [(str(e.id), e.time_text, e.actor, e.village or "—", e.action_label, e.subject, e.change_text)
            for e in listing.entries]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headers[:-1])]

    def line(cells: tuple[str, ...]) -> str:
        padded = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(cells[:-1])]
        return "  ".join(padded + [cells[-1]]).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths) + "  ----")
    for row in rows:
        print(line(row))
    print(f"共 {listing.total} 条")
    return EXIT_OK
