"""`cunwu backup …`: list the database's backups, take one now, restore one, delete the plain-text ones."""

from __future__ import annotations

import argparse

from app.cli.main import EXIT_OK, _actor, _add_db, _open, operations, say_recovery_code


def register(commands: argparse._SubParsersAction) -> None:
    backup = operations(commands, "backup", "备份：列出、立即备份、从备份恢复")
    listing = backup.add_parser("list", help="列出这个数据库的全部备份（最新的在前）")
    _add_db(listing)
    listing.set_defaults(handler=cmd_list)

    create = backup.add_parser("create", help="立即备份一次（手动备份不会被自动清理）")
    _add_db(create)
    create.set_defaults(handler=cmd_create)

    restore = backup.add_parser("restore", help="从备份恢复：先检查备份，并先把当前数据库备份一份")
    _add_db(restore)
    restore.add_argument("file", metavar="FILE",
                         help="备份文件（路径，或 cunwu backup list 列出的文件名；加密的备份用本账户的密钥打开）")
    restore.set_defaults(handler=cmd_restore)

    forget = backup.add_parser("forget-plaintext",
                               help="升级确认无误后，删除身份证号等是明文（未加密）的备份（升级前的备份和更早的备份）")
    _add_db(forget)
    forget.set_defaults(handler=cmd_forget_plaintext)


def cmd_list(args: argparse.Namespace) -> int:
    from app.services.backups import list_backups

    with _open(args) as database:
        entries = list_backups(database)
    if not entries:
        print("这个数据库还没有备份")
    for entry in entries:
        print(f"{entry.taken_at:%Y-%m-%d %H:%M:%S}\t{entry.kind}\t{entry.size}\t{entry.name}")
    return EXIT_OK


def cmd_create(args: argparse.Namespace) -> int:
    from app.services.backups import back_up_now

    with _open(args) as database:
        path = back_up_now(database)
    print(f"已备份并检查完好：{path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.backups import restore

    with _open(args) as database:
        result = restore(database, args.file, _actor())
    print(f"已从备份“{result.restored_from.name}”恢复数据库；恢复前的数据库已备份到：{result.safety_copy}")
    if result.recovery_code:  # a backup from before encryption: encrypted now, under a new key
        say_recovery_code(result.recovery_code)
    return EXIT_OK


def cmd_forget_plaintext(args: argparse.Namespace) -> int:
    from app.services.backups import forget_plaintext

    with _open(args) as database:
        deleted = forget_plaintext(database, _actor())
    if not deleted:
        print("没有明文备份：这个数据库的备份都已加密")
    for name in deleted:
        print(f"已删除明文备份：{name}")
    return EXIT_OK
