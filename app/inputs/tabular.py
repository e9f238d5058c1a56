"""Open a payout list file (xlsx, xls, CSV in UTF-8 or GB18030) as sheets of cell rows.

Every failure is a TabularFileError whose message names the file and says, in Chinese, what to do;
no library's own (English) text reaches it. Before python-calamine parses anything, the file is
measured (xlsx_bounds, xls_bounds) against limits.py, because calamine allocates the whole range up
to the farthest cell and aborts the process when it cannot. Only visible worksheets are read; merged
cells give their value to every cell they cover (a group merged over D3:D6 is four people's group).
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import python_calamine

from app.inputs import limits, xls_bounds, xlsx_bounds
from app.inputs.limits import Extent

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES
ENCRYPTED = xls_bounds.ENCRYPTED
# A physical CSV line with more separators than this cannot be a row of at most MAX_COLUMNS
# columns, even with every note quoting separators: refused before csv builds a huge row.
_CSV_SEPARATORS_PER_LINE = 20 * limits.MAX_COLUMNS


class TabularFileError(ValueError):
    """A file that cannot be read at all; the message is for the clerk (Chinese)."""


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]


@dataclass(frozen=True)
class TabularFile:
    path: Path
    sha256: str
    sheets: list[Sheet]  # the visible worksheets, in workbook order
    hidden_sheets: list[str] = field(default_factory=list)  # skipped: hidden or very hidden


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_tabular(path: Path) -> TabularFile:
    path = Path(path)
    label = f"文件“{path.name}”"
    data = _read_bytes(path, label)
    if not data.strip():
        raise TabularFileError(f"{label}是空的（0 字节或只有空白）")
    suffix = path.suffix.lower()
    hidden: list[str] = []
    if data.startswith(_OLE_MAGIC):
        sheets, hidden = _read_ole(data, label)
    elif suffix in CSV_SUFFIXES:
        sheets = [_read_csv(data, label)]
    elif suffix in EXCEL_SUFFIXES or data.startswith(_ZIP_MAGIC):
        sheets, hidden = _read_xlsx(data, label)
    else:
        raise TabularFileError(f"{label}不是支持的格式：请导入 .xlsx、.xls 或 .csv 文件")
    if not sheets and hidden:
        names = "、".join(f"“{name}”" for name in hidden)
        raise TabularFileError(f"{label}只有隐藏的工作表（{names}）：请在 Excel 中取消隐藏要导入的工作表后另存再导入")
    if not any(any(str(cell).strip() for cell in row) for sheet in sheets for row in sheet.rows):
        raise TabularFileError(f"{label}里没有任何内容")
    return TabularFile(path=path, sha256=file_sha256(data), sheets=sheets, hidden_sheets=hidden)


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            limit_mb = limits.MAX_FILE_BYTES // (1024 * 1024)
            raise TabularFileError(f"{label}有 {size / (1024 * 1024):,.0f} MB，超过 {limit_mb} MB 的上限")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TabularFileError(f"{label}不存在") from exc
    except IsADirectoryError as exc:
        raise TabularFileError(f"{label}是一个文件夹，不是文件") from exc
    except PermissionError as exc:
        raise TabularFileError(f"{label}没有读取权限，或正被其他程序（如 Excel）独占打开：请关闭后再试") from exc
    except OSError as exc:
        code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        raise TabularFileError(f"{label}读取失败（系统错误 {code}），请把文件复制到本机后再试") from exc


def _read_ole(data: bytes, label: str) -> tuple[list[Sheet], list[str]]:
    try:
        found = xls_bounds.streams(data)
        if xls_bounds.is_encrypted_ooxml(found):
            raise xls_bounds.XlsRefused(ENCRYPTED)
        shape = xls_bounds.measure(found)
    except xls_bounds.XlsRefused as exc:
        raise TabularFileError(f"{label}{exc}") from exc
    except Exception as exc:  # a damaged file our own reading did not foresee: still a sentence
        raise TabularFileError(f"{label}{xls_bounds.DAMAGED}") from exc
    # calamine reads every sheet of an xls when it opens the file, hidden ones included.
    for name, extent in shape.extents.items():
        too_large = limits.refusal(extent)
        if too_large:
            raise TabularFileError(f"{label}的工作表“{name}”{too_large}")
    return _read_workbook(data, label, shape.extents)


def _read_xlsx(data: bytes, label: str) -> tuple[list[Sheet], list[str]]:
    try:
        shape = xlsx_bounds.measure(data)
    except xlsx_bounds.XlsxRefused as exc:
        raise TabularFileError(f"{label}{exc}") from exc
    except Exception as exc:  # a damaged file our own reading did not foresee: still a sentence
        raise TabularFileError(f"{label}{xls_bounds.DAMAGED}") from exc
    return _read_workbook(data, label, shape.extents)


def _read_workbook(data: bytes, label: str, extents: dict[str, Extent]) -> tuple[list[Sheet], list[str]]:
    sheets: list[Sheet] = []
    hidden: list[str] = []
    try:
        workbook = python_calamine.load_workbook(io.BytesIO(data))
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                hidden.append(meta.name)
                continue
            extent = extents.get(meta.name) or _largest(extents)
            if extent is None:
                # Nothing was measured, yet calamine finds a sheet: never parse what was not measured.
                raise TabularFileError(f"{label}的工作表“{meta.name}”结构异常，无法读取：请在 Excel 中另存后再导入")
            too_large = limits.refusal(extent)
            if too_large:
                raise TabularFileError(f"{label}的工作表“{meta.name}”{too_large}")
            sheet = workbook.get_sheet_by_name(meta.name)
            # skip_empty_area=False keeps row i at Excel row i+1, so problems name the right row.
            rows = cast("list[list[object]]", sheet.to_python(skip_empty_area=False))
            _fill_merged(rows, sheet.merged_cell_ranges or [])
            sheets.append(Sheet(meta.name, rows))
    except TabularFileError:
        raise
    except python_calamine.PasswordError as exc:
        raise TabularFileError(f"{label}{ENCRYPTED}") from exc
    except (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError) as exc:
        raise TabularFileError(f"{label}已损坏或不是 Excel 文件，无法读取") from exc
    except Exception as exc:  # calamine raises plain errors for some broken records
        raise TabularFileError(f"{label}已损坏或不是 Excel 文件，无法读取") from exc
    except BaseException as exc:
        # A Rust panic inside calamine arrives as pyo3's PanicException, a BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        raise TabularFileError(f"{label}已损坏或不是 Excel 文件，无法读取") from exc
    if not sheets and not hidden:
        raise TabularFileError(f"{label}里没有工作表")
    return sheets, hidden


def _largest(extents: dict[str, Extent]) -> Extent | None:
    """For a sheet whose name the measurement spelled otherwise (an old codepage): if the largest
    measured sheet is within the limits, so is this one."""
    return max(extents.values(), key=lambda extent: extent.rows * extent.columns, default=None)


def _fill_merged(rows: list[list[object]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Every cell a merged range covers takes the value of its top-left cell, within the sheet's
    own rows and columns (a range reaching beyond them adds nothing: it would add rows of nothing
    but a group)."""
    height = len(rows)
    for (top, left), (bottom, right) in ranges:
        if top >= height or top < 0 or left < 0:
            continue
        value = rows[top][left] if left < len(rows[top]) else ""
        if value == "" or value is None:
            continue
        for index in range(top, min(bottom, height - 1) + 1):
            row = rows[index]
            for column in range(left, min(right, len(row) - 1) + 1):
                if row[column] == "" or row[column] is None:
                    row[column] = value


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularFileError(
        f"{label}的文字编码无法识别（既不是 UTF-8 也不是 GB18030）：请在 Excel 中另存为“CSV UTF-8”后再导入"
    )


def _read_csv(data: bytes, label: str) -> Sheet:
    text = decode_text(data, label)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    nul = text.find("\x00")
    if nul >= 0:  # csv cannot read past it ("line contains NUL"): say where it is instead
        raise TabularFileError(f"{label}第 {text.count(chr(10), 0, nul) + 1} 行含有看不见的空字符（U+0000），请删除后重新导入")
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count(delimiter) > _CSV_SEPARATORS_PER_LINE:
            raise TabularFileError(
                f"{label}第 {number} 行有 {line.count(delimiter):,} 个分隔符，超过 {limits.MAX_COLUMNS} 列的上限"
            )
    # A field may be as long as the file (a note pasted whole): the column's length decides later,
    # with its row and column, instead of csv's own "field larger than field limit" error.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= limits.MAX_ROWS:
                raise TabularFileError(f"{label}超过 {limits.MAX_ROWS:,} 行的上限")
            if len(row) > limits.MAX_COLUMNS:
                raise TabularFileError(f"{label}第 {len(rows) + 1} 行有 {len(row)} 列，超过 {limits.MAX_COLUMNS} 列的上限")
            rows.append(list(row))
    except csv.Error as exc:
        raise TabularFileError(
            f"{label}第 {len(rows) + 1} 行的引号或分隔符不完整，无法读取：请在 Excel 中另存为 CSV 后再导入"
        ) from exc
    return Sheet("CSV", rows)
