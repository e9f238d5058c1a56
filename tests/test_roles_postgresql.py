"""Issue 16 on a real PostgreSQL server: what a person's own login may see and change, enforced by the
database (app.storage.pg_security, migration 0011), through Cunwu's services and through raw SQL.

Runs when CUNWU_TEST_PG_URL names a server where the role may create databases and roles; each test
gets a database of its own, and the roles it made (cluster-wide) are dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.periods import parse_month
from app.core.roles import Role
from app.services import users
from app.services.audit import entries
from app.services.bulletin import publish
from app.services.corrections import correct_many
from app.services.errors import NO_PERMISSION, POSTED_MONTH, ServiceError, describe_failure
from app.services.importing import ImportRefused, ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, summarize
from app.services.setup import initialize
from app.services.village_settings import update_village
from app.services.villages import add_village
from app.storage import migrations
from app.storage.engine import DatabaseOpenError, open_database
from tests.conftest import ACTOR, VILLAGE, VILLAGE_CONTACTS
from tests.payout_files import grid, lines_for, write_xlsx
from tests.pg_server import NO_SERVER, SERVER, can_connect, fresh_database

pytestmark = pytest.mark.skipif(not SERVER, reason=NO_SERVER)

OTHER = "杏花村"
OCT, NOV = parse_month("2026-10"), parse_month("2026-11")
PASSWORD = "Mima%12'\"ab"  # quotes and a percent sign: the password must reach the server as typed


class Server:
    def __init__(self, name: str) -> None:
        self.name = name
        self.logins: list[str] = []

    def url(self, login: str | None = None, password: str = PASSWORD) -> str:
        base = make_url(SERVER).set(database=self.name)
        if login is not None:
            base = base.set(username=login, password=password)
        return base.render_as_string(hide_password=False)

    def login(self, role: str) -> str:
        name = f"t{uuid.uuid4().hex[:8]}_{role}"
        self.logins.append(name)
        return name


@pytest.fixture
def server(people, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CUNWU_ACTOR", "乡镇老王")
    logins: list[str] = []
    with fresh_database(logins=logins) as (name, _):
        place = Server(name)
        place.logins = logins
        owner = open_database(place.url())
        try:
            initialize(owner, ACTOR, "青山镇")
            for village in (VILLAGE, OTHER):
                update_village(owner, add_village(owner, village, ACTOR).id, ACTOR, **VILLAGE_CONTACTS)
            for village, chunk in ((VILLAGE, people[:4]), (OTHER, people[4:10])):
                path = write_xlsx(tmp_path / f"{village}.xlsx", grid(lines_for(chunk)))
                import_payouts(owner, ImportRequest(path=path, village=village), ACTOR)
            place.owner = owner
            yield place
        finally:
            owner.close()


def _person(server: Server, role: str, villages: list[str], display: str = "") -> str:
    login = server.login(role)
    users.add_user(server.owner, login, role, villages, PASSWORD, ACTOR, display=display)
    return login




def _refusal(connection, statement: str, **values) -> DBAPIError:
    with pytest.raises(DBAPIError) as raised, connection.begin_nested():
        connection.execute(text(statement), values)
    return raised.value


def test_a_clerk_works_on_their_village_only_through_the_services(server, people, tmp_path):
    clerk = _person(server, "clerk", [VILLAGE], display="小李")
    with open_database(server.url(clerk)) as mine:
        me = users.signed_in(mine)
        assert me.role is Role.CLERK and me.name == f"小李（{clerk}）" and len(me.villages) == 1
        path = write_xlsx(tmp_path / "十一月.xlsx", grid(lines_for(people[20:23], pay_date="2026-11-15")))
        import_payouts(mine, ImportRequest(path=path, village=VILLAGE), "冒名的人")
        with mine.reading() as session:
            assert summarize(session, LedgerFilter())[0] == 4 + 3  # 杏花村's six are not there
        with pytest.raises(ServiceError, match=f"找不到村“{OTHER}”"):
            import_payouts(mine, ImportRequest(path=path, village=OTHER), ACTOR)
        # The person connected is the actor, whatever the caller or CUNWU_ACTOR say.
        with mine.reading() as session:
            assert entries(session, action="import")[-1].actor == f"小李（{clerk}）"
    with server.owner.reading() as session:
        assert summarize(session, LedgerFilter())[0] == 4 + 6 + 3
        assert [e.actor for e in entries(session, action="import")] == [ACTOR, ACTOR, f"小李（{clerk}）"]


def test_a_person_of_a_village_the_clerk_cannot_see_is_named_by_row_not_a_database_error(server, people, tmp_path):
    """people[4:10] are 杏花村's (the fixture): the clerk of 桃源村 cannot see them, and the unique ID index
    would refuse them as new people; the import says which row, and writes nothing."""
    clerk = _person(server, "clerk", [VILLAGE])
    path = write_xlsx(tmp_path / "十二月.xlsx", grid(lines_for([people[30], people[5]], pay_date="2026-12-15")))
    with open_database(server.url(clerk)) as mine:
        with pytest.raises(ImportRefused) as refused:
            import_payouts(mine, ImportRequest(path=path, village=VILLAGE), ACTOR)
        with mine.reading() as session:
            assert summarize(session, LedgerFilter())[0] == 4
    said = "\n".join(refused.value.problems)
    assert "第 5 行" in said and "已登记在本乡镇的其他村" in said and "第 4 行" not in said
    assert people[5].id_number not in said


def test_a_clerk_with_psql_sees_and_changes_their_village_only(server):
    clerk = _person(server, "clerk", [VILLAGE])
    engine = create_engine(server.url(clerk))
    try:
        with engine.connect() as connection:
            ids = dict(connection.execute(text("SELECT name, id FROM village")).all())
            assert list(ids) == [VILLAGE]
            assert connection.execute(text("SELECT count(*) FROM payout")).scalar() == 4
            assert connection.execute(text("SELECT count(*) FROM person")).scalar() == 4
            with server.owner.reading() as session:
                other = session.execute(text("SELECT id FROM village WHERE name = :n"), {"n": OTHER}).scalar()
            hidden = connection.execute(text("UPDATE payout SET amount_fen = 1 WHERE village_id = :v"), {"v": other})
            assert hidden.rowcount == 0
            error = _refusal(connection, "UPDATE payout SET village_id = :v", v=other)  # moved out: WITH CHECK
            assert describe_failure(error) == NO_PERMISSION
            error = _refusal(connection, "INSERT INTO villager_group (village_id, name) VALUES (:v, '9组')", v=other)
            assert describe_failure(error) == NO_PERMISSION
            changed = connection.execute(text("UPDATE payout SET note = '核对' WHERE village_id = :v"),
                                         {"v": ids[VILLAGE]})
            assert changed.rowcount == 4
            for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                              "UPDATE village SET name = '改名村'", "DELETE FROM app_user"):
                assert describe_failure(_refusal(connection, statement)) == NO_PERMISSION
            # Writing the log in another's name is refused too.
            error = _refusal(connection, "INSERT INTO audit_log (id, at, actor, action, entity, before, after, "
                             "prev_hash, hash) VALUES (9999, now(), '乡镇老王', 'x', 'x', '', '', '', '')")
            assert describe_failure(error) == NO_PERMISSION
            connection.rollback()
    finally:
        engine.dispose()


def test_a_posted_month_is_refused_to_sql_while_a_correction_goes_through(server):
    clerk = _person(server, "clerk", [VILLAGE])
    publish(server.owner, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    engine = create_engine(server.url(clerk))
    try:
        with engine.connect() as connection:
            payout = connection.execute(text("SELECT id FROM payout ORDER BY id LIMIT 1")).scalar()
            for statement in ("UPDATE payout SET amount_fen = 1 WHERE id = :p", "DELETE FROM payout WHERE id = :p"):
                assert describe_failure(_refusal(connection, statement, p=payout)) == POSTED_MONTH
            assert describe_failure(_refusal(connection, "DELETE FROM publication")) == NO_PERMISSION
            connection.rollback()
    finally:
        engine.dispose()
    # The owner is refused as well: the trigger holds for everyone.
    with server.owner.engine.connect() as connection:
        assert describe_failure(_refusal(connection, "DELETE FROM payout WHERE id = :p", p=payout)) == POSTED_MONTH
    with open_database(server.url(clerk)) as mine:
        made = correct_many(mine, [(payout, "600")], "标准调整", ACTOR)
    assert made[0].new_fen == 60000


def test_a_supervisor_reads_their_village_and_changes_no_payout(server):
    supervisor = _person(server, "supervisor", [OTHER])
    engine = create_engine(server.url(supervisor))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM payout")).scalar() == 6
            for statement in ("UPDATE payout SET amount_fen = 1", "DELETE FROM payout",
                              "INSERT INTO correction (payout_id, old_amount_fen, new_amount_fen, reason, created_by, "
                              "created_at) SELECT id, 1, 2, 'x', 'x', now() FROM payout"):
                assert describe_failure(_refusal(connection, statement)) == NO_PERMISSION
            connection.rollback()
    finally:
        engine.dispose()
    with open_database(server.url(supervisor)) as theirs:
        assert users.signed_in(theirs).role is Role.SUPERVISOR


def test_a_township_person_sees_every_village_but_not_the_people(server):
    township = _person(server, "township", [])
    with open_database(server.url(township)) as theirs:
        assert users.signed_in(theirs).villages is None
        with theirs.reading() as session:
            assert summarize(session, LedgerFilter())[0] == 10
        with pytest.raises(Exception, match="数据库管理员"):
            users.add_user(theirs, "someone", "clerk", [VILLAGE], PASSWORD, ACTOR)


def test_a_disabled_person_cannot_connect_and_a_new_password_is_the_one(server):
    clerk = _person(server, "clerk", [VILLAGE])
    users.set_password(server.owner, clerk, "另一个密码123", ACTOR)
    assert not can_connect(server.url(clerk)) and can_connect(server.url(clerk, "另一个密码123"))
    assert users.disable_user(server.owner, clerk, ACTOR).disabled
    assert not can_connect(server.url(clerk, "另一个密码123"))
    listed = {person.login: person for person in users.list_users(server.owner)}
    assert listed[clerk].disabled and listed[clerk].villages == (VILLAGE,)


def test_only_the_owner_migrates(server, monkeypatch):
    clerk = _person(server, "clerk", [VILLAGE])
    head = migrations.head_revision()
    monkeypatch.setattr(migrations, "head_revision", lambda: "9999")  # a newer program than the database
    monkeypatch.setattr(migrations, "SCHEMA_HEAD", "9999")  # (the plain-SQL look before Alembic's, as well)
    monkeypatch.setattr(migrations, "check_known", lambda revision: None)
    with pytest.raises(DatabaseOpenError, match="请乡镇管理员用数据库管理员账号运行 cunwu init"):
        open_database(server.url(clerk))
    monkeypatch.undo()
    with server.owner.engine.begin() as connection:
        command.downgrade(migrations.alembic_config(connection), "0010")
    with open_database(server.url()) as again, again.engine.connect() as connection:  # the owner migrates
        assert migrations.current_revision(connection) == head
        assert connection.execute(text("SELECT count(*) FROM pg_policies WHERE tablename = 'payout'")).scalar() == 4


def test_names_are_checked_before_the_server_is_asked(server):
    for bad in ("1abc", "pg_admin", "a-b", "x" * 41, 'a"; DROP TABLE payout; --'):
        with pytest.raises(Exception, match="不能用"):
            users.add_user(server.owner, bad, "clerk", [VILLAGE], PASSWORD, ACTOR)
    with pytest.raises(Exception, match="要指定负责的村"):
        users.add_user(server.owner, server.login("clerk"), "clerk", [], PASSWORD, ACTOR)
    clerk = _person(server, "clerk", [VILLAGE])
    with pytest.raises(Exception, match="已经有了"):
        users.add_user(server.owner, clerk, "clerk", [VILLAGE], PASSWORD, ACTOR)
