"""Check each distinct cell of a column once, however many rows the column has.

A county file repeats most of its values (subsidy names, dates, groups, amounts) and lists a person
once per item they receive: the import's checks run once per distinct value and the rows share the
results. The memo is a plain dict that lives for one column of one file, so unlike a bounded cache
it never thrashes (a 300,000-row file has ~190,000 distinct ID numbers) and is gone with the column.

Cells are keyed by type as well as value where that matters: 1 == 1.0 == True and 0.0 == -0.0 in a
dict, yet a check may say different things about them ("1" is not "1.0" in a message).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Result = TypeVar("Result")


def check_each(cells: Sequence[object], check: Callable[[object], Result]) -> tuple[list[Result], list[Result]]:
    """(the result for each cell in order, the distinct results): check(cell) runs once per distinct
    cell, and must depend on the cell alone."""
    kinds = set(map(type, cells))
    if len(kinds) == 1 and float not in kinds:
        # One type (the common case): equal keys are the same value, the dict can be built in C.
        memo = {cell: check(cell) for cell in set(cells)}
        return list(map(memo.__getitem__, cells)), list(memo.values())
    if kinds == {float}:
        # Zero is checked cell by cell: 0.0 and -0.0 are one key but two texts.
        memo = {cell: check(cell) for cell in set(cells) if cell}
        results = [memo[cell] if cell else check(cell) for cell in cells]
        return results, list(memo.values()) + [result for cell, result in zip(cells, results, strict=True) if not cell]
    by_kind: dict[object, Result] = {}
    results = []
    for cell in cells:
        key = (cell.__class__, cell)
        if cell.__class__ is float and not cell:
            results.append(check(cell))
            continue
        try:
            results.append(by_kind[key])
        except KeyError:
            by_kind[key] = result = check(cell)
            results.append(result)
    zeros = [result for cell, result in zip(cells, results, strict=True) if cell.__class__ is float and not cell]
    return results, list(by_kind.values()) + zeros
