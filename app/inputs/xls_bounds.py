"""An .xls (or any OLE compound file) measured before python-calamine opens it.

The compound file (MS-CFB) is read just far enough to find its streams: an encrypted xlsx is an OLE
file with EncryptionInfo; an encrypted xls has a FILEPASS record in its Workbook stream (MS-XLS
2.4.117). The BIFF records of each sheet give its used range, as calamine will compute it (cells
with a value; BLANK and MULBLANK, mere formatting, are not cells to calamine), so that a far cell at
IV65536, which calamine turns into a 16-million-cell allocation, is refused first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from app.inputs.limits import Extent, column_name

ENCRYPTED = "设有打开密码，请在 Excel 中去掉密码后另存再导入"
DAMAGED = "已损坏或不是 Excel 文件，无法读取"

_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _SST, _DIMENSIONS = 0x0809, 0x000A, 0x002F, 0x0085, 0x00FC, 0x0200
# BIFF8's own limits. calamine sizes its buffers from DIMENSIONS and SST as the file states them: a
# flipped byte there asked for a terabyte and aborted the process; beyond these the file is damaged.
_BIFF8_ROWS, _BIFF8_COLUMNS = 65_536, 256
_SST_BYTES_PER_STRING = 3  # a string takes at least its length (2 bytes) and its flags (1)
# Records that are a cell with a value: FORMULA, NUMBER, LABEL, BOOLERR, RK, LABELSST, RSTRING.
_CELLS = frozenset({0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_MULRK = 0x00BD


class XlsRefused(ValueError):
    """Why the file is not read, in Chinese, without the file's name (the caller adds it)."""


@dataclass(frozen=True)
class XlsShape:
    extents: dict[str, Extent]
    visible: dict[str, bool]


def streams(data: bytes) -> dict[str, bytes]:
    """Top-level stream name → content of an OLE compound file; XlsRefused when it is damaged."""
    try:
        return _Compound(data).streams()
    except (struct.error, IndexError, ValueError, KeyError) as exc:
        raise XlsRefused(DAMAGED) from exc


def is_encrypted_ooxml(found: dict[str, bytes]) -> bool:
    return "EncryptionInfo" in found or "EncryptedPackage" in found


def measure(found: dict[str, bytes]) -> XlsShape:
    """Sheet extents and visibility from the Workbook stream; XlsRefused when encrypted or damaged."""
    book = found.get("Workbook") or found.get("Book")
    if book is None:
        raise XlsRefused(DAMAGED)
    try:
        return _measure(book)
    except XlsRefused:
        raise
    except (struct.error, IndexError, ValueError) as exc:
        raise XlsRefused(DAMAGED) from exc


def _records(book: bytes, offset: int):
    end = len(book)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", book, offset)
        yield kind, offset + 4, length
        offset += 4 + length


def _measure(book: bytes) -> XlsShape:
    sheets: list[tuple[str, int, bool]] = []
    for kind, start, length in _records(book, 0):
        if kind == _FILEPASS:
            raise XlsRefused(ENCRYPTED)
        if kind == _SST and length >= 8:
            total, unique = struct.unpack_from("<II", book, start)
            if max(total, unique) > len(book) // _SST_BYTES_PER_STRING:
                raise XlsRefused(DAMAGED)
        if kind == _BOUNDSHEET and length >= 8:
            position, state, sheet_type = struct.unpack_from("<IBB", book, start)
            if sheet_type == 0:  # a worksheet (not a chart, macro or VB module sheet)
                sheets.append((_sheet_name(book[start + 6 : start + length]), position, state == 0))
        elif kind == _EOF:
            break
    extents = {name: _sheet_extent(book, position) for name, position, _ in sheets}
    return XlsShape(extents=extents, visible={name: visible for name, _, visible in sheets})


def _sheet_name(raw: bytes) -> str:
    count, high = raw[0], raw[1] & 0x1
    text = raw[2 : 2 + count * (2 if high else 1)]
    return text.decode("utf-16-le" if high else "latin-1", errors="replace")


def _sheet_extent(book: bytes, position: int) -> Extent:
    rows = columns = cells = 0
    farthest, largest = "", 0
    for kind, start, length in _records(book, position):
        if kind == _EOF:
            break
        if kind == _DIMENSIONS and length >= 14:
            first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", book, start)
            # calamine subtracts first from last without a check: first > last wraps to 4 billion.
            if not (first_row <= last_row <= _BIFF8_ROWS and first_column <= last_column <= _BIFF8_COLUMNS):
                raise XlsRefused(DAMAGED)
            continue
        if kind in _CELLS and length >= 4:
            row, first = struct.unpack_from("<HH", book, start)
            last = first
        elif kind == _MULRK and length >= 6:
            row, first = struct.unpack_from("<HH", book, start)
            (last,) = struct.unpack_from("<H", book, start + length - 2)
        else:
            continue
        cells += max(1, last - first + 1)
        rows, columns = max(rows, row + 1), max(columns, last + 1)
        if (row + 1) * (last + 1) > largest:
            largest, farthest = (row + 1) * (last + 1), f"{column_name(last + 1)}{row + 1}"
    return Extent(rows=rows, columns=columns, cells=cells, farthest=farthest)


class _Compound:
    """Just enough of MS-CFB: the FAT, the mini FAT, and the root directory's streams."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(_MAGIC) or len(data) < 512:
            raise ValueError("not a compound file")
        self.data = data
        self.sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
        self.mini_size = 1 << struct.unpack_from("<H", data, 32)[0]
        if self.sector_size not in (512, 4096) or self.mini_size != 64:
            raise ValueError("bad sector size")
        fat_count, self.directory_start = struct.unpack_from("<II", data, 44)[0], struct.unpack_from("<I", data, 48)[0]
        self.cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<IIIII", data, 56)
        self.sectors = max(0, (len(data) - 512) // self.sector_size)
        difat = list(struct.unpack_from("<109I", data, 76))
        per_sector = self.sector_size // 4 - 1
        sector, seen = difat_start, 0
        while sector not in (_FREE, _END_OF_CHAIN) and seen < difat_count:
            entries = struct.unpack_from(f"<{per_sector + 1}I", self._sector(sector))
            difat.extend(entries[:per_sector])
            sector, seen = entries[per_sector], seen + 1
        fat_sectors = [s for s in difat[:fat_count] if s not in (_FREE, _END_OF_CHAIN)]
        self.fat: list[int] = []
        for index in fat_sectors:
            self.fat.extend(struct.unpack_from(f"<{self.sector_size // 4}I", self._sector(index)))
        mini_fat = self._chain_bytes(mini_fat_start) if mini_fat_start not in (_FREE, _END_OF_CHAIN) else b""
        self.mini_fat = list(struct.unpack_from(f"<{len(mini_fat) // 4}I", mini_fat))

    def _sector(self, index: int) -> bytes:
        if index >= self.sectors:
            raise ValueError("sector out of range")
        start = 512 + index * self.sector_size
        return self.data[start : start + self.sector_size]

    def _chain(self, start: int, table: list[int], limit: int) -> list[int]:
        chain: list[int] = []
        sector = start
        while sector not in (_FREE, _END_OF_CHAIN):
            if len(chain) > limit or sector >= len(table):
                raise ValueError("broken chain")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _chain_bytes(self, start: int) -> bytes:
        return b"".join(self._sector(index) for index in self._chain(start, self.fat, self.sectors))

    def streams(self) -> dict[str, bytes]:
        directory = self._chain_bytes(self.directory_start)
        entries = []
        for offset in range(0, len(directory) - 127, 128):
            name_length = struct.unpack_from("<H", directory, offset + 64)[0]
            name = directory[offset : offset + max(0, name_length - 2)].decode("utf-16-le", errors="replace")
            kind = directory[offset + 66]
            start, size = struct.unpack_from("<IQ", directory, offset + 116)
            entries.append((name, kind, start, size & 0xFFFFFFFF if self.sector_size == 512 else size))
        if not entries or entries[0][1] != 5:
            raise ValueError("no root entry")
        root_start, root_size = entries[0][2], entries[0][3]
        mini_stream = self._chain_bytes(root_start)[:root_size] if root_start != _END_OF_CHAIN else b""
        found: dict[str, bytes] = {}
        for name, kind, start, size in entries[1:]:
            if kind != 2 or name in found:
                continue
            if size < self.cutoff:
                chain = self._chain(start, self.mini_fat, len(self.mini_fat))
                content = b"".join(mini_stream[i * self.mini_size : (i + 1) * self.mini_size] for i in chain)
            else:
                content = self._chain_bytes(start)
            found[name] = content[:size]
        return found
