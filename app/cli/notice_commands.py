"""`cunwu catalog …`, `cunwu notice …`, `cunwu holidays …` and `cunwu due`: the disclosure catalog
and its poster, public notices through review to the archive, and what each village has due."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from app.cli.main import EXIT_OK, _actor, _add_db, _date, _month, _open, operations
from app.core.disclosure import Channel


def _dates(text: str) -> list[dt.date]:
    return [_date(part) for part in text.replace("，", ",").split(",") if part.strip()]


def _state(text: str):  # noqa: ANN202 - app.core.notices.State
    from app.core.notices import parse_state

    try:
        return parse_state(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def register(commands: argparse._SubParsersAction) -> None:
    _register_catalog(operations(commands, "catalog", "村务公开事项目录：查看、建立、下发、打印上墙目录"))
    _register_notice(operations(commands, "notice", "公示：起草、审核、张贴、异议、期满、归档、打印"))
    holidays = operations(commands, "holidays", "节假日设置：录入日历数据尚未包含的年份")
    h_set = holidays.add_parser("set", help="录入某年的放假日期和调休上班日期")
    _add_db(h_set)
    h_set.add_argument("--year", required=True, type=int, metavar="YYYY")
    h_set.add_argument("--holidays", required=True, type=_dates, metavar="日期,日期", help="工作日中放假的日期")
    h_set.add_argument("--workdays", default=[], type=_dates, metavar="日期,日期", help="周末调休上班的日期")
    h_set.set_defaults(handler=cmd_holidays_set)

    due = commands.add_parser("due", help="应公开事项完成情况：按月或按季，一个村或全乡镇")
    _add_db(due)
    due.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    due.add_argument("--quarter", action="store_true", help="统计该月所在的整个季度")
    due.add_argument("--village", metavar="NAME", help="不填则列出全乡镇所有村")
    due.add_argument("--format", choices=("table", "csv", "json"), default="table")
    due.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="按哪一天判断“即将到期/已逾期”（默认今天）")
    due.add_argument("--xlsx", type=Path, metavar="FILE.xlsx", help="同时导出季度测评 Excel")
    due.set_defaults(handler=cmd_due)


def _register_catalog(catalog: argparse._SubParsersAction) -> None:
    c_list = catalog.add_parser("list", help="列出某村当前的公开事项目录")
    _add_db(c_list)
    c_list.add_argument("--village", required=True, metavar="NAME")
    c_list.add_argument("--format", choices=("table", "json"), default="table")
    c_list.set_defaults(handler=cmd_catalog_list)

    seed = catalog.add_parser("seed", help="为还没有目录的村按乡镇标准目录建立目录")
    _add_db(seed)
    seed.set_defaults(handler=cmd_catalog_seed)

    push = catalog.add_parser("push", help="把乡镇标准目录的最新版下发到各村（各村自己的事项保留）")
    _add_db(push)
    push.set_defaults(handler=cmd_catalog_push)

    poster = catalog.add_parser("poster", help="打印村务公开事项目录及查询指南（上墙，默认 A3 横向）")
    _add_db(poster)
    poster.add_argument("--village", required=True, metavar="NAME")
    poster.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    poster.add_argument("--size", choices=("A3", "A4"), default="A3")
    poster.add_argument("--place", metavar="地点", help="查询地点（默认：设置中的公开栏位置）")
    poster.add_argument("--hours", metavar="时间", help="查询时间（默认：设置中的公开时间）")
    poster.add_argument("--contact", metavar="NAME", help="接待人（默认：设置中的联系人）")
    poster.add_argument("--phone", metavar="电话", help="咨询电话（默认：设置中的咨询电话，未填则用监督电话）")
    poster.set_defaults(handler=cmd_catalog_poster)


def _register_notice(notice: argparse._SubParsersAction) -> None:
    add = notice.add_parser("add", help="起草一份公示（草稿）")
    _add_db(add)
    add.add_argument("--village", required=True, metavar="NAME")
    add.add_argument("--subject", required=True, metavar="标题")
    add.add_argument("--item", required=True, metavar="编号", help="对应的公开事项编号（见 cunwu catalog list）")
    add.add_argument("--kind", default="一般事项", metavar="类别", help="决定最短公示期，如 最低生活保障、宅基地审批")
    add.add_argument("--start", required=True, type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--end", required=True, type=_date, metavar="YYYY-MM-DD")
    add.add_argument("--place", required=True, metavar="地点", help="张贴地点")
    add.add_argument("--body", default="", metavar="正文")
    add.add_argument("--body-file", type=Path, metavar="FILE.txt", help="正文从 UTF-8 文本文件读入")
    add.add_argument("--channel", choices=[c.value for c in Channel], default=Channel.WALL.value)
    add.add_argument("--payouts", type=_month, metavar="YYYY-MM", help="附上该月台账中的发放记录")
    add.add_argument("--subsidy", metavar="NAME", help="只附上这一补贴项目的发放记录")
    add.set_defaults(handler=cmd_notice_add)

    listing = notice.add_parser("list", help="列出某村的公示")
    _add_db(listing)
    listing.add_argument("--village", required=True, metavar="NAME")
    listing.add_argument("--state", type=_state, metavar="状态", help="草稿、村委会审核、村务监督委员会审核、公示中、期满、归档")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=cmd_notice_list)

    step = notice.add_parser("advance", help="签署下一步：提交审核、村委会审核、监委会审核并张贴、期满、归档")
    _add_db(step)
    step.add_argument("notice_id", type=int, metavar="ID")
    step.add_argument("--by", required=True, metavar="NAME", help="签名人")
    step.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="签署日期（默认今天）")
    step.add_argument("--to", type=_state, metavar="状态", help="要到达的状态（与实际下一步不符时拒绝）")
    step.set_defaults(handler=cmd_notice_advance)

    back = notice.add_parser("return", help="退回草稿（必须写明原因）")
    _add_db(back)
    back.add_argument("notice_id", type=int, metavar="ID")
    back.add_argument("--by", required=True, metavar="NAME")
    back.add_argument("--reason", required=True)
    back.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    back.set_defaults(handler=cmd_notice_return)

    objection = notice.add_parser("object", help="登记公示期间收到的异议")
    _add_db(objection)
    objection.add_argument("notice_id", type=int, metavar="ID")
    objection.add_argument("--content", required=True, metavar="内容")
    objection.add_argument("--from", dest="raised_by", default="", metavar="NAME", help="提出人（不填为匿名）")
    objection.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    objection.set_defaults(handler=cmd_notice_object)

    handle = notice.add_parser("handle", help="登记异议的处理情况和结果")
    _add_db(handle)
    handle.add_argument("objection_id", type=int, metavar="异议ID")
    handle.add_argument("--handling", required=True, metavar="处理情况")
    handle.add_argument("--outcome", required=True, metavar="结果", help="异议成立、异议不成立 或 提出人撤回")
    handle.add_argument("--by", required=True, metavar="NAME")
    handle.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    handle.set_defaults(handler=cmd_notice_handle)

    relative = notice.add_parser("relative", help="把附表某行登记为村干部近亲属（备案）")
    _add_db(relative)
    relative.add_argument("notice_id", type=int, metavar="ID")
    relative.add_argument("--row", required=True, type=int, metavar="行号")
    relative.add_argument("--relation", required=True, metavar="关系", help="如：村主任某某之弟")
    relative.set_defaults(handler=cmd_notice_relative)

    show = notice.add_parser("print", help="打印公示（A4 PDF，按发布范围遮掩个人信息）")
    _add_db(show)
    show.add_argument("notice_id", type=int, metavar="ID")
    show.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    show.add_argument("--channel", choices=[c.value for c in Channel], default=Channel.WALL.value)
    show.add_argument("--filing-copy", action="store_true",
                      help="存档联：含异议提出人和内容，归档用，不得张贴")
    show.set_defaults(handler=cmd_notice_print)


def _today(args: argparse.Namespace) -> dt.date:
    return getattr(args, "date", None) or dt.date.today()


def cmd_catalog_list(args: argparse.Namespace) -> int:
    from app.services.catalog import village_catalog

    with _open(args) as database:
        view = village_catalog(database, args.village, _actor())
    if args.format == "json":
        items = [{"code": e.code, "name": e.name, "origin": e.origin, "rhythm": e.rhythm.value, "due_day": e.due_day,
                  "time_limit": e.time_limit, "channels": list(e.channels), "manner": e.manner} for e in view.entries]
        json.dump({"village": view.village, "version": view.number, "standard_version": view.standard_number,
                   "items": items}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"{view.village}村务公开事项目录 第 {view.number} 版（乡镇标准目录第 {view.standard_number} 版）")
    for e in view.entries:
        mine = "（本村）" if e.origin == "village" else ""
        print(f"{e.code}\t{e.name}{mine}\t{e.rhythm.label}\t{e.time_limit}\t{e.channel_text}")
    return EXIT_OK


def cmd_catalog_seed(args: argparse.Namespace) -> int:
    from app.services.catalog import seed_catalogs

    with _open(args) as database:
        count = seed_catalogs(database, _actor())
    print(f"已为 {count} 个村建立公开事项目录")
    return EXIT_OK


def cmd_catalog_push(args: argparse.Namespace) -> int:
    from app.services.catalog import push_standard

    with _open(args) as database:
        count = push_standard(database, _actor())
    print(f"标准目录已下发，{count} 个村的目录更新为新版本")
    return EXIT_OK


def cmd_catalog_poster(args: argparse.Namespace) -> int:
    from app.outputs.catalog_poster import render_poster
    from app.services.catalog import poster_data

    with _open(args) as database:
        data, guide = poster_data(database, args.village, _actor(), place=args.place, hours=args.hours,
                                  contact=args.contact, phone=args.phone)
    pages = render_poster(data, guide, args.out, args.size)
    print(f"已生成公开事项目录（第 {data.version} 版，{len(data.entries)} 项，{pages} 页）：{args.out}")
    return EXIT_OK


def cmd_notice_add(args: argparse.Namespace) -> int:
    from app.services.notices import NoticeDraft, add_payout_rows, create_notice

    body = args.body_file.read_text(encoding="utf-8") if args.body_file else args.body
    draft = NoticeDraft(village=args.village, subject=args.subject, item_code=args.item, kind=args.kind,
                        start=args.start, end=args.end, place=args.place, body=body, channel=args.channel)
    with _open(args) as database:
        if args.payouts:
            # The rows come in a second step; an empty body is allowed only because they will.
            draft = NoticeDraft(**{**draft.__dict__, "body": body or "（见附表）"})
        notice_id = create_notice(database, draft, _actor())
        added = add_payout_rows(database, notice_id, args.payouts, _actor(), args.subsidy) if args.payouts else 0
    print(f"已起草第 {notice_id} 号公示（草稿）" + (f"，附表 {added} 行" if added else ""))
    return EXIT_OK


def cmd_notice_list(args: argparse.Namespace) -> int:
    from app.services.notices import list_notices

    with _open(args) as database:
        notices = list_notices(database, args.village, args.state)
    if args.format == "json":
        json.dump([n.as_dict() for n in notices], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    if not notices:
        print("没有符合条件的公示")
    for n in notices:
        objections = f"\t未处理异议 {n.open_objections} 件" if n.open_objections else ""
        print(f"{n.id}\t{n.state.label}\t{n.start.isoformat()}至{n.end.isoformat()}\t{n.item_code}\t{n.subject}{objections}")
    return EXIT_OK


def cmd_notice_advance(args: argparse.Namespace) -> int:
    from app.services.notices import advance

    with _open(args) as database:
        state = advance(database, args.notice_id, args.by, _today(args), _actor(), expect=args.to)
    print(f"第 {args.notice_id} 号公示：{state.label}（{args.by} 签署）")
    return EXIT_OK


def cmd_notice_return(args: argparse.Namespace) -> int:
    from app.services.notices import return_to_draft

    with _open(args) as database:
        return_to_draft(database, args.notice_id, args.by, _today(args), args.reason, _actor())
    print(f"第 {args.notice_id} 号公示已退回草稿")
    return EXIT_OK


def cmd_notice_object(args: argparse.Namespace) -> int:
    from app.services.notices import raise_objection

    with _open(args) as database:
        objection_id = raise_objection(database, args.notice_id, args.raised_by, _today(args), args.content, _actor())
    print(f"已登记第 {objection_id} 号异议；处理后用 cunwu notice handle {objection_id} 登记结果")
    return EXIT_OK


def cmd_notice_handle(args: argparse.Namespace) -> int:
    from app.services.notices import handle_objection

    with _open(args) as database:
        handle_objection(database, args.objection_id, args.handling, args.outcome, args.by, _today(args), _actor())
    print(f"已登记第 {args.objection_id} 号异议的处理结果")
    return EXIT_OK


def cmd_notice_relative(args: argparse.Namespace) -> int:
    from app.services.notices import mark_cadre_relative

    with _open(args) as database:
        mark_cadre_relative(database, args.notice_id, args.row, args.relation, _actor())
    print(f"第 {args.row} 行已登记为村干部近亲属（备案）")
    return EXIT_OK


def cmd_notice_print(args: argparse.Namespace) -> int:
    from app.outputs.notice_pdf import render_notice
    from app.services.notices import notice_sheet

    with _open(args) as database:
        sheet = notice_sheet(database, args.notice_id)
    pages = render_notice(sheet, args.out, args.channel, args.filing_copy)
    warning = "" if sheet.reviewed else "（尚未审核，仅供审核用，不得张贴）"
    print(f"已生成公示：{args.out}（{pages} 页）{warning}")
    return EXIT_OK


def cmd_holidays_set(args: argparse.Namespace) -> int:
    from app.services.notices import save_holiday_table

    with _open(args) as database:
        save_holiday_table(database, args.year, args.holidays, args.workdays, _actor())
    print(f"已保存 {args.year} 年节假日：放假 {len(args.holidays)} 天，调休上班 {len(args.workdays)} 天")
    return EXIT_OK


def cmd_due(args: argparse.Namespace) -> int:
    from app.outputs.due_xlsx import write_due_xlsx
    from app.services.due import due_report

    with _open(args) as database:
        report = due_report(database, args.month, quarter=args.quarter, village=args.village,
                            today=args.today or dt.date.today())
    rows = [line.as_dict() for line in report.lines]
    if args.format == "json":
        scores = [{**score.__dict__, "rate": None if score.rate is None else round(score.rate, 4)} for score in report.scores()]
        json.dump({"period": report.title, "today": report.today.isoformat(), "items": rows, "villages": scores},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        from app.outputs.listing import csv_text

        fields = list(rows[0]) if rows else ["village"]
        sys.stdout.write(csv_text(fields, ([row[key] for key in fields] for row in rows)))
    else:
        print(f"{report.title}应公开事项（统计日 {report.today.isoformat()}）")
        for row in rows:
            print(f"{row['village']}\t{row['status']}\t{row['code']}\t{row['item']}\t{row['requirement']}"
                  f"\t截止 {row['deadline'] or '—'}\t{row['posted'] or '（无）'}")
        for score in report.scores():
            print(f"{score.village}：应公开 {score.due}，按时 {score.on_time}，逾期完成 {score.late}，"
                  f"未公开 {score.missing}，未到期 {score.pending}，完成率 {score.rate_text}")
    if args.xlsx:
        write_due_xlsx(report, args.xlsx)
        print(f"已导出测评表：{args.xlsx}", file=sys.stderr)
    return EXIT_OK
