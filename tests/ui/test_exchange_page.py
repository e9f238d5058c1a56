"""The 数据包交换 dialog (issue 16): everything `cunwu exchange` does, done by a clerk in the window.

Two office PCs as in tests/test_exchange.py — a village without a link and its township, each with its
own database and its own account's key folder — trade keys and packages only through the dialog's
buttons, the file dialogs answered with paths on a "USB stick" (a temporary folder).
"""
# ruff: noqa: F811 - `village` and `township` are tests/test_exchange.py's fixtures, taken as arguments

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from sqlmodel import func, select

from app.core import exchange_package as package
from app.ui import pages
from app.ui.exchange_page import ExchangePage
from tests.conftest import ACTOR, VILLAGE
from tests.pg_server import NO_SERVER, SERVER, fresh_database
from tests.test_exchange import OCT, PC, township, village  # noqa: F401 - the two PCs' fixtures
from tests.ui.conftest import WAIT_MS, settle
from tests.ui.test_chinese_only import english, texts_of
from tests.ui.test_gui_thread import GuiThreadWatch
from tests.ui.test_screen_fit import fits, needed

FINGERPRINT = re.compile(r"\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){3}\b")
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class Stick:
    """The file dialogs: each answers with the next path given, and remembers what it suggested."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        self.folder = folder
        self.answers: list[Path] = []
        self.suggested: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._answer)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._answer)

    def _answer(self, parent, title, start, filter_):  # QFileDialog's static signature
        self.suggested.append(Path(start).name)
        return (str(self.answers.pop(0)), "") if self.answers else ("", "")

    def will(self, name: str) -> Path:
        path = self.folder / name
        self.answers.append(path)
        return path


@pytest.fixture
def stick(monkeypatch, tmp_path) -> Stick:
    folder = tmp_path / "U盘"
    folder.mkdir()
    return Stick(monkeypatch, folder)


def opened(qtbot, pc: PC, township_pc: bool) -> ExchangePage:
    with pc.at():
        page = ExchangePage(pc.db, ACTOR, [VILLAGE], today=OCT.replace(day=31))
        qtbot.addWidget(page)
        page.show()
        settle(qtbot, page)
    if township_pc:  # one village on each PC: the dialog first guesses 村里; the township clerk says 乡镇
        page.at_township.click()
    return page


def press(qtbot, pc: PC, page: ExchangePage, button: QPushButton) -> str:
    """Click as the clerk at that PC (its key folder), wait; the newest result shown."""
    before = page.results.toPlainText()
    with pc.at():
        button.click()
        settle(qtbot, page)
    return page.results.toPlainText()[len(before):].strip()


def peers(page: ExchangePage) -> list[tuple[str, str]]:
    return [(page.peers.item(r, 0).text(), page.peers.item(r, 1).text()) for r in range(page.peers.rowCount())]


def township_payouts(pc: PC) -> int:
    from app.storage.models import Payout

    with pc.db.reading() as session:
        return session.exec(select(func.count()).select_from(Payout)).one()


def test_keys_and_packages_travel_through_the_dialog(village, township, stick, qtbot, boxes):
    with GuiThreadWatch(village.db) as at_village, GuiThreadWatch(township.db) as at_township:
        here = opened(qtbot, village, township_pc=False)
        there = opened(qtbot, township, township_pc=True)
        assert here.at_village.isChecked() and here.trust_township_button.isVisible()
        assert not here.trust_village_button.isVisible() and not here.for_village_button.isVisible()
        assert there.trust_village_button.isVisible() and not there.export_button.isVisible()

        # Keys, once: the village's to the township, the township's to the village.
        village_key = stick.will(f"{VILLAGE}.key")
        said = press(qtbot, village, here, here.key_button)
        assert stick.suggested[-1] == f"{VILLAGE}.key"
        own = here.fingerprint.text()
        assert FINGERPRINT.fullmatch(own) and village_key.exists()
        assert said == f"已导出{VILLAGE}的公钥：{village_key}\n公钥指纹：{own}（对方登记后请电话核对这串字符）"

        stick.answers.append(village_key)
        said = press(qtbot, township, there, there.trust_village_button)
        assert said == f"已登记{VILLAGE}的公钥，指纹：{own}（请与对方电话核对）"
        assert peers(there) == [(VILLAGE, own)] and there.peers.item(0, 2).text() == ACTOR

        township_key = stick.will("乡镇.key")
        said = press(qtbot, township, there, there.key_button)
        assert stick.suggested[-1] == "乡镇.key" and "已导出青山镇的公钥" in said
        stick.answers.append(township_key)
        said = press(qtbot, village, here, here.trust_township_button)
        assert said == f"已登记乡镇（青山镇）的公钥，指纹：{there.fingerprint.text()}（请与对方电话核对）"
        assert peers(here) == [("乡镇（青山镇）", there.fingerprint.text())]

        # The month's package: exported at the village, imported at the township.
        made = stick.will(f"{VILLAGE}-2026-10.cunwuz")
        said = press(qtbot, village, here, here.export_button)
        assert stick.suggested[-1] == f"{VILLAGE}-2026-10.cunwuz"  # as the README names it
        assert said.startswith(f"已导出{VILLAGE}第 1 号数据包（完整记录：发放记录 24 条、人员 12 人、"  # the first: all
                               f"公开表 1 张）：{made}")
        assert said.endswith(f"签名公钥指纹：{own}")
        stick.answers.append(made)
        said = press(qtbot, township, there, there.import_button)
        assert said.startswith(f"已导入{VILLAGE}第 1 号数据包：")
        assert "人员 新增 12、修改 0" in said and "发放记录 新增 24、修改 0" in said and "公开表 新增 1、修改 0" in said

        # The catalog and holidays go back.
        back = stick.will(f"{VILLAGE}-目录.cunwuz")
        said = press(qtbot, township, there, there.for_village_button)
        assert stick.suggested[-1] == f"{VILLAGE}-目录.cunwuz"
        assert said.startswith(f"已为{VILLAGE}导出第 1 号数据包（标准公开目录 ")
        stick.answers.append(back)
        said = press(qtbot, village, here, here.import_button)
        assert said.startswith(f"已导入乡镇发给{VILLAGE}的第 1 号数据包：")
        here.reject()
        there.reject()
    assert at_village.on_gui_thread == [] and at_township.on_gui_thread == []
    assert township_payouts(township) == 24
    assert at_village.in_workers and at_township.in_workers
    assert boxes.shown == []  # all of it said in the dialog, not in boxes


@pytest.fixture
def linked(village, township, stick, qtbot):
    """The two PCs after trading keys through the dialog; the village's first package on the stick."""
    here = opened(qtbot, village, township_pc=False)
    there = opened(qtbot, township, township_pc=True)
    stick.answers.append(stick.folder / "村.key")
    press(qtbot, village, here, here.key_button)
    stick.answers.append(stick.folder / "村.key")
    press(qtbot, township, there, there.trust_village_button)
    stick.answers.append(stick.folder / "乡镇.key")
    press(qtbot, township, there, there.key_button)
    stick.answers.append(stick.folder / "乡镇.key")
    press(qtbot, village, here, here.trust_township_button)
    stick.answers.append(stick.folder / "1.cunwuz")
    press(qtbot, village, here, here.export_button)
    return here, there


def test_a_tampered_package_is_refused_in_one_sentence_and_nothing_written(linked, village, township, stick, qtbot,
                                                                           boxes):
    _, there = linked
    data = (stick.folder / "1.cunwuz").read_bytes()
    position = len(data) - 5
    stick.will("坏.cunwuz").write_bytes(data[:position] + bytes([data[position] ^ 1]) + data[position + 1:])
    said = press(qtbot, township, there, there.import_button)
    assert len(boxes.shown) == 1
    title, sentence, _ = boxes.shown[0].split("｜")
    assert title == "没有导入" and "坏.cunwuz" in sentence and re.search("签名不对|已损坏", sentence)
    assert said == sentence and township_payouts(township) == 0
    assert all(button.isEnabled() for button in there.action_buttons)  # the dialog is usable again

    # Not a key file at all: a refusal too, not a program failure.
    stick.will("照片.key").write_bytes(b"\xff\xd8\xff\xe0 not a key")
    said = press(qtbot, township, there, there.trust_village_button)
    sentence = "文件“照片.key”不是村务公开助手导出的公钥文件（或已损坏），没有登记"
    assert boxes.shown[-1] == f"没有登记｜{sentence}｜" and said == sentence


def test_a_second_key_for_the_same_village_is_asked_about_before_replacing(linked, township, stick, qtbot, boxes):
    _, there = linked
    registered = peers(there)[0][1]
    other = package.new_key_pair().public
    stick.will("新.key").write_text(package.key_file_text(package.VILLAGE_TO_TOWNSHIP, VILLAGE, other))

    boxes.answer = QMessageBox.ButtonRole.RejectRole  # the clerk is not sure: 取消
    said = press(qtbot, township, there, there.trust_village_button)
    title, question, detail = boxes.shown[-1].split("｜")
    assert title == "更换公钥" and question == f"已经登记过{VILLAGE}的公钥，与文件“新.key”中的不同。要更换吗？"
    assert f"已登记的指纹：{registered}" in detail and f"文件中的指纹：{other.fingerprint}" in detail
    assert "记入操作日志" in detail
    assert said == f"没有更换{VILLAGE}的公钥。" and peers(there) == [(VILLAGE, registered)]

    boxes.answer = QMessageBox.ButtonRole.AcceptRole  # checked by phone: 更换公钥
    stick.answers.append(stick.folder / "新.key")
    said = press(qtbot, township, there, there.trust_village_button)
    assert said == (f"已更换{VILLAGE}的公钥：原指纹 {registered}，新指纹 {other.fingerprint}（已记入操作日志）")
    assert peers(there) == [(VILLAGE, other.fingerprint)]


def test_exporting_before_the_townships_key_is_registered_says_what_to_do(village, stick, qtbot, boxes):
    here = opened(qtbot, village, township_pc=False)
    press(qtbot, village, here, here.export_button)
    assert boxes.shown == ["没有导出｜还没有登记乡镇的公钥：请先点“登记乡镇的公钥…”，选乡镇给的公钥文件。｜"]
    assert stick.suggested == []  # nothing asked, nothing written


def test_the_dialog_is_on_the_file_menu_fits_the_screen_and_speaks_chinese(window, qtbot):
    entry = pages.entry("exchange")
    assert (entry.menu, entry.needs, entry.permission) == ("文件", "database", pages.Permission.EXCHANGE)
    page = window.open_page("exchange")
    assert isinstance(page, ExchangePage)
    settle(qtbot, page)
    assert FINGERPRINT.fullmatch(page.fingerprint.text())
    assert fits(needed(qtbot, page))
    for township_pc in (False, True):
        (page.at_township if township_pc else page.at_village).click()
        readable = [(where, text) for where, text in texts_of(page) if english(FINGERPRINT.sub("", text))]
        assert readable == []
    page.reject()
    qtbot.waitUntil(lambda: "exchange" not in window.open_pages, timeout=WAIT_MS)


def test_a_clerk_on_the_server_does_not_see_it():
    from app.core.roles import Role, SignedIn

    entry = pages.entry("exchange")
    assert not pages.allowed(entry, SignedIn("王文书", Role.CLERK, frozenset({1})), on_server=True)
    assert pages.allowed(entry, SignedIn("李干部", Role.TOWNSHIP), on_server=True)


def test_a_package_against_a_posted_month_is_refused_with_its_conflicts(linked, village, township, stick, qtbot, boxes):
    import datetime as dt

    from app.core.disclosure import mask_id
    from app.core.synthetic import make_people
    from app.services.bulletin import publish
    from app.services.payouts import PayoutInput, update_payout
    from app.services.subsidies import list_subsidies
    from app.storage.models import Payout, Person

    here, there = linked
    stick.answers.append(stick.folder / "1.cunwuz")
    press(qtbot, township, there, there.import_button)
    november = dt.date(2026, 11, 1)
    with township.at() as db:
        publish(db, VILLAGE, november, dt.date(2026, 12, 1), "乡镇审核员", ACTOR)  # the township posted November
    person = make_people(12, seed=5)[2]
    with village.at() as db:
        subsidy = next(s.id for s in list_subsidies(db) if s.name == "最低生活保障金")
        with db.reading() as session:
            row = session.exec(select(Payout).join(Person, Payout.person_id == Person.id).where(
                Payout.period == november, Person.name == person.name)).first()
        update_payout(db, row.id, PayoutInput(person.name, person.id_number, subsidy, november, "1.00", group="3组"),
                      ACTOR)
    stick.answers.append(stick.folder / "2.cunwuz")
    assert press(qtbot, village, here, here.export_button).startswith(f"已导出{VILLAGE}第 2 号数据包（自上次导出以来的记录：")
    stick.answers.append(stick.folder / "2.cunwuz")
    said = press(qtbot, township, there, there.import_button)
    title, sentence, detail = boxes.shown[-1].split("｜")
    assert title == "没有导入" and sentence == said
    assert sentence == "数据包“2.cunwuz”与本数据库已张贴公开表的月份有 1 处不一致，整个数据包没有导入"
    assert "2026年11月" in detail and mask_id(person.id_number) in detail and person.id_number not in detail
    assert "本数据库 302.50 元" in detail and "数据包 1.00 元" in detail


def test_a_long_list_of_conflicts_is_cut_in_the_box_and_whole_in_the_dialog(village, qtbot, boxes):
    from app.services.errors import Conflict

    page = opened(qtbot, village, township_pc=True)
    conflicts = [f"{VILLAGE}2026年11月：第 {n} 处不一致" for n in range(1, 41)]
    page._refused("没有导入", Conflict("有 40 处不一致，整个数据包没有导入", ["不一致（整个数据包没有导入）：", *conflicts]),
                  None)
    _, sentence, detail = boxes.shown[-1].split("｜")
    assert sentence == "有 40 处不一致，整个数据包没有导入"
    assert detail.splitlines()[-1] == "……共 40 处，全部列在窗口下方的“结果”中" and len(detail.splitlines()) == 13
    assert all(line in page.results.toPlainText() for line in conflicts)


@pytest.mark.skipif(not SERVER, reason=NO_SERVER)
def test_on_the_township_server_it_is_the_townships_dialog(village, stick, tmp_path, monkeypatch, qtbot):
    from app.services.setup import initialize
    from app.services.villages import add_village
    from app.storage import keys
    from app.storage.engine import open_database

    key_dir = tmp_path / "pg-township-keys"
    monkeypatch.setenv(keys.KEY_DIR_ENV, str(key_dir))
    with fresh_database() as (_, url), open_database(url) as database:
        initialize(database, ACTOR, "青山镇")
        add_village(database, VILLAGE, ACTOR)
        server = PC(database, key_dir, monkeypatch)
        here = opened(qtbot, village, township_pc=False)
        there = opened(qtbot, server, township_pc=False)
        assert there.at_township.isChecked() and not there.at_village.isEnabled()  # village PCs are not on it
        assert FINGERPRINT.fullmatch(there.fingerprint.text())
        stick.answers.append(stick.folder / "村.key")
        press(qtbot, village, here, here.key_button)
        stick.answers.append(stick.folder / "村.key")
        said = press(qtbot, server, there, there.trust_village_button)
        assert said.startswith(f"已登记{VILLAGE}的公钥") and peers(there) == [(VILLAGE, here.fingerprint.text())]
        here.reject()
        there.reject()
