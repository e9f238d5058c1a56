"""Bulk inserts at driver speed, still portable.

SQLAlchemy Core's executemany spends most of its time building a parameter dict per row. Here the
dialect compiles the INSERT once, the rows come in as columns (a list per column, or Every(value)
for a value all rows share), each column's own bind processor (public TypeEngine API) converts each
distinct value once (dates on SQLite, aware datetimes), and the rows are zipped straight into the
DB-API's executemany: the same code runs on SQLite and PostgreSQL (positional or named paramstyle).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import LargeBinary, Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError


@dataclass(frozen=True)
class Every:
    """One value for every row (the batch, the village, the import's timestamp)."""

    value: object


Column = Sequence[object] | Every


def bulk_insert(connection: Connection, table: Table, columns: Mapping[str, Column]) -> int:
    """Insert len(column) rows; every list in `columns` has one value per row. Returns the count."""
    lists = [values for values in columns.values() if not isinstance(values, Every)]
    count = len(lists[0]) if lists else 0
    if count == 0:
        return 0
    if any(len(values) != count for values in lists):
        raise ValueError("bulk_insert: columns of different lengths")
    dialect = connection.dialect
    names = list(columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    prepared: dict[str, Iterable[object]] = {}
    for name, values in columns.items():
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if isinstance(values, Every):
            prepared[name] = repeat(processor(values.value) if processor else values.value, count)
        elif processor is None or isinstance(table.c[name].type, LargeBinary):
            # Binary columns (the encrypted person fields, all distinct): the drivers take bytes as they
            # are, and a memoryview per value would cost memory for nothing.
            prepared[name] = values
        else:
            # Dates repeat down a column (a file pays in one month): convert each distinct value once.
            converted = {value: processor(value) for value in set(values)}
            prepared[name] = map(converted.__getitem__, values)
    parameters: list
    if compiled.positional:
        parameters = list(zip(*(prepared[name] for name in compiled.positiontup or ()), strict=False))
    else:
        parameters = [dict(zip(names, row, strict=True)) for row in zip(*prepared.values(), strict=False)]
    connection.exec_driver_sql(compiled.string, parameters)
    return count


# SQLite's default page cache is 2 MB; a 100,000-row import grows indexes (people's ID numbers and
# names, in random order) well past that, and every page pushed out is written to the WAL and read
# back. For the length of one bulk write the cache may hold 64 MB; PostgreSQL has its own buffers.
_BULK_CACHE_KIB = 64 * 1024


@contextmanager
def roomy_cache(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        try:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")
        except SQLAlchemyError:
            pass  # a connection that cannot take a pragma is failing already: its own error is the one to say

