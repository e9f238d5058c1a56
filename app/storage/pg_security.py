"""Who may read and write what on a PostgreSQL server: group roles, row-level security and grants.

Issue 16. Each Cunwu role is a group role of this database (`<database>_township`, `_clerk`,
`_supervisor`: roles are cluster-wide, so the database's name keeps two townships' databases apart);
a person is a LOGIN role in one of them (app.services.users). What each group may do follows
app.core.roles.PERMISSIONS:

- township: every village, every table, but not the people (app_user, user_village: own row);
- clerk: read and write the rows of their own villages (the village row and publications: read and
  add only; corrections: add and list on a sheet);
- supervisor: read their villages, sign a notice's review (a notice_step and the notice's state).

The audit log is INSERT and SELECT only for every group, and a trigger (migration 0011) refuses
UPDATE, DELETE and TRUNCATE to everyone, the owner too. The database owner (who runs the migrations
and adds people) is not restricted by row-level security: the app's everyday work uses a person.

`secure(connection)` is re-runnable: a later migration that adds tables calls it again (with the
tables only the township may touch in `TOWNSHIP_ONLY`), so every table gets its grants in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

GROUPS = ("township", "clerk", "supervisor")

# The words the database's triggers refuse with (migration 0011, both engines): app.services.errors
# turns them into the clerk's sentence.
POSTED_MONTH = "CUNWU_POSTED_MONTH"
AUDIT_APPEND_ONLY = "CUNWU_AUDIT_APPEND_ONLY"

# The person connected, seen from inside a SECURITY DEFINER function (where current_user is the owner).
_ME = "session_user"
# The audit log's actor for a person: as app.storage.models_people.actor_name.
ACTOR_SQL = ("CASE WHEN u.display_name = '' OR u.display_name = u.login THEN u.login "
             "ELSE u.display_name || '（' || u.login || '）' END")

_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION cunwu_township() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT EXISTS (SELECT 1 FROM app_user u WHERE u.login = {_ME} AND u.role = 'township' AND NOT u.disabled)
$$;
CREATE OR REPLACE FUNCTION cunwu_villages() RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT coalesce(array_agg(v.village_id), '{{}}') FROM user_village v
    JOIN app_user u ON u.login = v.login WHERE u.login = {_ME} AND NOT u.disabled
$$;
-- Which of these blind indexes name a person of any village: a clerk adding a person already registered
-- in a village they cannot see gets a sentence instead of the unique index's error. It tells only what
-- the caller's file already holds (the ID number) is known to the township, nothing about the person.
CREATE OR REPLACE FUNCTION cunwu_registered(indexes text[]) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT p.id_index FROM person p WHERE p.id_index = ANY (indexes)
$$;
CREATE OR REPLACE FUNCTION cunwu_actor() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT {ACTOR_SQL} FROM app_user u WHERE u.login = {_ME}
$$;
"""


def _mine(column: str) -> str:
    """The row's village is one of the person's (the sub-selects run once per statement, not per row)."""
    return f"((SELECT cunwu_township()) OR {column} = ANY ((SELECT cunwu_villages())::integer[]))"


def _through(parent: str, key: str, table: str, parent_village: str = "village_id", null_reads: bool = False) -> tuple[str, str]:
    """(read, write) conditions of a table whose village is its parent row's."""
    write = f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{key} AND {_mine('p.' + parent_village)})"
    if not null_reads:
        return write, write
    read = (f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{key} "
            f"AND (p.{parent_village} IS NULL OR {_mine('p.' + parent_village)}))")
    return read, write


# table → (who may read the row, who may write it)
SCOPED: dict[str, tuple[str, str]] = {
    "village": (_mine("id"), _mine("id")),
    **{name: (_mine("village_id"), _mine("village_id")) for name in (
        "villager_group", "person", "import_batch", "payout", "publication", "archive_settings",
        "filed_piece", "archive_box", "notice")},
    "correction": _through("payout", "payout_id", "correction"),
    "evidence": _through("filed_piece", "piece_id", "evidence"),
    # village_id NULL: the township's standard catalog, which every village reads and only the township writes
    "catalog_version": (f"(village_id IS NULL OR {_mine('village_id')})", _mine("village_id")),
    "catalog_item": _through("catalog_version", "version_id", "catalog_item", null_reads=True),
    **{name: _through("notice", "notice_id", name) for name in ("notice_row", "notice_step", "notice_objection")},
    # One's own entries with no village (the township's) stay readable to their writer (INSERT … RETURNING).
    "audit_log": (f"({_mine('village_id')} OR actor = (SELECT cunwu_actor()))",
                  f"(actor = (SELECT cunwu_actor()) AND (village_id IS NULL OR {_mine('village_id')}))"),
}
SHARED = ("township", "subsidy_type", "app_setting", "alembic_version")
PEOPLE = ("app_user", "user_village")

ALL = "SELECT, INSERT, UPDATE, DELETE"
# What a clerk may do where it is less than ALL (history is added to, never rewritten)
_CLERK_LESS = {"village": "SELECT", "publication": "SELECT, INSERT", "correction": "SELECT, INSERT, UPDATE",
               "audit_log": "SELECT, INSERT"}


def group_roles(connection: Connection) -> dict[str, str]:
    """Cunwu role value → this database's group role name."""
    database = connection.exec_driver_sql("SELECT current_database()").scalar()
    return {role: f"{database}_{role}"[:63] for role in GROUPS}


def quote(connection: Connection, name: str) -> str:
    """An identifier quoted by the server (never by string concatenation of a user's text)."""
    quoted = connection.execute(text("SELECT quote_ident(:name)"), {"name": name}).scalar()
    assert isinstance(quoted, str)
    return quoted


def is_owner(connection: Connection) -> bool:
    """The connected role owns the database (or is a superuser): it migrates and adds people."""
    return bool(connection.exec_driver_sql(
        "SELECT r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER') "
        "FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
    ).scalar())


def _exists(connection: Connection, table: str) -> bool:
    return connection.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar() is True


def _create_group(connection: Connection, name: str) -> None:
    # DO blocks take no parameters: the name goes in as a quoted literal made by the server.
    literal = connection.execute(text("SELECT quote_literal(:name)"), {"name": name}).scalar()
    connection.exec_driver_sql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + str(literal) + ") THEN "
        "EXECUTE format('CREATE ROLE %%I NOLOGIN', " + str(literal) + "); END IF; END $$"
    )


def _policies(connection: Connection, table: str, read: str, write: str) -> None:
    connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for name, clause in (("cunwu_read", f"FOR SELECT USING ({read})"),
                         ("cunwu_insert", f"FOR INSERT WITH CHECK ({write})"),
                         ("cunwu_update", f"FOR UPDATE USING ({write}) WITH CHECK ({write})"),
                         ("cunwu_delete", f"FOR DELETE USING ({write})")):
        connection.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON {table}")
        connection.exec_driver_sql(f"CREATE POLICY {name} ON {table} {clause}")


# The offline exchange's keys, trust and bookkeeping (migration 0012): the township's work, no village's.
TOWNSHIP_ONLY = ("exchange_key", "exchange_peer", "exchange_progress", "exchange_row_map")


def secure(connection: Connection, township_only: Iterable[str] = TOWNSHIP_ONLY) -> None:
    """Create the group roles, functions, policies and grants (again): run by a migration, as the owner."""
    if connection.dialect.name != "postgresql":
        return
    groups = {role: quote(connection, name) for role, name in group_roles(connection).items()}
    for name in group_roles(connection).values():
        _create_group(connection, name)
    connection.exec_driver_sql(_FUNCTIONS)
    for table, (read, write) in SCOPED.items():
        _policies(connection, table, read, write)
    for table in PEOPLE:  # a person reads their own row (signed_in, the audit actor); the owner adds people
        _policies(connection, table, "login = current_user", "false")

    everyone = ", ".join(groups.values())
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(connection, _schema(connection))} TO {everyone}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(connection, _schema(connection))} "
                               f"FROM {everyone}")
    township, clerk, supervisor = groups["township"], groups["clerk"], groups["supervisor"]
    for table in SCOPED:
        township_may = _CLERK_LESS["audit_log"] if table == "audit_log" else ALL
        connection.exec_driver_sql(f"GRANT {township_may} ON {table} TO {township}")
        connection.exec_driver_sql(f"GRANT {_CLERK_LESS.get(table, ALL)} ON {table} TO {clerk}")
        connection.exec_driver_sql(f"GRANT SELECT ON {table} TO {supervisor}")
    # Signing a review: the step, the notice's new state (app.services.notices._sign) and the chain.
    connection.exec_driver_sql(f"GRANT INSERT ON notice_step, audit_log TO {supervisor}")
    connection.exec_driver_sql(f"GRANT UPDATE (state, result) ON notice TO {supervisor}")
    for table in SHARED:
        connection.exec_driver_sql(f"GRANT SELECT ON {table} TO {everyone}")
        if table != "alembic_version":
            connection.exec_driver_sql(f"GRANT {ALL} ON {table} TO {township}")
    # Every writer of the log locks the chain's head FOR UPDATE and moves it (app.services.audit).
    connection.exec_driver_sql(f"GRANT SELECT, UPDATE ON audit_head TO {everyone}")
    connection.exec_driver_sql(f"GRANT SELECT ON {', '.join(PEOPLE)} TO {everyone}")
    for table in (name for name in township_only if _exists(connection, name)):
        connection.exec_driver_sql(f"GRANT {ALL} ON {table} TO {township}")
    connection.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {quote(connection, _schema(connection))} "
                               f"TO {everyone}")


def registered(connection: Connection, indexes: list[str]) -> set[str]:
    """The blind indexes among `indexes` that name a person in any village, seen or not (PostgreSQL; on
    SQLite nothing is hidden, so the caller's own look-up already found them all)."""
    if connection.dialect.name != "postgresql" or not indexes:
        return set()
    rows = connection.execute(text("SELECT cunwu_registered(CAST(:indexes AS text[]))"), {"indexes": indexes})
    return {str(index) for index in rows.scalars()}


def _schema(connection: Connection) -> str:
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    assert isinstance(schema, str)
    return schema


def unsecure(connection: Connection) -> None:
    """The downgrade: policies and grants gone (the group roles stay: other databases' people may be in none,
    and a role is dropped only when nothing refers to it)."""
    if connection.dialect.name != "postgresql":
        return
    groups = ", ".join(quote(connection, name) for name in group_roles(connection).values())
    schema = quote(connection, _schema(connection))
    for table in (*SCOPED, *PEOPLE):
        if not _exists(connection, table):
            continue
        for name in ("cunwu_read", "cunwu_insert", "cunwu_update", "cunwu_delete"):
            connection.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON {table}")
        connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {groups}")
    connection.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {groups}")
    connection.exec_driver_sql(f"REVOKE ALL ON SCHEMA {schema} FROM {groups}")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS cunwu_township(), cunwu_villages(), cunwu_actor()")


def drop_groups(connection: Connection, database: str) -> None:
    """After DROP DATABASE: its group roles, which outlive it (roles are the server's, not the database's)."""
    for role in GROUPS:
        connection.exec_driver_sql(f"DROP ROLE IF EXISTS {quote(connection, f'{database}_{role}'[:63])}")
