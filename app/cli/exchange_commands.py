"""`cunwu exchange …` (issue 16): packages between a village without a link and its township.

At the village: `key --village V --out FILE` (its public key for the township), `trust --township FILE`,
`export --village V --out FILE`, `import FILE` (the township's catalog and holidays).
At the township: `key --out FILE`, `trust --village V FILE`, `import FILE` (a village's records),
`export --for-village V --out FILE`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.main import EXIT_OK, EXIT_REFUSED, _actor, _add_db, _open, operations


def register(commands: argparse._SubParsersAction) -> None:
    exchange = operations(commands, "exchange", "数据包：没有联网的村与乡镇之间交换数据（签名并加密）")
    key = exchange.add_parser("key", help="导出本数据库的公钥文件（交给对方登记，并电话核对指纹）")
    _add_db(key)
    key.add_argument("--village", metavar="NAME", help="在村里导出时写本村村名；乡镇导出时不写")
    key.add_argument("--out", required=True, type=Path, metavar="FILE", help="写入公钥的文件")
    key.set_defaults(handler=cmd_key)

    trust = exchange.add_parser("trust", help="登记对方的公钥：乡镇登记村的（--village），村登记乡镇的（--township）")
    _add_db(trust)
    whose = trust.add_mutually_exclusive_group(required=True)
    whose.add_argument("--village", metavar="NAME", help="（乡镇）登记这个村的公钥")
    whose.add_argument("--township", action="store_true", help="（村）登记乡镇的公钥")
    trust.add_argument("--replace", action="store_true", help="更换已登记的公钥（请先电话核实，记入操作日志）")
    trust.add_argument("file", type=Path, metavar="FILE", help="对方导出的公钥文件")
    trust.set_defaults(handler=cmd_trust)

    export = exchange.add_parser("export", help="导出数据包：村导出本村记录（--village），乡镇导出目录和节假日（--for-village）")
    _add_db(export)
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--village", metavar="NAME", help="（村）导出这个村自上次导出以来的记录，交给乡镇")
    which.add_argument("--for-village", metavar="NAME", help="（乡镇）为这个村导出标准公开目录和节假日表")
    export.add_argument("--full", action="store_true", help="（村）导出全部记录，而不只是上次导出以来的")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="数据包文件（例如 桃源村-2026-10.cunwuz）")
    export.set_defaults(handler=cmd_export)

    load = exchange.add_parser("import", help="导入对方的数据包（检查签名，一次全部导入或全部不导入）")
    _add_db(load)
    load.add_argument("file", type=Path, metavar="FILE", help="数据包文件（.cunwuz）")
    load.set_defaults(handler=cmd_import)


def _read(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None after saying why not (a missing file, a folder, too large)."""
    try:
        if path.stat().st_size > limit:
            print(f"错误：文件“{path.name}”太大，不像村务公开助手的文件，没有导入", file=sys.stderr)
            return None
        return path.read_bytes()
    except OSError:
        print(f"错误：无法读取文件“{path}”（不存在或没有权限）", file=sys.stderr)
        return None


def cmd_key(args: argparse.Namespace) -> int:
    from app.outputs.atomic import write_bytes
    from app.services.exchange_keys import export_public_key

    with _open(args) as database:
        exported = export_public_key(database, args.village, _actor())
    write_bytes(args.out, exported.text.encode("utf-8"))
    print(f"已导出{exported.owner or '本数据库'}的公钥：{args.out}")
    print(f"公钥指纹：{exported.fingerprint}（对方登记后请电话核对这串字符）")
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    from app.core.exchange_package import KEY_FILE_MAX
    from app.services.exchange_keys import trust

    data = _read(args.file, KEY_FILE_MAX)
    if data is None:
        return EXIT_REFUSED
    with _open(args) as database:
        trusted = trust(database, data, args.file.name, None if args.township else args.village, args.replace, _actor())
    print(trusted.sentence(township=not args.village))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.outputs.atomic import write_bytes
    from app.services.exchange import export_for_village, export_village

    def write(data: bytes) -> None:
        write_bytes(args.out, data)

    with _open(args) as database:
        if args.village:
            result = export_village(database, args.village, write, _actor(), full=args.full)
        else:
            result = export_for_village(database, args.for_village, write, _actor())
    print(result.sentence(args.out))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from app.core.exchange_package import MAX_FILE
    from app.services.exchange import import_package

    data = _read(args.file, MAX_FILE)
    if data is None:
        return EXIT_REFUSED
    with _open(args) as database:
        result = import_package(database, data, args.file.name, _actor())
    print(result.summary)
    return EXIT_OK
