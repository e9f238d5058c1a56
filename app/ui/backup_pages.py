"""Two backup actions of the 文件 menu that were the command line's alone (issue 17): 删除明文备份
(`cunwu backup forget-plaintext`) and 再次打印恢复码 (`cunwu key recovery --out FILE`).

Both on one office PC's own database, for whoever may restore backups; every database call and the
file written run off the GUI thread (app.ui.background), the services audit what was done.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.services import backups
from app.services.data_key import recovery_sheet, show_recovery_code
from app.ui import messages
from app.ui.backup_recovery import show_recovery_code as show_code
from app.ui.pages import PageContext

FORGET = "删除明文备份"
NONE_LEFT = "没有明文备份：这个数据库的备份都已加密。"
FORGET_DETAIL = ("这些备份中的身份证号、电话和账号没有加密。请先确认升级后的数据库一切正常：删除后这些备份不能再恢复"
                 "（文件会先被覆盖再删除）。")
RECOVERY = "再次打印恢复码"


def forget_plaintext(ctx: PageContext) -> None:
    """List what would go, confirm, delete; nothing to delete is said as such."""
    parent, db, actor = ctx.window, ctx.db, ctx.actor

    def listed(found: list[backups.BackupEntry]) -> None:
        if not found:
            messages.inform(parent, FORGET, NONE_LEFT)
            return
        names = [f"{entry.taken_at:%Y-%m-%d %H:%M}　{entry.kind}　{entry.name}" for entry in found]
        if not messages.confirm(parent, FORGET, f"删除下面 {len(found)} 个明文备份吗？\n" + "\n".join(names), "删除",
                                FORGET_DETAIL):
            return
        ctx.status("正在删除明文备份……", 0)
        ctx.runner.start(lambda task: backups.forget_plaintext(db, actor), on_success=deleted,
                         on_failure=failed)

    def deleted(names: list[str]) -> None:
        ctx.status(f"已删除 {len(names)} 个明文备份", 10000)
        messages.inform(parent, FORGET, f"已删除 {len(names)} 个明文备份。", "\n".join(names))

    def failed(error: BaseException) -> None:
        ctx.status("", 0)
        messages.failed(parent, "没有删除", "删除明文备份时出错", error)

    ctx.runner.start(lambda task: backups.plaintext_backups(db), on_success=listed,
                     on_failure=lambda error: messages.failed(parent, FORGET, "读取备份时出错", error))


def print_recovery_code(ctx: PageContext) -> None:
    """Ask where to write it, write it (audited by the service), then show it as at creation."""
    parent, db, actor = ctx.window, ctx.db, ctx.actor
    name = db.path.name if db.path else "服务器数据库"
    folder = db.path.parent if db.path else Path.home()
    chosen, _ = QFileDialog.getSaveFileName(parent, "保存恢复码", str(folder / f"{Path(name).stem}恢复码.txt"),
                                            "文本文件 (*.txt)")
    if not chosen:
        return
    target = Path(chosen)

    def write(task: object) -> str:
        code = show_recovery_code(db, actor)
        target.write_text(recovery_sheet(code, name), encoding="utf-8")
        return code

    def written(code: str) -> None:
        ctx.status(f"恢复码已写入：{target}", 10000)
        show_code(parent, code)

    def failed(error: BaseException) -> None:
        if isinstance(error, OSError):
            messages.warn(parent, "没有写入", f"文件“{target}”无法写入：可能正在打开，或没有权限写这个文件夹。")
        else:
            messages.failed(parent, RECOVERY, "读取恢复码时出错", error)

    ctx.runner.start(write, on_success=written, on_failure=failed)
