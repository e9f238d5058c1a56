"""“人员和权限” (issue 16): the people of the township's server, as `cunwu user …` manages them.

Only the database's owner sees this page (Permission.USERS), and only on the server: on one office PC
there are no people, the services refuse with their sentence anyway (app.services.users). A person is
added with their role and villages and a password typed twice; the password lives in the fields until
the service has it, then the fields are cleared: it is never stored nor shown. Every call runs off the
GUI thread (app.ui.background).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.roles import Role
from app.services.users import PASSWORD_MIN, PERSON_ROLES, UserInfo, add_user, disable_user, list_users, set_password
from app.storage.engine import Database
from app.ui import messages
from app.ui.background import TaskRunner
from app.ui.table_helpers import fill_rows, fit_to_screen, read_only_table, selected_index

HEADERS = ("用户名", "姓名", "角色", "负责的村", "状态")
DISABLE_DETAIL = "停用后此人不能再登录，操作日志中的记录保留"
NOT_SAME = "两次输入的密码不一样，请重新输入"


def person_row(person: UserInfo) -> tuple[str, str, str, str, str]:
    return (person.login, person.display_name or "—", person.role.label, "、".join(person.villages) or "全部村",
            "已停用" if person.disabled else "启用")


class PasswordPair:
    """A password typed twice into masked fields; `take()` hands it over once and clears both."""

    def __init__(self, form: QFormLayout, label: str = "密码：") -> None:
        self.first, self.second = QLineEdit(), QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText(f"至少 {PASSWORD_MIN} 个字符")
        form.addRow(label, self.first)
        form.addRow("再输一遍：", self.second)

    def take(self) -> str | None:
        """The password, or None when the two differ (both cleared either way)."""
        first, second = self.first.text(), self.second.text()
        self.first.clear()
        self.second.clear()
        return first if first == second else None


class _Form(QDialog):
    """A small form whose 保存 hands its values to `submit` (which runs the service in the page's worker)
    and stays open with the service's sentence under the fields when it refuses."""

    def __init__(self, title: str, accept: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.problem = messages.problem_label()
        self.save_button = QPushButton(accept)
        self.save_button.setDefault(True)
        cancel = QPushButton("取消")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.problem)
        self.layout_.addLayout(buttons)
        cancel.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.setMinimumWidth(460)  # room for the fields' hints and a long refusal

    def save(self) -> None:
        raise NotImplementedError

    def refused(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.problem.setText(messages.error_text(error))

    def working(self, sentence: str) -> None:
        self.save_button.setEnabled(False)
        self.problem.setText(sentence)


class PersonDialog(_Form):
    """添加人员: login, display name, role, villages (clerk and supervisor only), password twice."""

    def __init__(self, villages: list[str], submit: Callable[[PersonDialog, str, Role, list[str], str, str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("添加人员", "添加", parent)
        self.submit = submit
        self.login = QLineEdit()
        self.login.setPlaceholderText("登录服务器用：字母、数字、下划线或汉字，不以数字开头")
        self.display = QLineEdit()
        self.display.setPlaceholderText("操作日志里显示的姓名，如 王文书")
        self.role = QComboBox()
        for role in PERSON_ROLES:
            self.role.addItem(role.label, role)
        self.role.setCurrentIndex(self.role.findData(Role.CLERK))  # most people added are a village's clerk
        self.villages = QListWidget()
        for name in villages:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.villages.addItem(item)
        self.villages.setMaximumHeight(160)
        self.villages_label = QLabel("负责的村：")
        self.form.addRow("用户名：", self.login)
        self.form.addRow("姓名：", self.display)
        self.form.addRow("角色：", self.role)
        self.form.addRow(self.villages_label, self.villages)
        self.password = PasswordPair(self.form)
        self.role.currentIndexChanged.connect(lambda *_: self._show_villages())
        self._show_villages()

    def chosen_role(self) -> Role:
        return Role(self.role.currentData())  # Qt hands a str enum's value back as a plain str

    def _show_villages(self) -> None:
        """The township's administrator has every village: nothing to choose."""
        shown = self.chosen_role() is not Role.TOWNSHIP
        self.villages.setVisible(shown)
        self.villages_label.setVisible(shown)

    def checked_villages(self) -> list[str]:
        if self.chosen_role() is Role.TOWNSHIP:
            return []
        items = (self.villages.item(row) for row in range(self.villages.count()))
        return [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        password = self.password.take()
        if password is None:
            self.problem.setText(NOT_SAME)
            return
        self.working("正在添加……")
        self.submit(self, self.login.text(), self.chosen_role(), self.checked_villages(), self.display.text(), password)


class PasswordDialog(_Form):
    """设置密码 for one person: typed twice."""

    def __init__(self, person: UserInfo, submit: Callable[[PasswordDialog, str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("设置密码", "设置", parent)
        self.submit = submit
        self.form.addRow("用户：", QLabel(person.actor))
        self.password = PasswordPair(self.form, "新密码：")

    def save(self) -> None:
        password = self.password.take()
        if password is None:
            self.problem.setText(NOT_SAME)
            return
        self.working("正在设置……")
        self.submit(self, password)


class UsersPage(QDialog):
    def __init__(self, db: Database, actor: str, villages: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.village_names = db, actor, villages
        self.runner = TaskRunner(self)
        self.people: list[UserInfo] = []
        self.form: _Form | None = None  # the open 添加人员 or 设置密码 form
        self.setWindowTitle("人员和权限")

        note = QLabel("乡镇服务器上的人员：每人用自己的用户名和密码登录，只能看到和修改其角色、负责的村允许的内容。"
                      "村文书和村务监督委员会要指定负责的村；乡镇管理员管理全部村。")
        note.setWordWrap(True)
        self.table = read_only_table(HEADERS, stretch=3)
        self.add_button = QPushButton("添加人员…")
        self.disable_button = QPushButton("停用…")
        self.password_button = QPushButton("设置密码…")
        close = QPushButton("关闭")
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.disable_button, self.password_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.add_button.clicked.connect(self.add_person)
        self.disable_button.clicked.connect(self.disable_person)
        self.password_button.clicked.connect(self.change_password)
        close.clicked.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        fit_to_screen(self, 820, 480)
        self._update_buttons()
        self.reload()

    # --- the list --------------------------------------------------------------------------------
    def reload(self, status: str = "", select: str | None = None) -> None:
        db = self.db
        self.status.setText("正在读取……")
        self.runner.start(lambda task: list_users(db), on_success=lambda people: self._arrived(people, status, select),
                          on_failure=self._read_failed, lane="read")

    def _read_failed(self, error: BaseException) -> None:
        self.status.setText(messages.error_text(error))
        self.add_button.setEnabled(False)  # on one office PC, or not the owner: the sentence says why

    def _arrived(self, people: list[UserInfo], status: str, select: str | None) -> None:
        self.people = people
        fill_rows(self.table, [person_row(p) for p in people], ["#EEEEEE" if p.disabled else None for p in people])
        logins = [p.login for p in people]
        if select in logins:
            self.table.selectRow(logins.index(select))
        self.status.setText(status or f"共 {len(people)} 人")
        self._update_buttons()

    def selected(self) -> UserInfo | None:
        index = selected_index(self.table)
        return self.people[index] if index is not None and index < len(self.people) else None

    def _update_buttons(self) -> None:
        person = self.selected()
        self.disable_button.setEnabled(person is not None and not person.disabled)
        self.password_button.setEnabled(person is not None)

    # --- actions ---------------------------------------------------------------------------------
    def _open_form(self, form: _Form) -> None:
        self.form = form
        form.finished.connect(lambda *_: self._form_closed(form))
        form.open()

    def _form_closed(self, form: _Form) -> None:
        if self.form is form:
            self.form = None
        form.deleteLater()

    def add_person(self) -> PersonDialog:
        db, actor = self.db, self.actor

        def submit(form: PersonDialog, login: str, role: Role, villages: list[str], display: str, password: str) -> None:
            def added(person: UserInfo) -> None:
                form.accept()
                self.reload(f"已添加：{person.actor}，{person.role.label}", select=person.login)

            self.runner.start(lambda task: add_user(db, login, role, villages, password, actor, display),
                              on_success=added, on_failure=form.refused, lane="write")

        dialog = PersonDialog(self.village_names, submit, self)
        self._open_form(dialog)
        return dialog

    def change_password(self) -> PasswordDialog | None:
        person = self.selected()
        if person is None:
            return None
        db, actor, login = self.db, self.actor, person.login

        def submit(form: PasswordDialog, password: str) -> None:
            def done(_: object) -> None:
                form.accept()
                self.reload(f"已设置 {person.actor} 的密码", select=login)

            self.runner.start(lambda task: set_password(db, login, password, actor),
                              on_success=done, on_failure=form.refused, lane="write")

        dialog = PasswordDialog(person, submit, self)
        self._open_form(dialog)
        return dialog

    def disable_person(self) -> None:
        person = self.selected()
        if person is None or person.disabled:
            return
        if not messages.confirm(self, "停用人员", f"停用 {person.actor}（{person.role.label}）吗？", "停用",
                                DISABLE_DETAIL):
            return
        db, actor, login = self.db, self.actor, person.login
        self.disable_button.setEnabled(False)
        self.status.setText("正在停用……")

        def refused(error: BaseException) -> None:
            self.status.setText("")
            self._update_buttons()
            messages.failed(self, "没有停用", "停用时出错", error)

        self.runner.start(lambda task: disable_user(db, login, actor),
                          on_success=lambda found: self.reload(f"已停用：{found.actor}，他不能再登录", select=login),
                          on_failure=refused, lane="write")

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)
