"""Signing in to the township server (issue 16): the dialog, the server's refusals in Chinese, and a
window that shows only what the signed-in role may do."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.core.roles import Role, SignedIn
from app.services.villages import add_village
from app.storage import server_errors
from app.storage.engine import open_database
from app.ui import launch, sign_in
from app.ui.main_window import MainWindow
from app.ui.pc_settings import settings
from tests.conftest import ACTOR, VILLAGE
from tests.pg_server import NO_SERVER, SERVER
from tests.ui.conftest import WAIT_MS, grab_at_1366x768, settle

needs_server = pytest.mark.skipif(not SERVER, reason=NO_SERVER)
PASSWORD = "p@ss:w/rd 密码"


# --- the dialog ------------------------------------------------------------------------------------
def fill(dialog: sign_in.SignInDialog, host: str, database: str, user: str, password: str) -> None:
    dialog.server.setChecked(True)
    dialog.host.setText(host)
    dialog.database.setText(database)
    dialog.user.setText(user)
    dialog.password.setText(password)


def test_the_dialog_builds_the_url_and_never_stores_the_password(qtbot, tmp_path):
    asked: list[URL] = []
    who = SignedIn("王文书", Role.CLERK, frozenset({1}))

    def opener(url: URL) -> sign_in.SignInResult:
        asked.append(url)
        return sign_in.SignInResult(sign_in.SERVER, None, who, sign_in.address_of(url))

    dialog = sign_in.SignInDialog(opener=opener)
    qtbot.addWidget(dialog)
    fill(dialog, " 192.168.1.10:5433 ", "cunwu", "wang", PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit()

    (url,) = asked
    assert (url.drivername, url.host, url.port, url.database, url.username, url.password) == (
        "postgresql+psycopg", "192.168.1.10", 5433, "cunwu", "wang", PASSWORD)
    assert make_url(url.render_as_string(hide_password=False)).password == PASSWORD  # @ : / escaped
    assert dialog.result_.signed_in == who and dialog.result_.where == "192.168.1.10:5433/cunwu"
    assert dialog.password.text() == ""

    store = settings()
    store.sync()
    remembered = {key: str(store.value(key)) for key in store.allKeys()}
    assert remembered["server/mode"] == "server" and remembered["server/user"] == "wang"
    assert sign_in.remembered_address() == ("192.168.1.10:5433", "cunwu", "wang")
    assert not [key for key, value in remembered.items() if "p@ss" in value or "密码" in value]
    on_disk = Path(store.fileName())
    assert on_disk.exists() and "p@ss" not in on_disk.read_text(encoding="utf-8", errors="replace")

    again = sign_in.SignInDialog(opener=opener)  # the next start: the address is there, the password not
    qtbot.addWidget(again)
    assert again.server.isChecked() and again.host.text() == "192.168.1.10:5433" and again.password.text() == ""


def test_the_dialog_refuses_an_address_it_cannot_use(qtbot):
    dialog = sign_in.SignInDialog(opener=lambda url: pytest.fail("must not connect"))
    qtbot.addWidget(dialog)
    for host, database, user, password, said in [
        ("", "cunwu", "wang", "x", "请填写服务器地址（例如 192.168.1.10）"),
        ("192.168.1.10:99999", "cunwu", "wang", "x", "端口应是 1 到 65535 之间的数字（例如 192.168.1.10:5432）"),
        ("wang@192.168.1.10", "cunwu", "wang", "x", "服务器地址不对：只填地址和端口，例如 192.168.1.10 或 192.168.1.10:5432"),
        ("192.168.1.10", "", "wang", "x", "请填写数据库名称"),
        ("192.168.1.10", "cunwu", "", "x", "请填写用户名"),
        ("192.168.1.10", "cunwu", "wang", "", "请填写密码"),
    ]:
        fill(dialog, host, database, user, password)
        dialog.submit()
        assert dialog.problem.text() == said and dialog.isVisible() is False and dialog.result_ is None


def test_choosing_this_pcs_database_is_remembered(qtbot):
    sign_in.remember(sign_in.SERVER, "10.0.0.2", "cunwu", "wang")
    dialog = sign_in.SignInDialog(opener=lambda url: pytest.fail("must not connect"))
    qtbot.addWidget(dialog)
    assert dialog.server.isChecked() and dialog.form.isEnabled()
    dialog.local.setChecked(True)
    assert not dialog.form.isEnabled()
    dialog.submit()
    assert dialog.result_ == sign_in.SignInResult(sign_in.LOCAL) and sign_in.remembered_mode() == sign_in.LOCAL


@needs_server
def test_a_wrong_password_is_said_under_the_fields(qtbot):
    server = make_url(SERVER)
    dialog = sign_in.SignInDialog()
    qtbot.addWidget(dialog)
    fill(dialog, f"{server.host}:{server.port or 5432}", server.database, server.username, "wrong-password")
    dialog.submit()
    assert dialog.problem.text() == sign_in.CONNECTING and not dialog.connect_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.problem.text() != sign_in.CONNECTING, timeout=WAIT_MS)
    assert dialog.problem.text() == server_errors.BAD_LOGIN
    assert dialog.result_ is None and dialog.connect_button.isEnabled()
    assert sign_in.remembered_mode() == sign_in.LOCAL  # nothing remembered from a failed sign-in


# --- the server's refusals -------------------------------------------------------------------------
def opening(url: URL) -> BaseException:
    with pytest.raises(Exception) as raised:
        open_database(url.render_as_string(hide_password=False)).close()
    return raised.value


@pytest.fixture
def server_roles():
    """A NOLOGIN role, and a LOGIN role with no CONNECT on a database of its own: unique names, dropped after."""
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    disabled, plain, database = f"cunwu_off_{suffix}", f"cunwu_plain_{suffix}", f"cunwu_closed_{suffix}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {disabled} NOLOGIN PASSWORD 'pw'"))
        connection.execute(text(f"CREATE ROLE {plain} LOGIN PASSWORD 'pw'"))
        connection.execute(text(f"CREATE DATABASE {database}"))
        connection.execute(text(f"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC"))
    try:
        yield disabled, plain, database
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {database}"))
            connection.execute(text(f"DROP ROLE {disabled}"))
            connection.execute(text(f"DROP ROLE {plain}"))
        admin.dispose()


@needs_server
def test_each_refusal_of_a_real_server_has_its_sentence(server_roles):
    disabled, plain, closed = server_roles
    server = make_url(SERVER)

    def url(**changes: object) -> URL:
        return server.set(**changes)  # type: ignore[arg-type]

    assert server_errors.describe(opening(url(password="wrong"))) == server_errors.BAD_LOGIN
    assert server_errors.describe(opening(url(username="cunwu_nobody_" + uuid.uuid4().hex[:6]))) == server_errors.BAD_LOGIN
    assert server_errors.describe(opening(url(database="cunwu_none_" + uuid.uuid4().hex[:6]))) == server_errors.NO_DATABASE
    assert server_errors.describe(opening(url(port=1))) == server_errors.UNREACHABLE
    assert server_errors.describe(opening(url(host="cunwu-no-such-host.invalid"))) == server_errors.UNKNOWN_HOST
    assert server_errors.describe(opening(url(username=disabled, password="pw"))) == server_errors.DISABLED
    assert server_errors.describe(opening(url(username=plain, password="pw", database=closed))) == server_errors.NO_CONNECT

    # Connected, a statement the role may not run: DDL (a migration) needs the owner; else it is not allowed.
    engine = create_engine(url(username=plain, password="pw"))
    try:
        with engine.connect() as connection, pytest.raises(ProgrammingError) as ddl:
            connection.execute(text("CREATE TABLE cunwu_probe (id integer)"))
        with engine.connect() as connection, pytest.raises(ProgrammingError) as read:
            connection.execute(text("SELECT * FROM pg_authid"))
    finally:
        engine.dispose()
    assert server_errors.describe(ddl.value) == server_errors.NEEDS_UPGRADE
    assert server_errors.describe(read.value) == server_errors.NOT_ALLOWED


def test_refusals_in_a_chinese_server_and_others_without_a_server():
    def connection_error(message: str) -> OperationalError:
        return OperationalError("connect", {}, psycopg.OperationalError(message))

    # The same refusals from a server running in a Chinese locale (PostgreSQL's zh_CN texts).
    for message, sentence in [
        ('connection failed: FATAL:  用户 "wang" Password 认证失败', server_errors.BAD_LOGIN),
        ('connection failed: FATAL:  不允许角色"wang" 进行登录', server_errors.DISABLED),
        ('connection failed: FATAL:  访问数据库"cunwu"的权限不够\nDETAIL:  用户没有CONNECT权限.', server_errors.NO_CONNECT),
        ('connection failed: FATAL:  数据库 "cunwu" 不存在', server_errors.NO_DATABASE),
        ("connection timeout expired", server_errors.UNREACHABLE),
        ("connection failed: could not connect to server: Connection refused (0x0000274D/10061)",
         server_errors.UNREACHABLE),
        ("something the driver never said before", server_errors.UNREACHABLE),  # before any session
    ]:
        assert server_errors.describe(connection_error(message)) == sentence, message
    timeout = psycopg.errors.ConnectionTimeout("connection timeout expired")
    assert server_errors.describe(OperationalError("connect", {}, timeout)) == server_errors.UNREACHABLE
    assert server_errors.describe(server_errors.NeedsUpgrade()) == server_errors.NEEDS_UPGRADE
    # Not the server's: the caller says its own sentence.
    assert server_errors.describe(ValueError("坏了")) is None
    assert server_errors.describe(OSError(28, "No space left on device")) is None

    with pytest.raises(server_errors.ServerRefused) as raised, server_errors.as_refusal():
        raise connection_error("connection failed: FATAL:  password authentication failed for user \"x\"")
    assert str(raised.value) == server_errors.BAD_LOGIN and isinstance(raised.value.__cause__, OperationalError)
    with pytest.raises(ValueError), server_errors.as_refusal():
        raise ValueError("坏了")


# --- the window by role ----------------------------------------------------------------------------
EDITING = ("add_action", "edit_action", "delete_action", "correct_action")
NOT_FOR_SUPERVISOR = ("import", "paste", "settings", "add_village", "holidays", "audit", "archive")


def role_window(qtbot, db, who: SignedIn | None) -> MainWindow:
    window = MainWindow(db, ACTOR, signed_in=who)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.choices_loaded and not window.model.is_loading(), timeout=WAIT_MS)
    return window


def test_a_supervisors_window_has_no_import_edit_correction_posting_or_settings(seeded, db, village_id, qtbot):
    window = role_window(qtbot, db, SignedIn("李监督", Role.SUPERVISOR, frozenset({village_id})))
    try:
        assert not [name for name in EDITING if getattr(window, name).isVisible()]
        assert not [name for name in NOT_FOR_SUPERVISOR if window.page_actions[name].isVisible()]
        assert window.page_actions["bulletin"].isVisible() and window.export_action.isVisible()  # reads and prints
        menus = {action.text() for action in window.menuBar().actions() if action.isVisible()}
        assert {"文件", "台账", "村"} <= menus
        for bar in (window.toolbar, *(a.menu() for a in window.menuBar().actions() if a.menu() is not None)):
            shown = [a.isSeparator() for a in bar.actions() if a.isVisible()]  # no separator first, last, doubled
            assert not shown or (not shown[0] and not shown[-1] and (True, True) not in zip(shown, shown[1:]))
        assert window.open_page("import") is None and window.open_page("settings") is None
        preview = window.open_page("bulletin")
        assert preview is not None and preview.post_button.isHidden()  # prints the sheet, never registers it
        preview.reject()
        assert window.actor == "李监督" and window.who_label.text() == "操作人：李监督 · 本机数据库"
        window.on_server = lambda: True  # type: ignore[method-assign]
        window.where = "192.168.1.10/cunwu"
        window._show_who()
        assert window.who_label.text() == "李监督（村务监督委员会） · 乡镇服务器 192.168.1.10/cunwu"
        assert window.title_for(VILLAGE) == f"{VILLAGE} · 李监督（村务监督委员会） — 村务公开助手"
    finally:
        settle(qtbot, window)
        window.shutdown()


def test_inside_the_pages_a_supervisor_signs_and_prints_but_drafts_and_edits_nothing(seeded, db, village_id, qtbot):
    """公示: the supervision committee signs its review step and prints; drafting, posting, objections are the
    clerk's. 公开目录: nothing to add, change or push (the database refuses it too, issue 16)."""
    window = role_window(qtbot, db, SignedIn("李监督", Role.SUPERVISOR, frozenset({village_id})))
    try:
        notices = window.open_page("notices")
        assert notices is not None
        assert notices.new_button.isHidden() and notices.post_button.isHidden() and notices.objection_button.isHidden()
        assert not notices.advance_button.isHidden() and not notices.print_button.isHidden()
        notices.reject()
        catalog = window.open_page("catalog")
        assert catalog is not None
        qtbot.waitUntil(lambda: catalog.view is not None, timeout=WAIT_MS)
        assert catalog.add_button.isHidden() and catalog.edit_button.isHidden() and catalog.push_button.isHidden()
        assert not catalog.poster_button.isHidden()  # the village's poster: printing is reading
        catalog.reject()
    finally:
        settle(qtbot, window)
        window.shutdown()


def test_a_clerk_edits_their_villages_catalog_but_not_the_townships(seeded, db, village_id, qtbot):
    window = role_window(qtbot, db, SignedIn("王文书", Role.CLERK, frozenset({village_id})))
    try:
        catalog = window.open_page("catalog")
        assert catalog is not None
        qtbot.waitUntil(lambda: catalog.view is not None, timeout=WAIT_MS)
        assert catalog.view.village and not catalog.add_button.isHidden()
        catalog.scope.setCurrentIndex(catalog.scope.findData(None))  # the township's standard set
        qtbot.waitUntil(lambda: catalog.view is not None and not catalog.view.village, timeout=WAIT_MS)
        assert catalog.add_button.isHidden() and catalog.push_button.isHidden()
        catalog.reject()
    finally:
        settle(qtbot, window)
        window.shutdown()


def test_everyone_on_one_office_pc_sees_every_action(seeded, db, qtbot):
    window = role_window(qtbot, db, None)
    try:
        assert all(getattr(window, name).isVisible() for name in EDITING)
        assert all(window.page_actions[name].isVisible() for name in NOT_FOR_SUPERVISOR)
        assert window.who_label.text() == f"操作人：{ACTOR} · 本机数据库"
    finally:
        window.shutdown()


def test_a_clerks_village_chooser_lists_only_their_villages(db, village_id, qtbot):
    other = add_village(db, "李家村", ACTOR)
    add_village(db, "王家村", ACTOR)
    window = role_window(qtbot, db, SignedIn("王文书", Role.CLERK, frozenset({other.id})))
    try:
        combo = window.filter_bar.village
        assert [combo.itemText(i) for i in range(combo.count())] == ["李家村"]
        assert window.villages == [(other.id, "李家村")] and window.page_context().villages == window.villages
        assert window.add_action.isVisible() and window.page_actions["import"].isVisible()
        assert not window.page_actions["audit"].isVisible() and not window.page_actions["settings"].isVisible()
        assert window.home.whole_township.isHidden()
    finally:
        settle(qtbot, window)
        window.shutdown()


# --- starting the window ---------------------------------------------------------------------------
@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_a_pc_that_worked_on_the_server_asks_at_start_and_shows_who(qapp, qtbot, db, village_id, monkeypatch, boxes):
    sign_in.remember(sign_in.SERVER, "10.0.0.2", "cunwu", "wang")
    clerk = SignedIn("王文书", Role.CLERK, frozenset({village_id}))
    monkeypatch.setattr(sign_in, "ask", lambda parent, runner: sign_in.SignInResult(
        sign_in.SERVER, db, clerk, "10.0.0.2/cunwu"))
    monkeypatch.setattr(db, "close", lambda: None)  # the fixture closes it
    seen: dict[str, object] = {}

    def run_briefly(*_args: object) -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.choices_loaded, timeout=WAIT_MS)
        seen.update(actor=window.actor, signed=window.signed_in, where=window.where,
                    audit=window.page_actions["audit"].isVisible())
        settle(qtbot, window)
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", run_briefly)
    assert launch.run_gui(None) == 0
    assert seen == {"actor": "王文书", "signed": clerk, "where": "10.0.0.2/cunwu", "audit": False}

    monkeypatch.setattr(sign_in, "ask", lambda parent, runner: None)  # cancelled: the program ends
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", lambda *args: exits.append(args[-1]))
    monkeypatch.setattr(QApplication, "exec", lambda *_: qtbot.waitUntil(lambda: bool(exits), timeout=WAIT_MS) or exits[0])
    assert launch.run_gui(None) == launch.EXIT_OK


# --- how it looks ----------------------------------------------------------------------------------
@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_dialog_over_the_window_at_1366x768(seeded, db, qtbot):
    sign_in.remember(sign_in.SERVER, "192.168.1.10", "cunwu", "wang")
    window = role_window(qtbot, db, None)
    dialog = sign_in.SignInDialog(window, window.runner, opener=lambda url: pytest.fail("must not connect"))
    qtbot.addWidget(dialog)
    dialog.problem.setText(server_errors.BAD_LOGIN)
    grab_at_1366x768(qtbot, window, dialog, "/tmp/cunwu_sign_in_1366x768.png")
    settle(qtbot, window)
    window.shutdown()
