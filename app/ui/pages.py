"""Pages that register themselves: adding a page to the window does not edit `MainWindow`.

A page is a function that opens it, given the window's context, under one decorator that says where
it goes (menu, toolbar, shortcut) and when it can be used:

    @page("设置…", menu="文件", order=250, needs="database", tip="乡镇、各村的监督电话、联系人……")
    def open_settings(ctx: PageContext) -> QWidget | None:
        from app.ui.settings_dialog import open_settings as settings

        return settings(ctx.window, ctx.db, ctx.runner, village_id=ctx.village_id)

Who may open it (issue 16): `permission`, a Permission of app.core.roles the signed-in person's role
must have, else the page is hidden (not just disabled); `local_only` pages exist only on one office
PC's own database (SQLite), not on the township server; `server_only` pages only on the server.

The main window builds its menus, toolbar, shortcuts and enablement from `entries()` (its own ledger
actions — 录入, 修改, 删除… — are placed among them by the same `order`s). A page the opener returns is
kept while it is open as a window attribute (`keep_as`, by default `<name>_page`, e.g.
`window.notices_page`), and its action is `window.<name>_action`.

This module is imported by the window's frame before the first paint: it imports neither PySide's
`Qt` namespace nor a domain module; every opener imports what it needs when it runs. Every database
call an opener makes goes through `ctx.runner` (app.ui.background): never on the GUI thread.

Orders: within a menu, items sort by `order`, and a separator goes between hundreds (100–199, 200–299…);
the toolbar likewise by `toolbar`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from app.core.roles import Permission, SignedIn  # two small enums and a dataclass: cheap before the first paint

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.services.subsidies import SubsidyInfo
    from app.storage.engine import Database
    from app.ui.background import TaskRunner

Needs = Literal["database", "villages", "village", "month"]
NEEDS_HINTS = {
    "database": "请等数据库打开。",
    "villages": "还没有添加任何村：请点“村 → 添加村…”。",
    "village": "请先在上方选好村。",
    "month": "请先在上方选好村和月份。",
}
MENUS = ("文件", "台账", "村", "设置")  # the menu bar's order; a page naming another menu adds it at the end


@dataclass(frozen=True)
class PageContext:
    """What a page is opened with: the window's database, worker, acting person and selection."""

    window: QWidget  # the parent of the page's dialogs
    db: Database
    runner: TaskRunner  # the one worker mechanism: every database call goes through it
    actor: str
    signed_in: SignedIn  # who is working, in which role and on which villages
    village_id: int | None
    village_name: str
    month: dt.date | None
    villages: list[tuple[int, str]]
    subsidies: list[SubsidyInfo]
    refresh: Callable[[], None]  # reload the ledger and its selectors after a change
    show: Callable[[int, dt.date | None], None]  # show this village (and month) in the ledger
    status: Callable[[str, int], None]  # a sentence in the status bar for so many milliseconds


Opener = Callable[[PageContext], "QWidget | None"]


@dataclass(frozen=True)
class PageEntry:
    name: str
    title: str
    opener: Opener
    menu: str
    order: int
    tip: str
    toolbar: int | None  # place on the toolbar, None: menu only
    shortcut: str | None
    needs: Needs
    keep_as: str
    permission: Permission | None = None  # None: every role
    local_only: bool = False
    server_only: bool = False


_REGISTRY: dict[str, PageEntry] = {}


def page(title: str, *, menu: str = "村", order: int = 500, tip: str = "", toolbar: int | None = None,
         shortcut: str | None = None, needs: Needs = "village", name: str | None = None,
         keep_as: str | None = None, permission: Permission | None = Permission.READ,
         local_only: bool = False, server_only: bool = False) -> Callable[[Opener], Opener]:
    """Register `opener` as a page of the window (see the module's docstring). `name` defaults to the
    function's name without `open_`; registering a name again replaces the earlier page."""

    def register(opener: Opener) -> Opener:
        key = name or opener.__name__.removeprefix("open_")
        _REGISTRY[key] = PageEntry(key, title, opener, menu, order, tip, toolbar, shortcut, needs,
                                   keep_as or f"{key}_page", permission, local_only, server_only)
        return opener

    return register


def entries() -> list[PageEntry]:
    return sorted(_REGISTRY.values(), key=lambda e: (menu_rank(e.menu), e.order, e.name))


def entry(name: str) -> PageEntry:
    return _REGISTRY[name]


def menu_rank(menu: str) -> int:
    return MENUS.index(menu) if menu in MENUS else len(MENUS)


def allowed(entry: PageEntry, signed_in: SignedIn, on_server: bool) -> bool:
    """Whether the page exists at all for this person here (else its action is hidden)."""
    if (entry.local_only and on_server) or (entry.server_only and not on_server):
        return False
    return entry.permission is None or signed_in.may(entry.permission)


def usable(needs: Needs, has_db: bool, has_villages: bool, has_village: bool, has_month: bool) -> bool:
    return has_db and {"database": True, "villages": has_villages, "village": has_village,
                       "month": has_village and has_month}[needs]


# --- the pages -------------------------------------------------------------------------------------
@page("导入…", menu="文件", order=100, toolbar=100, shortcut="Ctrl+I", name="import", keep_as="import_wizard",
      permission=Permission.IMPORT, tip="导入县里下发的发放明细（Excel、CSV）")
def open_import(ctx: PageContext) -> QWidget | None:
    """The wizard; afterwards the ledger shows the village and month that were imported."""
    from app.ui.import_wizard import ImportContext, ImportWizard

    context = ImportContext(
        db=ctx.db, actor=ctx.actor, villages=[name for _, name in ctx.villages], village=ctx.village_name,
        subsidies=ctx.subsidies, month=ctx.month or dt.date.today().replace(day=1),
    )
    wizard = ImportWizard(context, ctx.runner, ctx.window)
    _show_imported_when_closed(ctx, wizard)
    wizard.open()
    return wizard


def _show_imported_when_closed(ctx: PageContext, dialog) -> None:  # noqa: ANN001 - ImportWizard, PasteDialog
    """The wizard and the paste dialog alike: once closed, what they imported is shown in the ledger."""
    def closed() -> None:
        result = dialog.imported()
        dialog.deleteLater()
        _show_imported(ctx, result)

    dialog.finished.connect(lambda *_: closed())


def _show_imported(ctx: PageContext, result) -> None:  # noqa: ANN001 - app.services.importing.ImportResult
    """After an import: say what was imported and show its village and month in the ledger."""
    if result is None:
        return
    ctx.status(f"{result.summary}（{result.file_name}）", 10000)
    if result.batch_id is None:
        ctx.refresh()
        return
    from app.services.ledger import batch_place

    batch, db = result.batch_id, ctx.db
    ctx.runner.start(lambda task: batch_place(db, batch),
                     on_success=lambda place: ctx.show(*place) if place else ctx.refresh(),
                     on_failure=lambda error: ctx.refresh(), lane="choices")


@page("从 Excel 粘贴…", menu="台账", order=105, shortcut="Ctrl+Shift+V", name="paste", keep_as="paste_dialog",
      permission=Permission.IMPORT, tip="把在 Excel、WPS 中复制的发放记录粘贴进台账（与导入一样逐行检查，有错一条都不写入）")
def open_paste(ctx: PageContext) -> QWidget | None:
    """Rows copied in Excel: columns confirmed, checked like an import, then imported."""
    from PySide6.QtGui import QGuiApplication

    from app.ui.paste_dialog import PasteDialog

    text = QGuiApplication.clipboard().text()
    dialog = PasteDialog(ctx.db, ctx.runner, ctx.actor, ctx.village_name, ctx.month,
                         [s.name for s in ctx.subsidies], text, ctx.window)
    _show_imported_when_closed(ctx, dialog)
    dialog.open()
    return dialog


@page("公开表…", menu="文件", order=110, toolbar=300, shortcut="Ctrl+P", needs="month", keep_as="bulletin_preview",
      permission=Permission.PRINT, tip="预览、打印本月的惠民惠农补贴资金发放公开表，登记张贴")
def open_bulletin(ctx: PageContext) -> QWidget | None:
    """The month's sheet for the wall board: preview, print, save, register the posting."""
    from app.ui.bulletin_preview import BulletinPreviewDialog

    dialog = BulletinPreviewDialog(ctx.db, ctx.village_name, ctx.month, ctx.actor, ctx.window, runner=ctx.runner)
    dialog.post_button.setVisible(ctx.signed_in.may(Permission.POST))  # a supervisor prints, never registers
    dialog.finished.connect(lambda *_: ctx.refresh())  # a registered posting locks the month: the rows say so
    dialog.open()
    dialog.refresh()  # the clerk came for the sheet: show it without another click
    return dialog


@page("恢复备份…", menu="文件", order=200, needs="database", name="restore", local_only=True,
      permission=Permission.USERS, tip="用一份备份替换现在的数据库（替换前先把现在的数据库备份一份）")
def open_restore(ctx: PageContext) -> QWidget | None:
    """Pick a backup, confirm, restore off the GUI thread; the service checks the backup first and keeps
    a copy of the database as it was (so a restore can itself be undone)."""
    from app.services import backups
    from app.ui import messages, table_helpers

    parent, db, actor = ctx.window, ctx.db, ctx.actor

    def chosen(found: list[backups.BackupEntry]) -> None:
        if not found:
            messages.inform(parent, "恢复备份", "这个数据库还没有任何备份。")
            return
        labels = [f"{e.taken_at:%Y-%m-%d %H:%M}　{e.kind}　{e.size}" for e in found]
        picked = table_helpers.ask_choice(parent, "恢复备份", "选择要恢复的备份：", "下一步", labels)
        if picked is None or picked not in labels:
            return
        path = found[labels.index(picked)].path
        if not messages.confirm(
            parent, "恢复备份", f"用 {picked} 的备份替换现在的数据库吗？", "恢复",
            "之后录入的数据会被替换掉；替换前，现在的数据库会先另存一份备份，需要时可以再恢复回来。",
        ):
            return
        ctx.status("正在恢复备份……", 0)
        ctx.runner.start(lambda task: backups.restore(db, path, actor), on_success=restored,
                         on_failure=lambda error: messages.failed(parent, "没有恢复", "恢复时出错", error))

    def restored(result: backups.RestoreResult) -> None:
        ctx.status("", 0)
        messages.inform(parent, "恢复备份", f"已恢复备份：{result.restored_from.name}",
                        f"恢复前的数据库已另存为：{result.safety_copy.name}")
        if result.recovery_code:  # a backup from before encryption was encrypted under a new key (issue 17)
            from app.ui.backup_recovery import show_recovery_code

            show_recovery_code(parent, result.recovery_code)
        ctx.refresh()

    ctx.runner.start(lambda task: backups.list_backups(db), on_success=chosen,
                     on_failure=lambda error: messages.failed(parent, "恢复备份", "读取备份时出错", error))
    return None


@page("切换数据库…", menu="文件", order=210, needs="database", name="switch_database", permission=None,
      tip="改用本机数据库，或用用户名和密码登录乡镇服务器（窗口会重新打开）")
def open_switch_database(ctx: PageContext) -> QWidget | None:
    """Closes the window; app.ui.launch opens it again with the sign-in dialog (本机 or 乡镇服务器)."""
    ctx.window.switch_requested = True  # type: ignore[attr-defined]
    ctx.window.close()
    return None


@page("添加村…", menu="村", order=100, needs="database", name="add_village", permission=Permission.VILLAGES,
      tip="添加一个行政村")
def open_add_village(ctx: PageContext) -> QWidget | None:
    from app.ui import messages, table_helpers

    name = table_helpers.ask_text(ctx.window, "添加村", "村名（如 桃源村）：", "添加")
    if not name or not name.strip():
        return None
    from app.services.villages import add_village

    db, actor, parent = ctx.db, ctx.actor, ctx.window

    def added(village) -> None:
        ctx.status(f"已添加村：{village.name}", 5000)
        ctx.show(village.id, None)

    ctx.runner.start(lambda task: add_village(db, name, actor), on_success=added,
                     on_failure=lambda error: messages.failed(parent, "没有添加", "添加时出错", error))
    return None


@page("归档…", menu="村", order=200, permission=Permission.ARCHIVE,
      tip="本村的归档文件：登记、附照片、打印归档文件目录和档案盒签")
def open_archive(ctx: PageContext) -> QWidget | None:
    from app.ui.archive_page import ArchivePage

    dialog = ArchivePage(ctx.db, ctx.village_name, ctx.actor, ctx.window)
    dialog.open()
    return dialog


def hide_unless(signed_in: SignedIn, needs: dict[QWidget, tuple[Permission, ...]]) -> None:
    """A page's buttons the role may use none of the permissions for are hidden, not just disabled, as
    the window's own actions are (MainWindow._apply_role); the database refuses them anyway."""
    for button, permissions in needs.items():
        if not any(signed_in.may(permission) for permission in permissions):
            button.setVisible(False)


@page("公示…", menu="村", order=210, tip="本村的公示：起草、审核签署、张贴、异议、近亲属备案、打印")
def open_notices(ctx: PageContext) -> QWidget | None:
    from app.ui.notices_page import NoticesPage

    dialog = NoticesPage(ctx.db, ctx.village_name, ctx.actor, ctx.window)
    drafting = (dialog.new_button, dialog.payouts_button, dialog.type_rows_button, dialog.remove_row_button,
                dialog.post_button, dialog.return_button, dialog.objection_button, dialog.handle_button,
                dialog.relative_button)
    hide_unless(ctx.signed_in, {**dict.fromkeys(drafting, (Permission.NOTICES,)),
                                dialog.advance_button: (Permission.NOTICES, Permission.REVIEW),
                                dialog.print_button: (Permission.PRINT,)})
    dialog.open()
    return dialog


@page("应公开事项…", menu="村", order=220, needs="villages",
      tip="本村或全乡镇各村本月、本季度应公开的事项：按时、逾期、未公开")
def open_due(ctx: PageContext) -> QWidget | None:
    """The selected village, or the township view when none is selected."""
    from app.ui.due_page import DuePage

    village = ctx.village_name if ctx.village_id is not None else None
    dialog = DuePage(ctx.db, village, ctx.actor, ctx.window, month=ctx.month,
                     township=ctx.signed_in.villages is None)
    dialog.open()
    return dialog


@page("切换操作人…", menu="设置", order=200, needs="database", name="actor", local_only=True,
      tip="操作日志记下的姓名：在这台电脑上记住，换人时在这里改")
def open_actor(ctx: PageContext) -> QWidget | None:
    from app.ui import actor

    chosen = actor.ask(ctx.window)
    if chosen:
        ctx.window.set_actor(chosen)  # type: ignore[attr-defined]
        ctx.status(f"操作人：{chosen}", 5000)
    return None


def _module_exists(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def open_settings(ctx: PageContext) -> QWidget | None:
    """设置 (app.ui.settings_dialog): the township and every village's details, at the selected village."""
    from app.ui.settings_dialog import open_settings as settings

    return settings(ctx.window, ctx.db, ctx.runner, village_id=ctx.village_id, actor=ctx.actor)


page("设置…", menu="设置", order=100, needs="database", name="settings", permission=Permission.VILLAGES,
     tip="乡镇名称和代码；各村的监督电话、咨询电话、联系人、公开栏位置、公开时间和全宗号")(open_settings)


@page("公开目录…", menu="村", order=205, needs="database",
      tip="村务公开事项目录：乡镇标准目录的修改和推送，各村目录和本村自有事项，打印目录海报")
def open_catalog(ctx: PageContext) -> QWidget | None:
    """The selected village's catalog, or the township's standard set when no village is selected."""
    from app.ui.catalog_page import CatalogPage

    village = ctx.village_name if ctx.village_id is not None else None
    dialog = CatalogPage(ctx.db, ctx.actor, [name for _, name in ctx.villages], village, ctx.window, ctx.signed_in)
    dialog.open()
    return dialog


@page("节假日…", menu="设置", order=110, needs="database", permission=Permission.CATALOG,
      tip="各年的法定节假日和调休上班日期：日历数据不含的年份在这里录入或粘贴")
def open_holidays(ctx: PageContext) -> QWidget | None:
    from app.ui.holidays_page import HolidaysPage

    dialog = HolidaysPage(ctx.db, ctx.actor, ctx.window)
    dialog.open()
    return dialog


@page("操作日志…", menu="设置", order=300, needs="database", name="audit", permission=Permission.AUDIT,
      tip="谁在什么时候改了什么（可按村、操作人、日期筛选）；校验操作日志是否被改动过")
def open_audit(ctx: PageContext) -> QWidget | None:
    """For township staff: the operation log of every village, and its hash-chain check (校验)."""
    from app.ui.audit_page import AuditPage

    dialog = AuditPage(ctx.db, [name for _, name in ctx.villages], ctx.window)
    dialog.open()
    return dialog


# --- the offline exchange (issue 16): app/ui/exchange_page.py -------------------------------------------
@page("数据包交换…", menu="文件", order=150, needs="database", name="exchange", permission=Permission.EXCHANGE,
      tip="没有联网的村与乡镇之间用U盘交换数据包：导出、登记公钥，导出、导入数据包（签名并加密）")
def open_exchange(ctx: PageContext) -> QWidget | None:
    """As `cunwu exchange`; afterwards the ledger is reread (an imported package may have added records)."""
    from app.ui.exchange_page import ExchangePage

    village = ctx.village_name if ctx.village_id is not None else None
    dialog = ExchangePage(ctx.db, ctx.actor, [name for _, name in ctx.villages], ctx.window, village=village)
    dialog.finished.connect(lambda *_: ctx.refresh())
    dialog.open()
    return dialog



# --- people and roles on the township server (issue 16): app/ui/users_page.py ---------------------------
@page("人员和权限…", menu="设置", order=210, needs="database", name="users", permission=Permission.USERS,
      server_only=True, tip="乡镇服务器上的人员：添加村文书、村务监督委员会和乡镇管理员，停用，设置密码")
def open_users(ctx: PageContext) -> QWidget | None:
    from app.ui.users_page import UsersPage

    dialog = UsersPage(ctx.db, ctx.actor, [name for _, name in ctx.villages], ctx.window)
    dialog.open()
    return dialog


@page("删除明文备份…", menu="文件", order=201, needs="database", name="forget_plaintext", local_only=True,
      permission=Permission.USERS, tip="升级确认无误后，删除身份证号等没有加密的旧备份")
def open_forget_plaintext(ctx: PageContext) -> QWidget | None:
    from app.ui.backup_pages import forget_plaintext

    forget_plaintext(ctx)
    return None


@page("再次打印恢复码…", menu="文件", order=202, needs="database", name="recovery_code", local_only=True,
      permission=Permission.USERS, tip="把数据密钥的恢复码写到文件里以便打印（记入操作日志）")
def open_recovery_code(ctx: PageContext) -> QWidget | None:
    from app.ui.backup_pages import print_recovery_code

    print_recovery_code(ctx)
    return None
