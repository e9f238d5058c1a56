"""Bulk inserts at driver speed, still portable.

SQLAlchemy Core's executemany spends most of its time building a parameter dict per row. Here the
dialect compiles the INSERT once, each column's own bind processor (public TypeEngine API) converts
the values that need it (dates on SQLite, aware datetimes), and the rows go to the DB-API's
executemany as they are: the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    active = [(index, processor) for index, processor in enumerate(processors) if processor is not None]

    # Dates and the batch's timestamp repeat across rows: convert each distinct value once.
    caches: list[dict] = [{} for _ in active]

    def convert(row: Sequence) -> list:
        values = list(row)
        for (index, processor), cache in zip(active, caches):
            value = values[index]
            try:
                values[index] = cache[value]
            except KeyError:
                values[index] = cache[value] = processor(value)
        return values

    converted = [convert(row) for row in rows] if active else [list(row) for row in rows]
    if not converted:
        return 0
    if compiled.positional:
        order = [list(columns).index(name) for name in compiled.positiontup]
        parameters = [tuple(values[i] for i in order) for values in converted]
    else:
        parameters = [dict(zip(columns, values)) for values in converted]
    connection.exec_driver_sql(compiled.string, parameters)
    return len(parameters)
