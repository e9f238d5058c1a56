"""People and roles on one office PC (SQLite): the user commands refuse, everyone acts as before, and a
posted month is protected by the database itself (migration 0011). PostgreSQL: test_roles_postgresql."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.cli.main import main
from app.core.periods import parse_month
from app.core.roles import PERMISSIONS, Permission, Role
from app.services import users
from app.services.bulletin import publish
from app.services.corrections import correct_many
from app.services.errors import POSTED_MONTH, ServiceError, describe_failure
from app.services.importing import ImportRequest, import_payouts
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx

OCT, NOV = parse_month("2026-10"), parse_month("2026-11")


def test_the_user_commands_say_they_are_for_the_township_server(db, db_path, capsys, monkeypatch):
    with pytest.raises(ServiceError, match="乡镇服务器"):
        users.add_user(db, "xiaoli", "clerk", [VILLAGE], "12345678", ACTOR)
    with pytest.raises(ServiceError, match="乡镇服务器"):
        users.list_users(db)
    db.close()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("no password is asked on one PC"))
    for argv in (["user", "add", "xiaoli", "--role", "clerk", "--village", VILLAGE], ["user", "list"],
                 ["user", "disable", "xiaoli"], ["user", "passwd", "xiaoli"]):
        assert main(["--db", str(db_path), *argv]) == 1
        assert capsys.readouterr().err.strip() == f"错误：{users.ON_ONE_PC}"


def test_on_one_pc_the_person_named_at_start_may_do_everything(db, monkeypatch):
    assert users.signed_in(db, "王文书").label == "王文书（数据库管理员）"
    monkeypatch.setenv("CUNWU_ACTOR", "李会计")
    me = users.signed_in(db)
    assert me.name == "李会计" and me.role is Role.OWNER and me.may(Permission.USERS) and me.sees(12)


@pytest.mark.parametrize("name", ["xiaoli", "Zhang_3", "_ops", "张三", "文书_桃源村2"])
def test_login_names_that_may_be_used(name):
    assert users.check_login(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "3zhang", "pg_admin", "PG_x", "li-si", "li si", "x" * 41, "张三;", 'a"b',
                                  "ｚｈａｎｇ"])
def test_login_names_refused_with_a_sentence(name):
    with pytest.raises(ServiceError, match="不能用：只能用字母、数字、下划线或汉字"):
        users.check_login(name)


def test_the_roles_table_gives_each_role_what_the_database_grants():
    clerk, supervisor, township = (PERMISSIONS[r] for r in (Role.CLERK, Role.SUPERVISOR, Role.TOWNSHIP))
    assert {Permission.IMPORT, Permission.CORRECT, Permission.POST, Permission.PRINT} <= clerk
    assert Permission.USERS not in clerk | township and Permission.VILLAGES not in clerk
    assert supervisor == {Permission.READ, Permission.PRINT, Permission.REVIEW}


def test_a_posted_months_payouts_are_refused_to_sql_but_corrected_through_cunwu(db, people, tmp_path):
    path = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:3])))
    import_payouts(db, ImportRequest(path=path, village=VILLAGE), ACTOR)
    with db.engine.begin() as connection:  # not posted yet: the file's owner may still fix a row by hand
        connection.execute(text("UPDATE payout SET note = '核对' WHERE period = :p"), {"p": OCT})
    publish(db, VILLAGE, OCT, OCT.replace(month=11), "王文书", ACTOR)
    with db.reading() as session:
        payout = session.execute(text("SELECT id FROM payout ORDER BY id LIMIT 1")).scalar()
    for statement in ("UPDATE payout SET amount_fen = 1 WHERE id = :p", "DELETE FROM payout WHERE id = :p",
                      "UPDATE payout SET period = :nov WHERE id = :p",
                      "INSERT INTO payout (person_id, subsidy_type_id, village_id, period, amount_fen, standard, note, "
                      "created_at, updated_at) SELECT person_id, subsidy_type_id + 1, village_id, period, 1, '', '', "
                      "created_at, updated_at FROM payout WHERE id = :p"):
        with pytest.raises(Exception) as refused, db.engine.begin() as connection:
            connection.execute(text(statement), {"p": payout, "nov": NOV})
        assert describe_failure(refused.value) == POSTED_MONTH
    made = correct_many(db, [(payout, "600")], "标准调整", ACTOR)
    assert (made[0].old_fen, made[0].new_fen) == (56000, 60000)


def test_the_person_signed_in_reads_as_one_name_with_login_and_role():
    from app.core.roles import Role, SignedIn

    assert SignedIn("李监督", Role.SUPERVISOR).label == "李监督（村务监督委员会）"
    assert SignedIn("王文书（wang）", Role.CLERK).label == "王文书（wang，村文书）"
