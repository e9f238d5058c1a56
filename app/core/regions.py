"""County-level administrative division codes (GB/T 2260), as data.

The first six digits of an ID number are the code of the county where the number was *issued*
(GB 11643-1999), in force at issue, not at birth: a county created in 2003 appears on the numbers of
people born in 1950 (domain.md, "Masking personal identifiers"). So the only question asked here is
whether a code was ever issued; when does not matter. The table (resources/regions/county_codes.tsv)
lists every code since 1980 with its years; make_county_codes.py beside it rebuilds it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from app.resources import resource_path

TABLE = ("regions", "county_codes.tsv")


@dataclass(frozen=True)
class Period:
    name: str
    first_year: int | None  # None: already in force when the table starts (1980)
    last_year: int | None  # None: still in force


def ever_issued(code: str) -> bool:
    """True when the six-digit code was a division code at any time since 1980."""
    table = _table()
    # An unreadable table (a damaged installation) must not turn every person into a warning.
    return table is None or code in table


def periods(code: str) -> tuple[Period, ...]:
    table = _table() or {}
    return table.get(code, ())


@functools.cache
def _table() -> dict[str, tuple[Period, ...]] | None:
    try:
        text = resource_path(*TABLE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found: dict[str, list[Period]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, first, last, name = line.split("\t", 3)
        found.setdefault(code, []).append(
            Period(name, int(first) if first else None, int(last) if last else None)
        )
    return {code: tuple(items) for code, items in found.items()}
