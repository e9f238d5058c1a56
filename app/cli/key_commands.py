"""`cunwu key …`: the database's data key (issue 17): recover it with the recovery code on another PC
or account, print the recovery code again."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.main import EXIT_OK, _actor, _add_db, _open, operations, say_recovery_code


def register(commands: argparse._SubParsersAction) -> None:
    key = operations(commands, "key", "数据密钥：在另一台电脑或账户上用恢复码打开，再次打印恢复码")
    recover = key.add_parser("recover", help="用恢复码为本账户取得这个数据库的密钥")
    _add_db(recover)
    recover.add_argument("--code", required=True, metavar="恢复码", help="建库时打印的恢复码（大小写、空格和短横线均可）")
    recover.set_defaults(handler=cmd_recover)

    recovery = key.add_parser("recovery", help="把恢复码再写一次到文件里，以便打印（记入操作日志）")
    _add_db(recovery)
    recovery.add_argument("--out", required=True, type=Path, metavar="FILE", help="写入恢复码的文本文件")
    recovery.set_defaults(handler=cmd_recovery)


def cmd_recover(args: argparse.Namespace) -> int:
    from app.services.data_key import recover_key
    from app.storage.engine import open_database

    with open_database(args.db, unlock=False) as database:
        recover_key(database, args.code, _actor())
    print("恢复码正确：本账户已取得这个数据库的密钥，现在可以正常打开了")
    return EXIT_OK


def cmd_recovery(args: argparse.Namespace) -> int:
    from app.core.disclosure import published
    from app.services.data_key import recovery_sheet, show_recovery_code

    with _open(args) as database:
        code = show_recovery_code(database, _actor())
        name = database.path.name if database.path else "服务器数据库"
    with published(code):
        args.out.write_text(recovery_sheet(code, name), encoding="utf-8")
    say_recovery_code(code)
    print(f"恢复码已写入：{args.out}")
    return EXIT_OK
