"""The hostile corpus of issue 12, written at test time into a folder (no binaries in the repository).

What a county system, a careless copy-paste or a damaged USB stick produce: hidden sheets, two payout
sheets, merged groups, a far cell, zip bombs, NaN amounts, a 200,000-character CSV field, control and
bidi characters in names, Arabic-Indic digits, synonyms of one subsidy item, implausible amounts,
impossible dates, encrypted workbooks, and region codes that never existed or exist only since 2003.
Every person is synthetic (app.core.synthetic); the ID numbers are built with valid check characters.

`python -m tests.hostile_files DIR` writes the corpus to DIR for a look in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from app.core.payout_table import column_letter
from app.core.synthetic import SyntheticPerson, make_id_number, make_people
from tests.payout_files import HEADER, Line, grid, lines_for, write_csv, write_xlsx

# --- a small xlsx writer: raw XML, so that a test can say exactly what calamine will meet ----------


@dataclass(frozen=True)
class Raw:
    """A numeric cell written as it stands (NaN, INF, 1E+20): no Python float in between."""

    text: str


@dataclass
class SheetSpec:
    name: str
    rows: Sequence[Sequence[object]]
    state: str = "visible"  # or hidden, veryHidden
    merges: Sequence[str] = ()  # "D4:D7"
    extra_cells: str = ""  # raw <row> elements appended to sheetData (a far cell)


_column = column_letter


def _xml_text(value: str) -> str:
    # XML 1.0 cannot hold control characters even as references: Excel writes them as _xHHHH_.
    out = []
    for ch in value:
        code = ord(ch)
        out.append(f"_x{code:04X}_" if code < 0x20 and ch not in "\t\n\r" else ch)
    return escape("".join(out))


def _sheet_xml(spec: SheetSpec) -> bytes:
    rows = []
    for r, row in enumerate(spec.rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, Raw):
                cells.append(f'<c r="{ref}"><v>{value.text}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    merges = ""
    if spec.merges:
        merges = f'<mergeCells count="{len(spec.merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in spec.merges) + "</mergeCells>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(rows)}{spec.extra_cells}</sheetData>{merges}</worksheet>'
    ).encode()


def xlsx_bytes(sheets: Sequence[SheetSpec], part_sizes: dict[str, int] | None = None) -> bytes:
    workbook = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}" state="{s.state}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{workbook}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for index, spec in enumerate(sheets, 1):
            archive.writestr(f"xl/worksheets/sheet{index}.xml", _sheet_xml(spec))
    return buffer.getvalue()


def zip_bomb(inflated: int, declared: int | None = None) -> bytes:
    """A valid-looking xlsx plus one part of `inflated` zero bytes (about 1/1000 of it compressed);
    `declared` makes its headers lie about the size, as a crafted bomb does."""
    plain = xlsx_bytes([SheetSpec("发放明细", [["标题"]])])
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    pieces = [compressor.compress(chunk) for _ in range(inflated >> 20)]
    pieces.append(compressor.flush())
    body = b"".join(pieces)
    crc = 0
    for _ in range(inflated >> 20):
        crc = zlib.crc32(chunk, crc)
    size = inflated if declared is None else declared
    name = b"xl/media/padding.bin"
    source = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    central = []
    for info in source.infolist():
        raw = plain[info.header_offset :]
        header = struct.unpack_from("<4sHHHHHIIIHH", raw)
        length = 30 + header[9] + header[10] + info.compress_size
        central.append((out.tell(), info, raw[:length]))
        out.write(raw[:length])
    bomb_offset = out.tell()
    out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size, len(name), 0) + name + body)
    directory_start = out.tell()
    count = 0
    for offset, info, _ in central:
        filename = info.filename.encode()
        out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, info.CRC, info.compress_size,
                              info.file_size, len(filename), 0, 0, 0, 0, 0, offset) + filename)
        count += 1
    out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body), size, len(name),
                          0, 0, 0, 0, 0, bomb_offset) + name)
    count += 1
    directory_size = out.tell() - directory_start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, directory_size, directory_start, 0))
    return out.getvalue()


def encrypted_xls(rows: Sequence[Sequence[object]]) -> bytes:
    """An xls whose workbook globals carry a FILEPASS record (MS-XLS 2.4.117), as a password does.

    xlwt cannot encrypt; FILEPASS (RC4 CryptoAPI header) replaces its WRITEACCESS record, padded to
    the same length so that every sheet offset stays right. Only the marker matters to a reader: it
    must stop there, as Excel would ask for the password.
    """
    import xlwt
    from xlwt.CompoundDoc import XlsDoc

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("发放明细")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    stream = book.get_biff_data()
    offset = 0
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        if kind == 0x005C:  # WRITEACCESS, 112 bytes
            filepass = struct.pack("<HHH", 1, 2, 2) + bytes(length - 6 - 4 - 2)
            replacement = struct.pack("<HH", 0x002F, len(filepass)) + filepass + struct.pack("<HH", 0x00E2, 2) + b"\0\0"
            assert len(replacement) == length + 4
            stream = stream[:offset] + replacement + stream[offset + 4 + length :]
            break
        offset += 4 + length
    out = io.BytesIO()
    XlsDoc().save(out, stream)
    return out.getvalue()


def encrypted_xlsx(plain: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("123456", out)
    return out.getvalue()


# --- the corpus ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile file and what must become of it."""

    name: str  # file name in the corpus
    refused: bool
    says: tuple[str, ...] = ()  # each must appear in one refusal line (or warning, when imported)
    rows: int = 0  # imported rows
    groups: frozenset[str] = frozenset()  # the groups of the imported rows
    sheets: tuple[str, ...] = ()  # ImportRequest.sheets / --sheet
    warns: tuple[str, ...] = ()  # each must appear in one warning
    no_warning_with: tuple[str, ...] = ()  # no warning may contain these


@dataclass
class Corpus:
    folder: Path
    people: list[SyntheticPerson]
    cases: dict[str, Case] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.folder / name


def _lines(people: Sequence[SyntheticPerson], **kw: object) -> list[Line]:
    return lines_for(people, **kw)


def _rows(lines: Sequence[Line], **kw: object) -> list[list[object]]:
    from tests.payout_files import Layout

    return grid(lines, Layout(blank_after=None, **kw))


def _person_id(rng: random.Random, region: str, year: int) -> str:
    return make_id_number(rng, birth=dt.date(year, 6, 15), region=region)


def build(folder: Path) -> Corpus:
    """Write every file of the corpus into `folder`; return what each must become."""
    folder.mkdir(parents=True, exist_ok=True)
    people = make_people(60, seed=12)
    corpus = Corpus(folder, people)
    add: Callable[[Case, bytes], None] = lambda case, data: _add(corpus, case, data)

    # The wrong rows: hidden sheets, two payout sheets, merged groups.
    hidden_rows = _rows(_lines(people[0:3]))
    visible_rows = _rows(_lines(people[3:5], group="5组"))
    for state in ("hidden", "veryHidden"):
        add(
            Case(f"hidden_first_sheet_{state}.xlsx", refused=False, rows=2, groups=frozenset({"5组"}),
                 warns=("隐藏的工作表“旧表”没有读取",)),
            xlsx_bytes([SheetSpec("旧表", hidden_rows, state=state), SheetSpec("十月", visible_rows)]),
        )
    two = [SheetSpec("十月低保", _rows(_lines(people[5:8]))), SheetSpec("十月高龄", _rows(_lines(people[8:10], subsidy="高龄津贴")))]
    add(Case("two_payout_sheets.xlsx", refused=True, says=("2 个工作表都是发放明细", "“十月低保”", "“十月高龄”", "--sheet")),
        xlsx_bytes(two))
    corpus.cases["two_payout_sheets.xlsx#十月高龄"] = Case(
        "two_payout_sheets.xlsx", refused=False, rows=2, groups=frozenset({"3组"}), sheets=("十月高龄",))
    corpus.cases["two_payout_sheets.xlsx#*"] = Case(
        "two_payout_sheets.xlsx", refused=False, rows=5, groups=frozenset({"3组"}), sheets=("*",))
    merged = _rows(_lines(people[10:14], group="") + _lines(people[14:15], group="7组"))
    merged[3][3] = "2组"  # D4, merged over D4:D7: four people of 2组
    add(Case("merged_groups.xlsx", refused=False, rows=5, groups=frozenset({"2组", "7组"})),
        xlsx_bytes([SheetSpec("发放明细", merged, merges=("A1:K1", "D4:D7"))]))

    # Crashes and aborts: a far cell, sparse cells, zip bombs.
    base = _rows(_lines(people[15:17]))
    add(Case("far_cell.xlsx", refused=True, says=("XFD1048576", "200 列")),
        xlsx_bytes([SheetSpec("发放明细", base, extra_cells='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')]))
    add(Case("far_cell_within_columns.xlsx", refused=True, says=("K1048576", "请删除远离表格的单元格")),
        xlsx_bytes([SheetSpec("发放明细", base, extra_cells='<row r="1048576"><c r="K1048576"><v>1</v></c></row>')]))
    add(Case("zip_bomb.xlsx", refused=True, says=("解压后超过 512 MB",)), zip_bomb(600 << 20))
    add(Case("zip_bomb_lying_sizes.xlsx", refused=True, says=("已损坏", "解压后比记录的大")), zip_bomb(64 << 20, declared=1000))

    # Amounts: NaN, infinity, 1e20; too large; plausible only with a warning.
    lines = _lines(people[17:21])
    lines[0].amount, lines[1].amount, lines[2].amount = Raw("NaN"), Raw("INF"), Raw("1E+20")
    add(Case("nan_inf_1e20.xlsx", refused=True,
             says=("第 4 行，G 列（补贴金额(元)）：金额不是有效的数字", "第 5 行，G 列（补贴金额(元)）：金额不是有效的数字",
                   "第 6 行，G 列（补贴金额(元)）：金额 100,000,000,000,000,000,000.00 元超过单笔上限")),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))
    lines = _lines(people[21:24])
    lines[1].amount = "1000000000"
    add(Case("amount_one_billion.xlsx", refused=True, says=("第 5 行，G 列（补贴金额(元)）：金额 1,000,000,000.00 元超过单笔上限 1,000,000.00 元",)),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))
    lines = _lines(people[24:28])
    lines[1].amount, lines[3].amount = "60000", "1000000.00"
    add(Case("plausibility.xlsx", refused=False, rows=4, groups=frozenset({"3组"}),
             warns=("第 5 行，G 列（补贴金额(元)）：金额 60,000.00 元高于 50,000.00 元", "第 7 行，G 列（补贴金额(元)）：金额 1,000,000.00 元高于")),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))

    # Dates outside 2000-01-01 … a year after today.
    lines = _lines(people[28:31])
    lines[0].pay_date, lines[2].pay_date = "0001-01-01", "9999-12-31"
    add(Case("impossible_dates.xlsx", refused=True,
             says=("第 4 行，H 列（发放日期）：发放日期 0001-01-01 不在 2000-01-01 至", "第 6 行，H 列（发放日期）：发放日期 9999-12-31 不在")),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))

    # Invisible characters in names and groups, in an xlsx (_xHHHH_) and in a CSV (raw).
    lines = _lines(people[31:37])
    lines[0].name = people[31].name[0] + "\x1b[31m" + people[31].name[1:]
    lines[1].name = people[32].name + "\b\b"
    lines[2].name = people[33].name[0] + "\u202e" + people[33].name[1:]
    lines[3].name = people[34].name[0] + "\u200b" + people[34].name[1:]
    lines[4].name = people[35].name[0] + "\x00" + people[35].name[1:]
    lines[5].group = "3\u200d组"
    hidden_says = ("第 4 行，B 列（姓名）：第 2 个字符是看不见的终端转义字符（U+001B）",
                   f"第 5 行，B 列（姓名）：第 {len(people[32].name) + 1} 个字符是看不见的控制字符（U+0008）（共 2 处）",
                   "第 6 行，B 列（姓名）：第 2 个字符是看不见的文字方向控制符（U+202E）",
                   "第 7 行，B 列（姓名）：第 2 个字符是看不见的零宽字符（U+200B）",
                   "第 8 行，B 列（姓名）：第 2 个字符是看不见的空字符（U+0000）",
                   "第 9 行，D 列（所在村组）：第 2 个字符是看不见的零宽字符（U+200D）")
    add(Case("hidden_characters.xlsx", refused=True, says=hidden_says), xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))
    csv_lines = [line for index, line in enumerate(lines) if index != 4]  # NUL: its own CSV below
    add(Case("hidden_characters.csv", refused=True, says=hidden_says[:4]), _csv(_rows(csv_lines)))
    nul = _lines(people[37:39])
    nul[1].name = people[38].name[0] + "\x00" + people[38].name[1:]
    add(Case("nul_in_name.csv", refused=True, says=("第 5 行", "空字符（U+0000）")), _csv(_rows(nul)))

    # Arabic-Indic digits: the same person as his ASCII line, stored once with an ASCII number.
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    lines = _lines(people[39:41]) + _lines(people[39:40], subsidy="高龄津贴")
    lines[2].id_number = people[39].id_number.translate(arabic)
    add(Case("arabic_indic_digits.csv", refused=False, rows=3, groups=frozenset({"3组"})), _csv(_rows(lines)))
    lines = _lines(people[41:43]) + _lines(people[41:42])
    lines[2].id_number = people[41].id_number.translate(arabic)
    add(Case("arabic_indic_duplicate.csv", refused=True, says=("第 6 行", "与第 4 行重复")), _csv(_rows(lines)))

    # One item under two names: 最低生活保障金 and its alias 低保金, same person and month.
    lines = _lines(people[43:45]) + _lines(people[43:44], subsidy="低保金")
    add(Case("alias_duplicates.xlsx", refused=True, says=("第 6 行", "“最低生活保障金”与第 4 行重复", "“低保金”是“最低生活保障金”的别名")),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))

    # Free text longer than its column: a 200,000-character CSV field; a 600-character note.
    lines = _lines(people[45:47])
    lines[1].note = "很" * 200_000
    add(Case("csv_field_200k.csv", refused=True, says=("第 5 行，K 列（备注）", "200000 个字，超过 500 个字的上限")), _csv(_rows(lines)))
    lines = _lines(people[47:49])
    lines[0].note = "长" * 600
    lines[1].group = "组" * 51
    add(Case("text_too_long.xlsx", refused=True, says=("第 4 行，K 列（备注）", "600 个字，超过 500 个字", "第 5 行，D 列（所在村组）")),
        xlsx_bytes([SheetSpec("发放明细", _rows(lines))]))

    # Encrypted workbooks.
    plain = write_xlsx(folder / "_plain.xlsx", grid(_lines(people[49:51]))).read_bytes()
    (folder / "_plain.xlsx").unlink()
    add(Case("encrypted.xlsx", refused=True, says=("设有打开密码，请在 Excel 中去掉密码后另存再导入",)), encrypted_xlsx(plain))
    add(Case("encrypted.xls", refused=True, says=("设有打开密码，请在 Excel 中去掉密码后另存再导入",)),
        encrypted_xls(grid(_lines(people[49:51]))))

    # A far cell in an xls: IV65536 would make calamine allocate 16 million cells.
    add(Case("far_cell.xls", refused=True, says=("IV65536", "超过 200 列")), _far_xls(grid(_lines(people[51:53]))))

    # A DIMENSIONS record whose first row lies past its last: calamine subtracted without a check and
    # asked for a terabyte (found by the byte-change test below; it aborted the process).
    wrapped = bytearray(_xls(grid(_lines(people[51:53]))))
    at = wrapped.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes: first row, last row (u32)…
    wrapped[at + 4 : at + 8] = (0xB2).to_bytes(4, "little")
    add(Case("dimensions_wrapped.xls", refused=True, says=("已损坏",)), bytes(wrapped))

    # Region codes: 140124 was never issued (a warning naming it); 141102 离石区 exists since 2003 and
    # is fine for holders born in 1950 (domain.md: the code where the number was issued).
    rng = random.Random(2003)
    years = (1950, 1962, 1970, 1985, 1999, 2010)
    region_lines = [Line(people[53 + i].name, _person_id(rng, "141102", year), "560") for i, year in enumerate(years)]
    region_lines += [Line("郭" + "明" * (i + 1), _person_id(rng, "140124", year), "560") for i, year in enumerate(years[:3])]
    add(Case("regions.xlsx", refused=False, rows=9, groups=frozenset({"3组"}), warns=("地区码 140124",),
             no_warning_with=("141102",)),
        xlsx_bytes([SheetSpec("发放明细", _rows(region_lines))]))

    # Damaged: cut in half, or noise with the right first bytes.
    good = xlsx_bytes([SheetSpec("发放明细", _rows(_lines(people[0:2])))])
    add(Case("truncated.xlsx", refused=True, says=("已损坏",)), good[: len(good) // 2])
    xls_good = _xls(grid(_lines(people[0:2])))
    add(Case("truncated.xls", refused=True, says=("已损坏",)), xls_good[: len(xls_good) // 2])
    return corpus


def _add(corpus: Corpus, case: Case, data: bytes) -> None:
    corpus.path(case.name).write_bytes(data)
    corpus.cases[case.name] = case


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xls(rows: Sequence[Sequence[object]], far: bool = False) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("发放明细")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    if far:
        sheet.write(65535, 255, 1.5)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _far_xls(rows: Sequence[Sequence[object]]) -> bytes:
    return _xls(rows, far=True)


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path("hostile")
    corpus = build(folder)
    print(f"{len(corpus.cases)} cases in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))


__all__ = ["HEADER", "Case", "Corpus", "build", "write_csv"]
