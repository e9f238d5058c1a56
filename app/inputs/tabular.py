"""Open a payout list file (xlsx, xls, CSV in UTF-8 or GB18030) as sheets of cell rows.

Every failure is a TabularFileError whose message names the file and says, in Chinese, what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import python_calamine

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted xlsx is an OLE container holding these streams (MS-OFFCRYPTO).
_ENCRYPTION_MARKER = "EncryptionInfo".encode("utf-16-le")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES


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
    sheets: list[Sheet]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_tabular(path: Path) -> TabularFile:
    path = Path(path)
    label = f"文件“{path.name}”"
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TabularFileError(f"{label}不存在") from exc
    except OSError as exc:
        raise TabularFileError(f"{label}打不开：{exc.strerror or exc}") from exc
    if not data.strip():
        raise TabularFileError(f"{label}是空的（0 字节或只有空白）")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        sheets = [_read_csv(data, label)]
    elif suffix in EXCEL_SUFFIXES or data.startswith((_OLE_MAGIC, _ZIP_MAGIC)):
        sheets = _read_excel(data, label)
    else:
        raise TabularFileError(f"{label}不是支持的格式：请导入 .xlsx、.xls 或 .csv 文件")
    if not any(any(str(cell).strip() for cell in row) for sheet in sheets for row in sheet.rows):
        raise TabularFileError(f"{label}里没有任何内容")
    return TabularFile(path=path, sha256=file_sha256(data), sheets=sheets)


def _read_excel(data: bytes, label: str) -> list[Sheet]:
    if data.startswith(_OLE_MAGIC) and _ENCRYPTION_MARKER in data[:1 << 20]:
        raise TabularFileError(f"{label}设有打开密码：请在 Excel 中取消密码并另存后再导入")
    try:
        workbook = python_calamine.load_workbook(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # skip_empty_area=False keeps row i at Excel row i+1, so problems name the right row.
            sheets.append(Sheet(meta.name, sheet.to_python(skip_empty_area=False)))
    except python_calamine.PasswordError as exc:
        raise TabularFileError(f"{label}设有打开密码：请在 Excel 中取消密码并另存后再导入") from exc
    except (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError) as exc:
        raise TabularFileError(f"{label}已损坏或不是 Excel 文件，无法读取（{exc}）") from exc
    except Exception as exc:  # calamine raises plain errors for some broken BIFF records
        raise TabularFileError(f"{label}已损坏或不是 Excel 文件，无法读取（{exc}）") from exc
    if not sheets:
        raise TabularFileError(f"{label}里没有工作表")
    return sheets


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
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return Sheet("CSV", rows)
