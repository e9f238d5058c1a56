"""Message boxes with Chinese buttons.

QMessageBox's standard buttons say "Yes"/"OK" unless Qt's translations are loaded; the clerk must
never see English, so every button here is labelled explicitly. Every text passes the disclosure
gate's sink: an error message must not show a personal number a library put into it.
"""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.core.disclosure import for_output

Icon = QMessageBox.Icon
Role = QMessageBox.ButtonRole


# A refusal said in place (under the fields it concerns, in the status bar): one red everywhere.
PROBLEM_STYLE = "color: #a40000;"


def problem_label() -> QLabel:
    """An empty label for such a sentence, wrapped so a long one never widens its dialog."""
    label = QLabel("")
    label.setStyleSheet(PROBLEM_STYLE)
    label.setWordWrap(True)
    return label


def _box(parent: QWidget | None, icon: Icon, title: str, text: str, detail: str = "") -> QMessageBox:
    # Not at import: the main window's frame is drawn before PySide builds its `Qt` namespace.
    from PySide6.QtCore import Qt

    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(for_output(title))
    box.setText(for_output(text))
    if detail:
        box.setInformativeText(for_output(detail))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


def confirm(parent: QWidget | None, title: str, text: str, accept: str, detail: str = "") -> bool:
    """True only when the clerk pressed the `accept` button; Esc and the close box mean no."""
    box = _box(parent, Icon.Question, title, text, detail)
    yes = box.addButton(accept, Role.AcceptRole)
    no = box.addButton("取消", Role.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def inform(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    _show(_box(parent, Icon.Information, title, text, detail))


def warn(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    _show(_box(parent, Icon.Warning, title, text, detail))


def refuse(parent: QWidget | None, title: str, text: str, problems: Sequence[str] = ()) -> None:
    """A refusal and its reasons, one per line (ServiceError.problems)."""
    lines = [line for line in problems if line != text]
    _show(_box(parent, Icon.Critical, title, text, "\n".join(lines)))


def _show(box: QMessageBox) -> None:
    box.setEscapeButton(box.addButton("确定", Role.AcceptRole))
    box.exec()


def error_text(error: BaseException) -> str:
    """A worker's or a call's exception as the clerk may read it: Chinese, no personal data."""
    from app.services.errors import clerk_message

    return clerk_message(error)


def failed(parent: QWidget | None, title: str, what: str, error: BaseException) -> None:
    """A failed action, told once: a refusal with its reasons, the PC's trouble in one sentence; the
    program's own bug shows nothing here, since the crash dialog (app.ui.crash) already says it."""
    from app.services.errors import ServiceError
    from app.ui import crash

    if isinstance(error, ServiceError):
        refuse(parent, title, error.message, error.problems)
    elif not crash.is_unexpected(error):
        warn(parent, title, f"{what}：{error_text(error)}")


def output_failed(parent: QWidget | None, error: BaseException, out: object,
                  on_missing: Callable[[BaseException], None]) -> None:
    """A sheet or poster that was not made: missing settings handed to `on_missing` (which offers to
    fill them in), a file that cannot be written named, anything else as `failed` says it."""
    from app.services.village_settings import SettingsMissing

    if isinstance(error, SettingsMissing):
        on_missing(error)
    elif isinstance(error, OSError):
        warn(parent, "没有生成", f"文件“{out}”无法写入：可能正在打开，或没有权限写这个文件夹。")
    else:
        failed(parent, "没有生成", "生成时出错", error)

