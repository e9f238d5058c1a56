"""Signing in to the township server (issue 16): where to work, and as whom.

At the window's start the clerk chooses 本机数据库 (the database on this PC, as before) or 乡镇服务器:
server (host[:port]), database, user name and password. The server, database and user are remembered
on this PC; the password never is (not in QSettings, not in a file): it lives only in the open
connection's URL, in memory. The connection is opened by a worker, never on the GUI thread; a refusal
is one Chinese sentence under the fields (app.storage.server_errors), and the clerk tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.roles import SignedIn
from app.ui import messages
from app.ui.background import TaskRunner
from app.ui.pc_settings import settings

if TYPE_CHECKING:
    from app.storage.engine import Database

# The connection's URL (app.storage.server_url): opaque here, the window does not import SQLAlchemy.
URL = Any

LOCAL, SERVER = "local", "server"
KEY_MODE, KEY_HOST, KEY_DATABASE, KEY_USER = "server/mode", "server/host", "server/database", "server/user"
DEFAULT_DATABASE = "cunwu"
CONNECTING = "正在连接乡镇服务器…"


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int | None
    database: str
    user: str


def parse_address(server: str, database: str, user: str) -> ServerAddress | str:
    """The fields as an address, or the Chinese sentence saying what to fix."""
    server, database, user = server.strip(), database.strip(), user.strip()
    if not server:
        return "请填写服务器地址（例如 192.168.1.10）"
    host, port = server, None
    if server.count(":") == 1:  # host:port (an IPv6 address, with several colons, has no port here)
        host, _, digits = server.partition(":")
        if not digits.isdigit() or not 0 < int(digits) < 65536:
            return "端口应是 1 到 65535 之间的数字（例如 192.168.1.10:5432）"
        port = int(digits)
    if not host or any(ch.isspace() for ch in host) or "/" in host or "@" in host:
        return "服务器地址不对：只填地址和端口，例如 192.168.1.10 或 192.168.1.10:5432"
    if not database:
        return "请填写数据库名称"
    if not user:
        return "请填写用户名"
    return ServerAddress(host, port, database, user)


def server_url(address: ServerAddress, password: str) -> URL:
    from app.storage import server_url as urls

    return urls.server_url(address.host, address.port, address.database, address.user, password)


def address_of(url: URL) -> str:
    from app.storage import server_url as urls

    return urls.address_of(url)


def remembered_mode() -> str:
    return SERVER if settings().value(KEY_MODE, LOCAL) == SERVER else LOCAL


def remembered_address() -> tuple[str, str, str]:
    """(server, database, user) as last typed on this PC."""
    store = settings()
    return (str(store.value(KEY_HOST, "") or ""), str(store.value(KEY_DATABASE, DEFAULT_DATABASE) or ""),
            str(store.value(KEY_USER, "") or ""))


def remember(mode: str, server: str = "", database: str = "", user: str = "") -> None:
    """The choice and the address; never the password."""
    store = settings()
    store.setValue(KEY_MODE, mode)
    if mode == SERVER:
        store.setValue(KEY_HOST, server.strip())
        store.setValue(KEY_DATABASE, database.strip())
        store.setValue(KEY_USER, user.strip())
    store.sync()


def find_signed_in(db: Database) -> SignedIn:
    """Who the connection's person is, in which role and on which villages (app.services.users)."""
    from app.services.users import signed_in

    return signed_in(db)


@dataclass
class SignInResult:
    """What the dialog hands back: the choice, and for the server the opened database."""

    mode: str
    database: Database | None = None
    signed_in: SignedIn | None = None
    where: str = ""
    url: URL | None = None  # kept in memory only, for the recovery-code path (needs_key)
    needs_key: bool = False  # this PC has no key of the server's data yet: the recovery code is asked


Connect = Callable[[URL], SignInResult]


def connect(url: URL) -> SignInResult:
    """Open the server's database and ask who signed in: in a worker."""
    from app.storage import server_errors
    from app.storage.engine import open_database
    from app.storage.keys import KeyUnavailable

    address = address_of(url)
    try:  # a server's refusal is a refusal, not the program's failure: no crash dialog
        with server_errors.as_refusal():
            database = open_database(url.render_as_string(hide_password=False))
    except KeyUnavailable:
        return SignInResult(SERVER, where=address, url=url, needs_key=True)
    try:
        with server_errors.as_refusal():
            who = find_signed_in(database)
    except BaseException:
        database.close()
        raise
    return SignInResult(SERVER, database, who, address, url)


class SignInDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None,
                 opener: Connect = connect) -> None:
        super().__init__(parent)
        self.setWindowTitle("打开数据库")
        self.runner = runner or TaskRunner(self)
        self._connect = opener
        self.result_: SignInResult | None = None
        self._waiting = False
        self._cancelled = False

        self.local = QRadioButton("本机数据库（这台电脑上的台账）")
        self.server = QRadioButton("乡镇服务器（用乡镇分配的用户名和密码登录）")
        choice = QButtonGroup(self)
        for button in (self.local, self.server):
            choice.addButton(button)
        host, database, user = remembered_address()
        self.host = QLineEdit(host)
        self.host.setPlaceholderText("例如 192.168.1.10 或 192.168.1.10:5432")
        self.database = QLineEdit(database)
        self.user = QLineEdit(user)
        self.user.setPlaceholderText("乡镇管理员分配的用户名")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("不会保存在这台电脑上")
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow("服务器地址：", self.host)
        form.addRow("数据库：", self.database)
        form.addRow("用户名：", self.user)
        form.addRow("密码：", self.password)
        self.problem = messages.problem_label()
        buttons = QDialogButtonBox()
        self.connect_button = buttons.addButton("连接", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("请选择要打开的数据库："))
        layout.addWidget(self.local)
        layout.addWidget(self.server)
        layout.addWidget(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.server.toggled.connect(self._mode_changed)
        (self.server if remembered_mode() == SERVER else self.local).setChecked(True)
        self._mode_changed()
        self.setMinimumWidth(460)

    def _mode_changed(self) -> None:
        self.form.setEnabled(self.server.isChecked() and not self._waiting)
        self.problem.clear()
        if self.server.isChecked():
            (self.password if self.host.text() and self.user.text() else self.host).setFocus()

    def submit(self) -> None:
        if self._waiting:
            return
        if self.local.isChecked():
            remember(LOCAL)
            self.result_ = SignInResult(LOCAL)
            self.accept()
            return
        address = parse_address(self.host.text(), self.database.text(), self.user.text())
        if isinstance(address, str):
            self.problem.setText(address)
            return
        if not self.password.text():
            self.problem.setText("请填写密码")
            self.password.setFocus()
            return
        url = server_url(address, self.password.text())
        self._set_waiting(True)
        self.problem.setText(CONNECTING)
        self.runner.start(lambda task: self._connect(url), on_success=self._connected, on_failure=self._refused,
                          lane="sign-in")

    def reject(self) -> None:
        """Cancelled while connecting: the worker finishes on its own (at most the connect timeout),
        and its connection is closed when it arrives."""
        self._cancelled = self._waiting
        super().reject()

    def _set_waiting(self, waiting: bool) -> None:
        self._waiting = waiting
        self.connect_button.setEnabled(not waiting)
        self.local.setEnabled(not waiting)
        self.server.setEnabled(not waiting)
        self.form.setEnabled(not waiting and self.server.isChecked())

    def _connected(self, result: SignInResult) -> None:
        self._set_waiting(False)
        if self._cancelled:  # nobody will use it
            if result.database is not None:
                result.database.close()
            self.deleteLater()
            return
        remember(SERVER, self.host.text(), self.database.text(), self.user.text())
        self.password.clear()
        self.result_ = result
        self.accept()

    def _refused(self, error: BaseException) -> None:
        from app.storage import server_errors

        self._set_waiting(False)
        if self._cancelled:
            self.deleteLater()
            return
        said = server_errors.describe(error) or messages.error_text(error)
        self.problem.setText(said)
        if said == server_errors.BAD_LOGIN:
            self.password.selectAll()
            self.password.setFocus()


def ask(parent: QWidget | None = None, runner: TaskRunner | None = None, opener: Connect = connect) -> SignInResult | None:
    """The clerk's choice (and, for the server, the open database); None when cancelled."""
    dialog = SignInDialog(parent, runner, opener)
    accepted = dialog.exec()
    result = dialog.result_ if accepted else None
    if not dialog._waiting:  # else it goes when its worker reports (SignInDialog.reject)
        dialog.deleteLater()
    return result
