"""`cunwu township set|show` and `cunwu village set|show`: the settings every public sheet needs.

A sheet, poster or notice whose village lacks them (监督电话 first of all) is refused with the list
of what to fill (app.services.village_settings); these commands fill them in.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.main import EXIT_OK, EXIT_USAGE, _actor, _add_db, _open, _read, operations

if TYPE_CHECKING:
    from app.services.village_settings import VillageSettings

_ORDERS = {"拼音": "pinyin", "县里顺序": "file"}


def _order(text: str) -> str:
    try:
        return _ORDERS[text.strip()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"名单顺序“{text}”不对，应为“拼音”或“县里顺序”") from None


def register(commands: argparse._SubParsersAction) -> None:
    township = operations(commands, "township", "乡镇：名称和代码（印在每张公开表上）")
    t_set = township.add_parser("set", help="填写或修改乡镇名称、乡镇代码")
    _add_db(t_set)
    t_set.add_argument("--name", metavar="NAME", help="乡镇名称，如 桃花乡")
    t_set.add_argument("--code", metavar="代码", help="乡镇代码：9 位统计用区划代码")
    t_set.set_defaults(handler=cmd_township_set)
    t_show = township.add_parser("show", help="显示乡镇名称和代码")
    _add_db(t_show)
    t_show.set_defaults(handler=cmd_township_show)

    village = operations(commands, "village", "村：添加、列出、设置")
    v_set = village.add_parser("set", help="填写或修改村的设置（监督电话、联系人、公开栏位置等）")
    _add_db(v_set)
    v_set.add_argument("village", metavar="NAME", help="村名")
    v_set.add_argument("--name", metavar="NEW", help="改成新的村名")
    v_set.add_argument("--code", metavar="代码", help="村代码：12 位统计用区划代码")
    v_set.add_argument("--phone", metavar="电话", help="监督电话（每张公开表都要印）")
    v_set.add_argument("--consult-phone", metavar="电话", help="咨询电话")
    v_set.add_argument("--contact", metavar="NAME", help="联系人（查询指南中的接待人）")
    v_set.add_argument("--place", metavar="地点", help="公开栏位置")
    v_set.add_argument("--hours", metavar="时间", help="公开时间（可以查询的时间）")
    v_set.add_argument("--order", type=_order, metavar="拼音|县里顺序", help="公开表上同一组内的名单顺序")
    v_set.set_defaults(handler=cmd_village_set)
    v_list = village.add_parser("list", help="列出所有村（及其公开表还缺的设置）")
    _add_db(v_list)
    v_list.set_defaults(handler=cmd_village_list)
    v_show = village.add_parser("show", help="显示村的设置")
    _add_db(v_show)
    v_show.add_argument("village", metavar="NAME", help="村名")
    v_show.set_defaults(handler=cmd_village_show)


def _nothing_to_change(args: argparse.Namespace, names: tuple[str, ...], example: str) -> bool:
    if all(getattr(args, name) is None for name in names):
        print(f"命令用法有误：没有要修改的内容，请至少给出一项，如 {example}", file=sys.stderr)
        return True
    return False


def cmd_township_set(args: argparse.Namespace) -> int:
    from app.services.village_settings import update_township

    if _nothing_to_change(args, ("name", "code"), "--name 桃花乡"):
        return EXIT_USAGE
    with _open(args) as database:
        township = update_township(database, _actor(), name=args.name, code=args.code)
    print(f"已保存乡镇：{township.name or '（名称未填写）'}" + (f"（代码 {township.code}）" if township.code else ""))
    for warning in township.warnings:
        print(f"提示：{warning}")
    return EXIT_OK


def cmd_township_show(args: argparse.Namespace) -> int:
    from app.services.village_settings import township_settings

    with _open(args) as database:
        township = township_settings(database)
    print(f"乡镇名称：{township.name or '（未填写）'}")
    print(f"乡镇代码：{township.code or '（未填写）'}")
    if not township.name:
        print("用 cunwu township set --name 乡镇名称 填写；未填写时不能打印公开表")
    return EXIT_OK


def _show_village(settings: VillageSettings) -> None:
    from app.core.disclosure import published

    lines = [
        ("村名", settings.name), ("村代码", settings.code), ("监督电话", settings.supervision_phone),
        ("咨询电话", settings.consult_phone), ("联系人", settings.contact_person), ("公开栏位置", settings.board_place),
        ("公开时间", settings.board_hours), ("名单顺序", settings.sheet_order_label), ("全宗号", settings.fonds),
    ]
    # The phones are printed as set: they are the village's published numbers, not a person's.
    with published(settings.supervision_phone, settings.consult_phone):
        for label, value in lines:
            print(f"{label}：{value or '（未填写）'}")


def cmd_village_set(args: argparse.Namespace) -> int:
    from app.services.village_settings import BULLETIN, FIELD_LABELS, POSTER, missing_for_print, update_village, village_id_of

    fields = ("name", "code", "phone", "consult_phone", "contact", "place", "hours", "order")
    if _nothing_to_change(args, fields, "--phone 监督电话"):
        return EXIT_USAGE
    with _open(args) as database:
        village_id = village_id_of(database, args.village)
        settings = update_village(
            database, village_id, _actor(), name=args.name, code=args.code, supervision_phone=args.phone,
            consult_phone=args.consult_phone, contact_person=args.contact, board_place=args.place,
            board_hours=args.hours, sheet_order=args.order,
        )
        missing = {key for output in (BULLETIN, POSTER) for key, _ in missing_for_print(database, village_id, output)}
    print(f"已保存{settings.name}的设置：")
    _show_village(settings)
    if missing:
        ordered = [label for key, label in FIELD_LABELS.items() if key in missing]
        print(f"提示：还没有填写{'、'.join(ordered)}，打印公开表或公开事项目录前需要填写")
    return EXIT_OK


def cmd_village_show(args: argparse.Namespace) -> int:
    from app.services.village_settings import village_id_of, village_settings

    with _open(args) as database:
        settings = village_settings(database, village_id_of(database, args.village))
    _show_village(settings)
    return EXIT_OK


def cmd_village_list(args: argparse.Namespace) -> int:
    """Each village with its code, its counts and what its sheets still need. The code stands in
    brackets: a 12-digit code next to a count would look like an account number to the gate."""
    from app.core.sheet_settings import BULLETIN, FIELD_LABELS, POSTER
    from app.services.listings import list_villages, settings_missing

    villages, missing = _read(args, lambda db: (list_villages(db), settings_missing(db, (BULLETIN, POSTER))))
    if not villages:
        print("还没有任何村。用 cunwu village add 村名 添加。")
    for village in villages:
        code = f"（代码 {village.code}）" if village.code else ""
        todo = [label for key, label in FIELD_LABELS.items() if key in missing[village.id]]
        print(f"{village.name}{code}\t{village.people} 人\t{village.payouts} 条发放记录"
              + (f"\t待填写：{'、'.join(todo)}" if todo else ""))
    return EXIT_OK
