"""Rebuild county_codes.tsv from python-stdnum's table of administrative division codes.

python-stdnum (stdnum/cn/loc.dat) carries GB/T 2260 as the Chinese Wikipedia lists it: every code
issued since 1980, each name with the years it was in force ("[1983-1997]南城区"). Cunwu reads the
result as data (app/core/regions.py) and never calls stdnum's own lookup, which raises KeyError for a
code it holds without a county. Run when a new stdnum release brings a newer list:

    python resources/regions/make_county_codes.py > resources/regions/county_codes.tsv
"""

from __future__ import annotations

import re
import sys
from importlib import resources

_ENTRY = re.compile(r'^(?P<indent>\s*)(?P<code>[0-9]{2,4}) (?P<kind>province|county)="(?P<names>[^"]*)"')
_PERIOD = re.compile(r"^\[(?P<start>[0-9]*)-(?P<end>[0-9]*)\](?P<name>.*)$")


def county_codes(loc_dat: str) -> list[tuple[str, str, str, str]]:
    """(code, first year or "", last year or "", name) for every six-digit code and period."""
    rows: list[tuple[str, str, str, str]] = []
    province = ""
    for line in loc_dat.splitlines():
        match = _ENTRY.match(line)
        if not match:
            continue
        if match["kind"] == "province":
            province = match["code"]
            continue
        for part in match["names"].split(","):
            period = _PERIOD.match(part)
            start, end, name = (period["start"], period["end"], period["name"]) if period else ("", "", part)
            rows.append((province + match["code"], start, end, name))
    return rows


def main() -> None:
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    import stdnum

    out = sys.stdout
    out.write(f"# GB/T 2260 county-level codes since 1980, from python-stdnum {stdnum.__version__} (cn/loc.dat)\n")
    out.write("# code\tfirst year (empty: before 1980)\tlast year (empty: still in force)\tname\n")
    for row in county_codes(text):
        out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
