"""`cunwu user add|list|disable|passwd`: the people of the township's server (issue 16).

Run with the database owner's URL (`--db postgresql+psycopg://owner@server/db`): each person becomes
a login of the PostgreSQL server, and the database then enforces what their role may do
(app.services.users). A password is read twice without echo, or once from stdin (--password-stdin).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from app.cli.main import EXIT_OK, _actor, _add_db, _open, operations
from app.services.errors import ServiceError

_ROLES = {"township": "乡镇管理员", "clerk": "村文书", "supervisor": "村务监督委员会"}


def register(commands: argparse._SubParsersAction) -> None:
    user = operations(commands, "user", "人员和角色（乡镇服务器）：添加、列出、停用、改密码")
    add = user.add_parser("add", help="添加一个人：服务器上的登录账号和他的角色、负责的村")
    _add_db(add)
    add.add_argument("name", metavar="NAME", help="用户名（登录名）：字母、数字、下划线或汉字")
    add.add_argument("--role", required=True, choices=tuple(_ROLES),
                     help="角色：township 乡镇管理员，clerk 村文书，supervisor 村务监督委员会")
    add.add_argument("--village", action="append", default=[], metavar="村名", help="负责的村（可重复）")
    add.add_argument("--display", default="", metavar="显示名", help="操作日志里显示的姓名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读密码（一行）")
    add.set_defaults(handler=cmd_add)

    listing = user.add_parser("list", help="列出所有人员和角色")
    _add_db(listing)
    listing.set_defaults(handler=cmd_list)

    disable = user.add_parser("disable", help="停用一个人：以后不能再登录")
    _add_db(disable)
    disable.add_argument("name", metavar="NAME", help="用户名")
    disable.set_defaults(handler=cmd_disable)

    passwd = user.add_parser("passwd", help="设置一个人的密码")
    _add_db(passwd)
    passwd.add_argument("name", metavar="NAME", help="用户名")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读密码（一行）")
    passwd.set_defaults(handler=cmd_passwd)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输一遍：") != first:
        raise ServiceError("两次输入的密码不一样，没有设置")
    return first


def _refuse_on_one_pc(args: argparse.Namespace) -> None:
    """Before a password is asked for: the user commands are for the township's server only."""
    from app.services.users import ON_ONE_PC

    if not str(args.db or "").startswith("postgresql"):
        raise ServiceError(ON_ONE_PC)


def cmd_add(args: argparse.Namespace) -> int:
    from app.services.users import add_user

    _refuse_on_one_pc(args)
    password = _password(args)
    with _open(args) as database:
        person = add_user(database, args.name, args.role, args.village, password, _actor(), args.display)
    where = "、".join(person.villages) or "全部村"
    print(f"已添加用户 {person.actor}：{person.role.label}，负责 {where}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from app.services.users import list_users

    _refuse_on_one_pc(args)
    with _open(args) as database:
        people = list_users(database)
    for person in people:
        state = "（已停用）" if person.disabled else ""
        print(f"{person.login}  {person.display_name or '—'}  {person.role.label}  "
              f"{'、'.join(person.villages) or '全部村'}{state}")
    print(f"共 {len(people)} 人")
    return EXIT_OK


def cmd_disable(args: argparse.Namespace) -> int:
    from app.services.users import disable_user

    _refuse_on_one_pc(args)
    with _open(args) as database:
        person = disable_user(database, args.name, _actor())
    print(f"已停用用户 {person.actor}：他不能再登录")
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    from app.services.users import set_password

    _refuse_on_one_pc(args)
    password = _password(args)
    with _open(args) as database:
        set_password(database, args.name, password, _actor())
    print(f"已设置用户 {args.name.strip()} 的密码")
    return EXIT_OK
