"""Who is working: a name the clerk chooses, remembered on this PC, written into the operation log.

The OS login of a village office PC is "Administrator" or a shared account: the log must say 王文书.
Asked once (at the first start on a PC, or when the clerk picks 切换操作人); the last few names stay
in the list, so a PC two clerks share needs one click.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.core.disclosure import for_output
from app.ui import messages
from app.ui.pc_settings import settings

_KEY_CURRENT, _KEY_RECENT = "actor/current", "actor/recent"
_RECENT_KEPT = 8
NAME_MAX = 20  # audit_log.actor holds 60; a person's name with a title fits in 20


def remembered() -> str:
    value = settings().value(_KEY_CURRENT, "")
    return str(value or "").strip()


def _recent() -> list[str]:
    value = settings().value(_KEY_RECENT, [])
    names = [value] if isinstance(value, str) else list(value or [])
    return [str(name) for name in names if str(name).strip()]


def remember(name: str) -> None:
    store = settings()
    store.setValue(_KEY_CURRENT, name)
    store.setValue(_KEY_RECENT, ([name] + [n for n in _recent() if n != name])[:_RECENT_KEPT])
    store.sync()


def check_name(text: str) -> str | None:
    """The refusal in Chinese, or None when the name will do."""
    name = "".join(text.split())
    if not name:
        return "请填写您的姓名（会记入操作日志）"
    if len(name) > NAME_MAX:
        return f"姓名太长（最多 {NAME_MAX} 个字）"
    if any(not ch.isprintable() for ch in name):
        return "姓名里有不能显示的字符"
    return None


class ActorDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("操作人")
        self.names = QComboBox()
        self.names.setEditable(True)
        self.names.addItems(_recent())
        self.names.setEditText(remembered())
        self.names.lineEdit().setPlaceholderText("例如：王文书")
        self.problem = messages.problem_label()
        buttons = QDialogButtonBox()
        buttons.addButton("确定", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("请选择或填写您的姓名。修改台账、登记张贴、更正时，操作日志记下的是这个名字。"))
        layout.addWidget(self.names)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.chosen = ""

    def _accept(self) -> None:
        text = self.names.currentText()
        problem = check_name(text)
        if problem:
            self.problem.setText(for_output(problem))
            return
        self.chosen = "".join(text.split())
        remember(self.chosen)
        self.accept()


def ask(parent: QWidget | None = None) -> str | None:
    """The name chosen now, or None when the clerk cancelled."""
    dialog = ActorDialog(parent)
    return dialog.chosen if dialog.exec() else None


def current_or_ask(parent: QWidget | None = None) -> str | None:
    """The name remembered on this PC; asked for when there is none yet."""
    return remembered() or ask(parent)
