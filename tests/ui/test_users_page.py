"""What only the command line could do, now in the window (issues 16 and 17): 人员和权限 on the township
server (`cunwu user add|list|disable|passwd`), and on one office PC 删除明文备份 (`backup forget-plaintext`)
and 再次打印恢复码 (`key recovery --out`). Every database call off the GUI thread."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy.engine import make_url

from app.core.roles import Role, SignedIn
from app.services import audit, backups, users
from app.services.setup import initialize
from app.services.villages import add_village
from app.storage.engine import open_database
from app.storage.paths import backups_dir
from app.ui import pages, users_page
from app.ui.backup_pages import NONE_LEFT
from app.ui.backup_recovery import TITLE as RECOVERY_TITLE
from app.ui.main_window import MainWindow
from tests.conftest import ACTOR, VILLAGE
from tests.pg_server import NO_SERVER, SERVER, can_connect, fresh_database
from tests.ui.conftest import WAIT_MS, grab_at_1366x768, settle
from tests.ui.test_chinese_only import assert_chinese
from tests.ui.test_gui_thread import GuiThreadWatch

OTHER = "杏花村"
FIRST, SECOND = "Mima%12'\"ab", "新密码 second-2"


def owner_window(qtbot, db) -> MainWindow:
    window = MainWindow(db, ACTOR, signed_in=users.signed_in(db, ACTOR))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.choices_loaded and not window.model.is_loading(), timeout=WAIT_MS)
    return window


# --- where the pages are ---------------------------------------------------------------------------
def test_people_are_the_servers_and_the_backup_actions_this_pcs(db, qtbot):
    window = owner_window(qtbot, db)
    try:
        actions = window.page_actions
        assert not actions["users"].isVisible() and window.open_page("users") is None
        assert actions["forget_plaintext"].isVisible() and actions["recovery_code"].isVisible()
        assert actions["users"].text() == "人员和权限…"
        window.on_server = lambda: True  # type: ignore[method-assign]
        window._apply_role()
        assert actions["users"].isVisible()
        assert not actions["forget_plaintext"].isVisible() and not actions["recovery_code"].isVisible()
    finally:
        settle(qtbot, window)
        window.shutdown()
    township = SignedIn("乡镇老王", Role.TOWNSHIP)
    assert not pages.allowed(pages.entry("users"), township, on_server=True)  # the owner's alone


# --- 人员和权限 on a real server -------------------------------------------------------------------
def connects(url: str, login: str, password: str) -> bool:
    return can_connect(make_url(url).set(username=login, password=password).render_as_string(hide_password=False))


def cells(page: users_page.UsersPage, row: int) -> list[str]:
    return [page.table.item(row, column).text() for column in range(page.table.columnCount())]


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_owner_adds_a_clerk_sets_their_password_and_disables_them(qtbot, boxes):
    if not SERVER:
        pytest.skip(NO_SERVER)
    logins: list[str] = []
    with fresh_database(logins=logins) as (_, url):
        owner = open_database(url)
        window = None
        try:
            initialize(owner, ACTOR, "青山镇")
            for village in (VILLAGE, OTHER):
                add_village(owner, village, ACTOR)
            window = owner_window(qtbot, owner)
            login = f"t{uuid.uuid4().hex[:8]}_clerk"
            logins.append(login)
            with GuiThreadWatch(owner) as watch:
                page = window.open_page("users")
                assert isinstance(page, users_page.UsersPage) and window.page_actions["users"].isVisible()
                qtbot.waitUntil(lambda: page.status.text() == "共 0 人", timeout=WAIT_MS)
                assert not page.disable_button.isEnabled() and not page.password_button.isEnabled()
                assert_chinese(page)

                form = page.add_person()
                assert_chinese(form)
                assert [form.role.itemText(i) for i in range(form.role.count())] == ["乡镇管理员", "村文书", "村务监督委员会"]
                assert [form.villages.item(i).text() for i in range(form.villages.count())] == [VILLAGE, OTHER]
                assert form.password.first.echoMode() == form.password.first.EchoMode.Password
                form.role.setCurrentIndex(form.role.findData(Role.TOWNSHIP))
                assert form.villages.isHidden()  # the township's administrator has every village
                form.role.setCurrentIndex(form.role.findData(Role.CLERK))
                assert not form.villages.isHidden()
                form.login.setText(login)
                form.display.setText("小李")
                form.villages.item(0).setCheckState(Qt.CheckState.Checked)
                grab_at_1366x768(qtbot, window, form, "/tmp/cunwu_add_person_1366x768.png")
                form.password.first.setText(FIRST)
                form.password.second.setText(FIRST + "x")
                form.save_button.click()
                assert form.problem.text() == users_page.NOT_SAME and form.password.first.text() == ""
                form.password.first.setText("short")
                form.password.second.setText("short")
                form.save_button.click()  # the service's refusal, in its words, under the fields
                qtbot.waitUntil(lambda: form.save_button.isEnabled(), timeout=WAIT_MS)
                assert form.problem.text() == "密码太短：至少 8 个字符" and form.isVisible()
                form.password.first.setText(FIRST)
                form.password.second.setText(FIRST)
                form.save_button.click()
                qtbot.waitUntil(lambda: page.form is None and page.status.text().startswith("已添加"), timeout=WAIT_MS)
                assert page.status.text() == f"已添加：小李（{login}），村文书"
                assert cells(page, 0) == [login, "小李", "村文书", VILLAGE, "启用"]
                assert connects(url, login, FIRST)
                theirs = make_url(url).set(username=login, password=FIRST).render_as_string(hide_password=False)
                with open_database(theirs) as signed:
                    assert users.signed_in(signed).role is Role.CLERK

                grab_at_1366x768(qtbot, window, page, "/tmp/cunwu_users_1366x768.png")

                assert page.selected() is not None and page.selected().login == login  # the one just added
                changing = page.change_password()
                assert changing is not None
                changing.password.first.setText(SECOND)
                changing.password.second.setText(SECOND)
                changing.save_button.click()
                qtbot.waitUntil(lambda: page.status.text().startswith("已设置"), timeout=WAIT_MS)
                assert connects(url, login, SECOND) and not connects(url, login, FIRST)

                page.disable_button.click()  # the box answers 停用
                qtbot.waitUntil(lambda: page.status.text().startswith("已停用"), timeout=WAIT_MS)
                assert any(users_page.DISABLE_DETAIL in shown for shown in boxes.shown)
                assert cells(page, 0)[-1] == "已停用" and not page.disable_button.isEnabled()
                assert not connects(url, login, SECOND)
                page.reject()
                settle(qtbot, window)
            assert watch.on_gui_thread == [] and watch.in_workers >= 4
            with owner.reading() as session:
                logged = [(e.action, e.actor) for e in audit.entries(session, entity="user")]
            assert [action for action, _ in logged] == ["create", "password", "disable"]
        finally:
            if window is not None:
                settle(qtbot, window)
                window.shutdown()
            owner.close()




# --- 删除明文备份, 再次打印恢复码 -----------------------------------------------------------------------
def test_plaintext_backups_are_deleted_after_confirmation(db, db_path, qtbot, boxes):
    window = owner_window(qtbot, db)
    try:
        with GuiThreadWatch(db) as watch:
            kept = backups.back_up_now(db)  # sealed-era backup: not plain, stays
            window.open_page("forget_plaintext")
            qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
            assert boxes.shown == [f"删除明文备份｜{NONE_LEFT}｜"]

            plain = backups_dir(db_path) / f"{db_path.stem}-20260901T080000-before-0013-plaintext.sqlite3"
            plain.write_bytes(b"SQLite format 3\0" + b"\1" * 4096)
            boxes.shown.clear()
            boxes.answer = QMessageBox.ButtonRole.RejectRole  # 取消: nothing deleted
            window.open_page("forget_plaintext")
            qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
            settle(qtbot, window)
            assert plain.exists() and plain.name in boxes.shown[0] and "删除下面 1 个明文备份吗" in boxes.shown[0]

            boxes.shown.clear()
            boxes.answer = QMessageBox.ButtonRole.AcceptRole
            window.open_page("forget_plaintext")
            qtbot.waitUntil(lambda: len(boxes.shown) == 2, timeout=WAIT_MS)
            assert boxes.shown[1] == f"删除明文备份｜已删除 1 个明文备份。｜{plain.name}"
            assert not plain.exists() and kept.exists()
            settle(qtbot, window)
        assert watch.on_gui_thread == []
        with db.reading() as session:
            assert [e.action for e in audit.entries(session, entity="database")][-1] == "delete"
    finally:
        settle(qtbot, window)
        window.shutdown()


def test_the_recovery_code_is_written_again_to_the_chosen_file(db, qtbot, boxes, monkeypatch, tmp_path):
    code = db.recovery_code
    assert code
    out = tmp_path / "打印" / "恢复码.txt"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window = owner_window(qtbot, db)
    try:
        with GuiThreadWatch(db) as watch:
            window.open_page("recovery_code")
            qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
            settle(qtbot, window)
        assert watch.on_gui_thread == []
        assert f"恢复码：{code}" in out.read_text(encoding="utf-8")
        assert boxes.shown[0].startswith(f"{RECOVERY_TITLE}｜恢复码：{code}｜")
        with db.reading() as session:
            assert [e.action for e in audit.entries(session, entity="database")][-1] == "key_recovery_shown"

        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "没有" / "x.txt"), ""))
        boxes.shown.clear()
        window.open_page("recovery_code")  # a folder that is not there: said, nothing shown
        qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
        assert boxes.shown[0].startswith("没有写入｜") and code not in boxes.shown[0]
    finally:
        settle(qtbot, window)
        window.shutdown()
