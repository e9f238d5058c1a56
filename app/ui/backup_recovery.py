"""The recovery code dialog (issue 17), for every path that makes a data key: a new database, an upgrade
that encrypts one, and a restored backup from before encryption (app.services.backups.RestoreResult)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.core.disclosure import published
from app.ui import messages

TITLE = "请打印并保管恢复码"
ADVICE = ("数据库中的身份证号、电话和账号已加密。请把恢复码打印或抄下来放进档案盒：换电脑或换账户时要用它"
          "（cunwu key recover --code 恢复码）；需要时可用 cunwu key recovery --out 文件 再次打印。")


def show_recovery_code(parent: QWidget | None, code: str) -> None:
    with published(code):  # printed on purpose: the gate lets it by
        messages.inform(parent, TITLE, f"恢复码：{code}", ADVICE)
