"""What Cunwu agrees to read (README, "Importing"): checked before any parser allocates anything.

A 2 KB xlsx with one cell at XFD1048576 makes python-calamine allocate the whole rectangle from A1
(512 GB, then the process aborts); a 3 MB zip bomb inflates to gigabytes. Excel's own limits bound
what a real file can hold; the sparse rule bounds what a tiny file can make us allocate.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ROWS = 1_048_576  # Excel's own row limit
MAX_COLUMNS = 200  # column GR; county lists have 10-20
MAX_INFLATED_BYTES = 512 * 1024 * 1024  # all parts of an xlsx, inflated
MAX_FILE_BYTES = 512 * 1024 * 1024  # any file on disk (CSV included)
MAX_ZIP_ENTRIES = 10_000
# The rectangle from A1 to the farthest cell is what gets allocated (about 40 bytes a cell). Up to
# DENSE_CELLS it is always fine; beyond, it may be at most SPARSE_FACTOR times the cells filled.
DENSE_CELLS = 1_000_000
SPARSE_FACTOR = 16
MAX_AREA = 25_000_000  # about 1 GB allocated: e.g. 1,000,000 rows × 25 columns


@dataclass(frozen=True)
class Extent:
    """A sheet's used range from A1: rows and columns to its farthest cell, and its filled cells."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    farthest: str = ""  # "XFD1048576": the cell that makes the range large


def column_name(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA, 16384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def area_budget(cells: int) -> int:
    """The largest used range (rows × columns) allowed for a sheet with this many filled cells."""
    return min(MAX_AREA, max(DENSE_CELLS, SPARSE_FACTOR * cells))


def refusal(extent: Extent) -> str | None:
    """Why a sheet of this extent is not read, in Chinese, or None."""
    where = f"（最远的单元格是 {extent.farthest}）" if extent.farthest else ""
    if extent.rows > MAX_ROWS:
        return f"有 {extent.rows:,} 行，超过 {MAX_ROWS:,} 行的上限{where}"
    if extent.columns > MAX_COLUMNS:
        return (
            f"用到了第 {extent.columns:,} 列，超过 {MAX_COLUMNS} 列（{column_name(MAX_COLUMNS)} 列）的上限{where}，"
            "请删除表格右边多余的单元格后另存再导入"
        )
    area = extent.rows * extent.columns
    if area > area_budget(extent.cells):
        return (
            f"只有 {extent.cells:,} 个单元格有内容，却分散在 {extent.rows:,} 行 × {extent.columns} 列的范围里{where}，"
            "请删除远离表格的单元格后另存再导入"
        )
    return None
