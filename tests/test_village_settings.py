"""The township's and villages' settings, and the refusal to print a public sheet without them (issue 14).

domain.md "Printed forms": every bulletin sheet carries the supervision phone (监督电话) — the
villagers read the sheet, so it must tell them whom to call. Items 3-4 of "What the rules ask for":
the catalog poster and its inspection guide say where and when records are inspected, who receives
the villager, and a contact phone (咨询电话/监督电话). The placeholder "本乡镇" of a fresh database is not
a township's name and must never be printed as one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli.main import main
from app.services import audit
from app.services.errors import ServiceError
from app.services.importing import ImportRequest, import_payouts
from app.services.setup import initialize
from app.services.village_settings import (
    BULLETIN,
    NOTICE,
    POSTER,
    NewVillage,
    SettingsInvalid,
    SettingsMissing,
    complete_first_start,
    list_village_settings,
    missing_for_print,
    needs_first_start,
    township_settings,
    update_township,
    update_village,
    village_settings,
)
from app.services.villages import add_village
from app.storage.engine import Database, open_database
from tests.conftest import ACTOR, SUPERVISION_PHONE, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def fresh(tmp_path: Path):
    """A database as `cunwu init` leaves it: subsidy types and the placeholder township, nothing else."""
    database = open_database(tmp_path / "新库" / "cunwu.sqlite3")
    initialize(database, ACTOR)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def village_id(db: Database) -> int:
    from app.services.village_settings import village_id_of

    return village_id_of(db, VILLAGE)


def run(database: Database, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(database.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def text_of(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", "")


def import_october(database: Database, village: str, people, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / f"{village}.xlsx", grid(lines_for(people)))
    import_payouts(database, ImportRequest(path=path, village=village), ACTOR)


# --- the service ----------------------------------------------------------------------------------


def test_a_fresh_database_needs_the_first_start_and_its_placeholder_is_no_name(fresh):
    assert needs_first_start(fresh)
    assert township_settings(fresh).name == ""  # "本乡镇" is the placeholder, not a name
    village = add_village(fresh, VILLAGE, ACTOR)
    assert needs_first_start(fresh)  # a village, but still no township's name
    assert missing_for_print(fresh, village.id, BULLETIN) == [("township_name", "乡镇名称"), ("supervision_phone", "监督电话")]
    assert missing_for_print(fresh, village.id, NOTICE) == missing_for_print(fresh, village.id, BULLETIN)
    assert [label for _, label in missing_for_print(fresh, village.id, POSTER)] == [
        "乡镇名称", "监督电话", "联系人", "公开栏位置", "公开时间"]
    update_township(fresh, ACTOR, name="桃花乡")
    assert not needs_first_start(fresh)
    assert missing_for_print(fresh, village.id, BULLETIN) == [("supervision_phone", "监督电话")]


def test_township_name_and_code_are_checked_and_audited(fresh):
    saved = update_township(fresh, ACTOR, name=" 桃花乡 ", code="１４０１２３１０１")  # full-width digits, as typed
    assert (saved.name, saved.code) == ("桃花乡", "140123101") and saved.warnings == ()
    with pytest.raises(SettingsInvalid) as refused:
        update_township(fresh, ACTOR, name="本乡镇", code="14012310")
    assert dict(refused.value.fields) == {
        "township_name": "请填写乡镇的实际名称（例如 桃花乡）",
        "township_code": "乡镇代码“14012310”不对：应为 9 位数字（统计用区划代码）",
    }
    assert township_settings(fresh).name == "桃花乡"  # nothing written
    # A county code the GB/T 2260 table never had: saved, with a note to check it.
    assert update_township(fresh, ACTOR, code="999999101").warnings
    with fresh.reading() as session:
        changes = audit.entries(session, entity="township")
    assert changes[-1].action == "configure" and "999999101" in changes[-1].after and "140123101" in changes[-1].before


def test_village_settings_are_checked_field_by_field_and_saved_in_part(db, village_id):
    with pytest.raises(SettingsInvalid) as refused:
        update_village(db, village_id, ACTOR, code="140123101", supervision_phone="打我电话", sheet_order="随便")
    fields = dict(refused.value.fields)
    assert set(fields) == {"code", "supervision_phone", "sheet_order"}  # every problem at once, by field
    assert "应为 12 位数字" in fields["code"] and "不像电话号码" in fields["supervision_phone"]
    assert refused.value.message == "设置有 3 处填写不对"
    assert village_settings(db, village_id).supervision_phone == SUPERVISION_PHONE  # nothing written

    saved = update_village(db, village_id, ACTOR, supervision_phone="0351-7654321 分机 12", consult_phone="",
                           contact_person=" 李 主任 ", sheet_order="县里顺序")
    assert saved.supervision_phone == "0351-7654321转12"  # one spelling of an extension
    assert (saved.contact_person, saved.sheet_order, saved.sheet_order_label) == ("李 主任", "file", "按县里名单的顺序")
    assert saved.code == "140123101201" and saved.board_place  # fields not named stay as they were
    for phone in ("12345", "13812345678", "(0351) 765 4321", "+86 138 1234 5678"):  # loosely a phone number
        assert update_village(db, village_id, ACTOR, consult_phone=phone).consult_phone == phone
    with db.reading() as session:
        assert audit.entries(session, entity="village", action="configure")


def test_a_village_code_lies_within_the_township_and_belongs_to_one_village(db, village_id):
    update_township(db, ACTOR, code="140123101")
    with pytest.raises(SettingsInvalid, match="前 9 位应是乡镇代码 140123101"):
        update_village(db, village_id, ACTOR, code="140123102201")
    other = add_village(db, "杏花村", ACTOR, code="140123101202")
    with pytest.raises(SettingsInvalid, match="已是杏花村的代码"):
        update_village(db, village_id, ACTOR, code="140123101202")
    with pytest.raises(SettingsInvalid, match="已经存在"):
        update_village(db, other.id, ACTOR, name=VILLAGE)
    with pytest.raises(ServiceError, match="应为 12 位数字"):
        add_village(db, "石门村", ACTOR, code="140123101")


def test_the_first_start_is_saved_at_once_or_not_at_all(fresh):
    rows = [NewVillage("桃源村", "140123101201", supervision_phone="0351-1234567", contact_person="王文书"),
            NewVillage("杏花村", "140123102202")]  # outside the township's code
    with pytest.raises(SettingsInvalid) as refused:
        complete_first_start(fresh, ACTOR, "桃花乡", "140123101", rows)
    assert [key for key, _ in refused.value.fields] == ["villages.1.code"]
    assert "第 2 个村" in refused.value.message and needs_first_start(fresh) and not list_village_settings(fresh)

    rows[1] = NewVillage("杏花村", "140123101202", supervision_phone="0351-7654321")
    township, villages = complete_first_start(fresh, ACTOR, "桃花乡", "140123101", rows)
    assert township.name == "桃花乡" and [v.name for v in villages] == ["桃源村", "杏花村"]
    assert not needs_first_start(fresh)
    assert [(v.name, v.code, v.supervision_phone) for v in list_village_settings(fresh)] == [
        ("桃源村", "140123101201", "0351-1234567"), ("杏花村", "140123101202", "0351-7654321")]


# --- the refusal ----------------------------------------------------------------------------------


def test_the_sheet_without_a_supervision_phone_is_refused_naming_it_and_printed_with_it(fresh, people, tmp_path, capsys):
    """The issue's acceptance: exit 1 and 监督电话 named; then the phone and the township's name printed."""
    assert run(fresh, capsys, "village", "add", VILLAGE)[0] == 0
    import_october(fresh, VILLAGE, people[:4], tmp_path)
    out = tmp_path / "公开表.pdf"
    code, _, err = run(fresh, capsys, "bulletin", "--village", VILLAGE, "--month", "2026-10", "--out", str(out))
    assert code == 1 and not out.exists()
    assert "桃源村还没有填写：乡镇名称、监督电话。请在“设置”中填写后再打印" in err and "Traceback" not in err

    code, out_text, _ = run(fresh, capsys, "township", "set", "--name", "桃花乡", "--code", "140123101")
    assert code == 0 and "已保存乡镇：桃花乡（代码 140123101）" in out_text
    code, _, err = run(fresh, capsys, "bulletin", "--village", VILLAGE, "--month", "2026-10", "--out", str(out))
    assert code == 1 and "还没有填写：监督电话。" in err

    assert run(fresh, capsys, "village", "set", VILLAGE, "--phone", "0351-7654321")[0] == 0
    code, _, err = run(fresh, capsys, "bulletin", "--village", VILLAGE, "--month", "2026-10", "--out", str(out))
    assert code == 0, err
    text = text_of(out)
    assert "监督电话：0351-7654321" in text  # printed as set: the gate does not mask the village's own phone
    assert "乡镇：桃花乡" in text and "本乡镇" not in text


def test_the_service_refusal_carries_the_village_and_the_fields(fresh, people, tmp_path):
    from app.services.bulletin import sheet_for

    village = add_village(fresh, VILLAGE, ACTOR)
    import_october(fresh, VILLAGE, people[:2], tmp_path)
    update_township(fresh, ACTOR, name="桃花乡")
    with pytest.raises(SettingsMissing) as refused:
        sheet_for(fresh, VILLAGE, OCT)
    assert refused.value.village_id == village.id and refused.value.village == VILLAGE
    assert refused.value.fields == (("supervision_phone", "监督电话"),)
    assert refused.value.message == "桃源村还没有填写：监督电话。请在“设置”中填写后再打印"


def test_publishing_and_the_notice_sheet_are_refused_too(db, village_id, people, tmp_path, capsys):
    from app.services.bulletin import publish
    from app.services.notices import create_notice, notice_sheet
    from tests.test_notices import draft

    import_october(db, VILLAGE, people[:2], tmp_path)
    notice_id = create_notice(db, draft(), ACTOR)
    assert notice_sheet(db, notice_id).supervision_phone == SUPERVISION_PHONE
    update_village(db, village_id, ACTOR, supervision_phone="")
    with pytest.raises(SettingsMissing, match="监督电话"):
        notice_sheet(db, notice_id)
    with pytest.raises(SettingsMissing):
        publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    code, _, err = run(db, capsys, "notice", "print", str(notice_id), "--out", str(tmp_path / "公示.pdf"))
    assert code == 1 and "还没有填写：监督电话" in err


def test_the_township_batch_names_the_refused_village_and_prints_the_others(db, people, tmp_path, capsys):
    add_village(db, "杏花村", ACTOR)  # no supervision phone
    import_october(db, VILLAGE, people[:3], tmp_path)
    import_october(db, "杏花村", people[3:5], tmp_path)
    folder = tmp_path / "十月"
    code, out, err = run(db, capsys, "bulletin", "--all", "--month", "2026-10", "--out", str(folder))
    assert code == 1
    assert "没有生成：杏花村还没有填写：监督电话。请在“设置”中填写后再打印" in err
    assert {p.name for p in folder.iterdir()} == {"桃源村-2026-10.pdf", "青山镇-2026-10-汇总.pdf"}
    summary = text_of(folder / "青山镇-2026-10-汇总.pdf")
    assert "杏花村" in summary and "合计：共 5 人次" in summary  # its payouts still count in the summary
    assert "已生成 2 份 PDF（2 / 3" in out


def test_the_batch_without_a_township_name_prints_nothing_made_up(fresh, people, tmp_path, capsys):
    village = add_village(fresh, VILLAGE, ACTOR)
    update_village(fresh, village.id, ACTOR, supervision_phone=SUPERVISION_PHONE)
    import_october(fresh, VILLAGE, people[:2], tmp_path)
    folder = tmp_path / "十月"
    code, _, err = run(fresh, capsys, "bulletin", "--all", "--month", "2026-10", "--out", str(folder))
    assert code == 1 and "桃源村还没有填写：乡镇名称" in err and "汇总表：还没有填写乡镇名称" in err
    assert not folder.exists() or not any(folder.iterdir())


def test_the_poster_takes_the_stored_settings_and_the_flags_still_override(db, village_id, tmp_path, capsys):
    update_village(db, village_id, ACTOR, consult_phone="0351-5550123", contact_person="李文书",
                   board_place="村委会一楼档案室", board_hours="每周一至周五 9:00—17:00")
    out = tmp_path / "目录.pdf"
    assert run(db, capsys, "catalog", "poster", "--village", VILLAGE, "--out", str(out))[0] == 0
    text = text_of(out)
    assert "一、查询地点：村委会一楼档案室。" in text and "二、查询时间：每周一至周五 9:00—17:00。" in text
    assert "由李文书接待" in text and "五、咨询电话：0351-5550123" in text
    assert f"监督电话（村务监督委员会）：{SUPERVISION_PHONE}" in text and "（未填写）" not in text
    assert "乡镇：青山镇" in text

    code, _, err = run(db, capsys, "catalog", "poster", "--village", VILLAGE, "--out", str(out),
                       "--contact", "赵会计", "--place", "村部大厅")
    assert code == 0, err
    text = text_of(out)
    assert "由赵会计接待" in text and "查询地点：村部大厅" in text and "每周一至周五" in text


def test_the_poster_is_refused_without_whom_to_ask_and_a_flag_can_fill_the_gap(fresh, tmp_path, capsys):
    village = add_village(fresh, VILLAGE, ACTOR)
    update_township(fresh, ACTOR, name="桃花乡")
    update_village(fresh, village.id, ACTOR, supervision_phone=SUPERVISION_PHONE, board_hours="工作日")
    out = tmp_path / "目录.pdf"
    code, _, err = run(fresh, capsys, "catalog", "poster", "--village", VILLAGE, "--out", str(out))
    assert code == 1 and not out.exists()
    assert "桃源村还没有填写：联系人、公开栏位置。" in err  # "监督电话：（未填写）" is never printed
    code, _, err = run(fresh, capsys, "catalog", "poster", "--village", VILLAGE, "--out", str(out),
                       "--contact", "王文书", "--place", "村委会")
    assert code == 0, err


def test_the_demo_fills_every_setting_a_sheet_needs(fresh):
    from app.services.demo import seed_demo

    seed_demo(fresh, ACTOR, today=dt.date(2026, 11, 15))
    assert not needs_first_start(fresh)
    assert township_settings(fresh).name == "青山镇"
    for village in list_village_settings(fresh):
        assert len(village.code) == 12 and village.code.startswith(township_settings(fresh).code)
        for output in (BULLETIN, POSTER, NOTICE):
            assert missing_for_print(fresh, village.id, output) == []


# --- the commands ---------------------------------------------------------------------------------


def test_township_and_village_commands_set_and_show(fresh, capsys):
    code, out, _ = run(fresh, capsys, "township", "show")
    assert code == 0 and "乡镇名称：（未填写）" in out
    assert run(fresh, capsys, "village", "add", VILLAGE)[0] == 0
    assert run(fresh, capsys, "township", "set", "--name", "桃花乡")[0] == 0
    code, out, _ = run(fresh, capsys, "village", "set", VILLAGE, "--code", "140123101201", "--phone", "0351-1234567",
                       "--consult-phone", "13812345678", "--contact", "王文书", "--order", "县里顺序")
    assert code == 0 and "已保存桃源村的设置" in out
    assert "提示：还没有填写公开栏位置、公开时间" in out  # what the poster still needs
    code, out, _ = run(fresh, capsys, "village", "show", VILLAGE)
    assert code == 0
    for line in ("村代码：140123101201", "监督电话：0351-1234567", "咨询电话：13812345678", "联系人：王文书",
                 "公开栏位置：（未填写）", "名单顺序：按县里名单的顺序"):
        assert line in out  # the village's own phones are shown as set, not masked
    code, out, _ = run(fresh, capsys, "village", "list")
    assert "桃源村（代码 140123101201）" in out and "待填写：公开栏位置、公开时间" in out
    code, out, _ = run(fresh, capsys, "village", "set", VILLAGE, "--name", "桃园村")
    assert code == 0 and run(fresh, capsys, "village", "show", "桃园村")[0] == 0
    code, out, _ = run(fresh, capsys, "township", "show")
    assert "乡镇名称：桃花乡" in out


def test_commands_refuse_in_chinese_with_exit_1_and_misuse_is_exit_2(fresh, capsys):
    assert run(fresh, capsys, "village", "add", VILLAGE)[0] == 0
    code, _, err = run(fresh, capsys, "village", "set", VILLAGE, "--phone", "abc", "--code", "12")
    assert code == 1
    assert "错误：设置有 2 处填写不对" in err and "村代码“12”不对：应为 12 位数字" in err and "不像电话号码" in err
    code, _, err = run(fresh, capsys, "village", "set", "无名村", "--phone", "0351-1234567")
    assert code == 1 and "找不到村“无名村”" in err
    code, _, err = run(fresh, capsys, "township", "set", "--code", "abc")
    assert code == 1 and "乡镇代码“abc”不对：应为 9 位数字" in err
    code, _, err = run(fresh, capsys, "village", "set", VILLAGE)
    assert code == 2 and "没有要修改的内容" in err
    with pytest.raises(SystemExit) as usage:  # argparse's own exit, before any handler runs
        main(["--db", str(fresh.path), "village", "set", VILLAGE, "--order", "随便"])
    err = capsys.readouterr().err
    assert usage.value.code == 2 and "命令用法有误" in err and "名单顺序“随便”不对，应为“拼音”或“县里顺序”" in err
