"""`cunwu archive …`: filing settings, pieces, evidence, the filing index and the box labels."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.main import EXIT_OK, EXIT_REFUSED, _actor, _add_db, _date, _month, _open, operations


def _year(text: str) -> int:
    if not (text.isdigit() and 1900 <= int(text) <= 2999):
        raise argparse.ArgumentTypeError(f"年度“{text}”不对，应为四位年份，例如 2026")
    return int(text)


def _month_number(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= 12):
        raise argparse.ArgumentTypeError(f"月份“{text}”不对，应为 1 至 12")
    return int(text)


def register(commands: argparse._SubParsersAction) -> None:
    archive = operations(commands, "archive", "归档：归档文件目录、档案盒签、留痕照片")
    settings = archive.add_parser("settings", help="设置本村的全宗号、门类代码、类别代码")
    _add_db(settings)
    settings.add_argument("--village", required=True, metavar="NAME")
    settings.add_argument("--fonds", required=True, metavar="全宗号", help="例如 J012")
    settings.add_argument("--class", dest="doc_class", default="", metavar="门类代码", help="例如 WS（不用可不填）")
    settings.add_argument("--category", default="", metavar="类别代码", help="自动归档文件的机构(问题)代码，例如 GK")
    settings.add_argument("--responsible", default="", metavar="责任者", help="默认：某某村村民委员会")
    settings.set_defaults(handler=cmd_settings)

    add = archive.add_parser("add", help="登记一件纸质文件或扫描件")
    _add_db(add)
    add.add_argument("--village", required=True, metavar="NAME")
    add.add_argument("--title", required=True, metavar="题名")
    add.add_argument("--date", required=True, type=_date, metavar="YYYY-MM-DD", help="文件日期")
    add.add_argument("--retention", required=True, metavar="保管期限", help="永久、定期30年 或 定期10年")
    add.add_argument("--category", default=None, metavar="类别代码")
    add.add_argument("--pages", type=int, default=1)
    add.add_argument("--doc-number", default="", metavar="文号")
    add.add_argument("--responsible", default="", metavar="责任者")
    add.add_argument("--remark", default="", metavar="备注")
    add.add_argument("--month", type=_month, metavar="YYYY-MM", help="按月归档的补贴材料所属月份")
    add.set_defaults(handler=cmd_add)

    listing = archive.add_parser("list", help="列出某年（某月）的归档文件")
    _add_db(listing)
    listing.add_argument("--village", required=True, metavar="NAME")
    listing.add_argument("--year", required=True, type=_year, metavar="YYYY")
    listing.add_argument("--month", type=_month_number, metavar="MM")
    listing.set_defaults(handler=cmd_list)

    void = archive.add_parser("void", help="作废一件归档文件（件号不再使用）")
    _add_db(void)
    void.add_argument("piece_id", type=int, metavar="ID")
    void.add_argument("--reason", required=True)
    void.set_defaults(handler=cmd_void)

    attach = archive.add_parser("attach", help="为一件归档文件附上照片或扫描件（JPG、PNG、PDF）")
    _add_db(attach)
    attach.add_argument("piece_id", type=int, metavar="ID")
    attach.add_argument("file", type=Path, metavar="FILE")
    attach.set_defaults(handler=cmd_attach)

    check = archive.add_parser("check", help="核对一件归档文件的照片、扫描件是否被改动")
    _add_db(check)
    check.add_argument("piece_id", type=int, metavar="ID")
    check.set_defaults(handler=cmd_check)

    index = archive.add_parser("index", help="打印归档文件目录（PDF 或 Excel）")
    _add_db(index)
    index.add_argument("--village", required=True, metavar="NAME")
    index.add_argument("--year", required=True, type=_year, metavar="YYYY")
    index.add_argument("--month", type=_month_number, metavar="MM")
    index.add_argument("--out", required=True, type=Path, metavar="FILE.pdf|FILE.xlsx")
    index.set_defaults(handler=cmd_index)

    labels = archive.add_parser("labels", help="装盒并打印档案盒封面、盒脊和备考表")
    _add_db(labels)
    labels.add_argument("--village", required=True, metavar="NAME")
    labels.add_argument("--year", required=True, type=_year, metavar="YYYY")
    labels.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    labels.add_argument("--organizer", default="", metavar="整理人")
    labels.add_argument("--checker", default="", metavar="检查人")
    labels.set_defaults(handler=cmd_labels)


def cmd_settings(args: argparse.Namespace) -> int:
    from app.services.archive import configure

    with _open(args) as database:
        configure(database, args.village, args.fonds, _actor(), args.doc_class, args.category, args.responsible)
    print(f"已设置{args.village}的归档参数：全宗号 {args.fonds}")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from app.services.archive import add_piece

    with _open(args) as database:
        piece = add_piece(database, args.village, _actor(), title=args.title, doc_date=args.date,
                          retention=args.retention, category=args.category, pages=args.pages,
                          responsible=args.responsible, doc_number=args.doc_number, remark=args.remark,
                          period=args.month)
    print(f"已归档（第 {piece.id} 号）：件号 {piece.number}{'，档号 ' + piece.code if piece.code else ''}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from app.services.archive import pieces

    with _open(args) as database:
        _, rows = pieces(database, args.village, args.year, args.month)
    for p in rows:
        box = f"第{p.box_number}盒" if p.box_number else "未装盒"
        print("\t".join([str(p.id), p.code or p.number, p.date, p.title, f"{p.pages}页", box,
                         f"留痕{p.evidence_count}份"]))
    print(f"共 {len(rows)} 件")
    return EXIT_OK


def cmd_void(args: argparse.Namespace) -> int:
    from app.services.archive import void_piece

    with _open(args) as database:
        void_piece(database, args.piece_id, args.reason, _actor())
    print(f"已作废第 {args.piece_id} 号归档文件，它的件号不会再用")
    return EXIT_OK


def cmd_attach(args: argparse.Namespace) -> int:
    from app.services.archive import attach_evidence

    with _open(args) as database:
        digest = attach_evidence(database, args.piece_id, args.file, _actor())
    print(f"已附上“{args.file.name}”（SHA-256 {digest[:16]}…）")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.archive import check_evidence

    with _open(args) as database:
        checks = check_evidence(database, args.piece_id)
    for item in checks:
        print(f"{item.state}\t{item.file_name}\t{item.sha256}")
    if not checks:
        print("这件归档文件没有附照片或扫描件")
    return EXIT_OK if all(item.state == "完好" for item in checks) else EXIT_REFUSED


def cmd_index(args: argparse.Namespace) -> int:
    from app.services.archive import index_rows

    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        print(f"错误：输出文件“{args.out.name}”应以 .pdf 或 .xlsx 结尾", file=sys.stderr)
        return EXIT_REFUSED
    with _open(args) as database:
        village, fonds, rows = index_rows(database, args.village, args.year, args.month)
    if suffix == ".pdf":
        from app.outputs.filing_index import render_index_pdf

        pages = render_index_pdf(village, fonds, args.year, args.month, rows, args.out)
        print(f"已生成归档文件目录：{args.out}（{len(rows)} 件，{pages} 页）")
    else:
        from app.outputs.filing_index import write_index_xlsx

        write_index_xlsx(village, fonds, args.year, args.month, rows, args.out)
        print(f"已导出归档文件目录：{args.out}（{len(rows)} 件）")
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    from app.outputs.box_labels import render_labels
    from app.services.archive import box_labels

    with _open(args) as database:
        labels = box_labels(database, args.village, args.year, _actor(), args.organizer, args.checker)
    pages = render_labels(labels, args.out)
    print(f"已生成 {len(labels)} 个档案盒的封面、盒脊和备考表：{args.out}（{pages} 页）")
    return EXIT_OK
