"""The ICU data library of the Linux bundle, cut down to what Qt asks ICU for (32 MB → 4.6 MB).

PySide6's Linux wheels ship ICU 73 with its whole data package: libicudata.so.73 exports one symbol,
icudt73_dat, an ICU "common data" package of 3,921 items (every locale's collation, calendars, currency,
unit and language names, transliterators, 190 legacy code pages, word-break dictionaries for Thai,
Khmer, Burmese and Chinese). Qt uses four ICU services only; the ICU functions libQt6Core imports
(`readelf --dyn-syms libQt6Core.so.6 | grep _73`) are:
  ucol_*    collation (QCollator; QFileDialog sorts file names with it)      → coll/ items
  ucal_*    time-zone display names and IDs (QTimeZone)                      → zone/ items, zoneinfo64 …
  ucnv_*    converters by name, for codecs Qt does not have itself           → cnvalias.icu, *.cnv
  u_strToUpper/Lower  locale case mapping (QLocale::toUpper): tables built into libicuuc, no data.
No break iterators, number or date formatting, transliteration, currency or language names: Qt has its
own CLDR tables for those. Traced with a data-less libicudata and the items as files (ICU_DATA, strace:
`stub` and `explode` below), the frozen self-test, the frozen window's start-up, the bulletin and
archive PDFs and the window tests load no ICU data at all; a probe of QFileDialog, QCollator, QTimeZone,
QLocale and QStringDecoder loads coll/ and zone/ items, root-level locale and supplemental items and
the GB18030 converter (TRACED_ITEMS).

Kept (keep_item): the root level, coll/ and zone/ (other trees are for services Qt never calls); of
their locale files those of root, Chinese and English (Cunwu's window is Chinese; QLocale("C") is
en_US_POSIX to ICU; any other locale falls back to root's collation and names, as ICU does for a
locale it has no data for); of the converters the Chinese ones (GB18030, GBK, GB2312, Big5). The
library is rebuilt from the one PyInstaller collects, with its soname and symbol, by binutils (as, ld),
which the Linux build needs anyway; `check` then compares Qt's answers with the full and the reduced
data (build.sh runs it on every Linux bundle).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

KEPT_TREES = ("", "coll", "zone")
KEPT_LANGUAGES = ("zh", "en")  # and root, which is not a language
# GB18030; GBK (windows-936, a delta on ibm-1386); GB2312 (EUC-CN); Big5 (windows-950 on ibm-1373).
KEPT_CONVERTERS = (
    "gb18030", "windows-936-2000", "ibm-1386_P100-2001", "ibm-1383_P110-1999", "windows-950-2000", "ibm-1373_P100-2002",
)
# What Qt was seen loading (module docstring): the reduced package must still have every one of them.
TRACED_ITEMS = (
    "cnvalias.icu", "gb18030.cnv", "coll/root.res", "coll/ucadata.icu", "coll/zh.res", "coll/zh_Hant.res",
    "coll/en.res", "zone/root.res", "zone/pool.res", "zone/zh.res", "zone/zh_Hans.res", "zone/zh_Hans_CN.res",
    "zone/en.res", "root.res", "pool.res", "zh.res", "zh_CN.res", "zh_Hans.res", "zh_Hans_CN.res", "en.res",
    "en_US.res", "en_US_POSIX.res", "keyTypeData.res", "likelySubtags.res", "metaZones.res",
    "supplementalData.res", "timezoneTypes.res", "zoneinfo64.res",
)
# A locale's own file: language, optional script, region and variant (zh_Hans_CN, en_US_POSIX); not
# root, pool, res_index or the supplemental data (likelySubtags, zoneinfo64, …), which every locale uses.
LOCALE_FILE = re.compile(r"(?P<language>[a-z]{2,3})(_[A-Z][a-z]{3})?(_([A-Z]{2}|\d{3}))?(_[A-Z0-9]+)?\.res")
SYMBOL = re.compile(r"icudt(?P<version>\d+)_dat")
LIBRARY = re.compile(r"libicudata\.so\.(?P<version>\d+)")
ELF64_LE = b"\x7fELF\x02\x01"
SHT_DYNSYM = 11


class IcuDataError(RuntimeError):
    """The ICU data is not what this module expects: the build must stop, not ship a broken bundle."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise IcuDataError(message)


def keep_item(name: str) -> bool:
    """Whether one item (its name inside the package, without the icudtNNl/ prefix) stays."""
    tree, _, base = name.rpartition("/")
    if tree not in KEPT_TREES:
        return False
    if base.endswith(".cnv"):
        return base[: -len(".cnv")] in KEPT_CONVERTERS
    locale = LOCALE_FILE.fullmatch(base)
    return locale is None or locale["language"] in KEPT_LANGUAGES


# --- the package inside the library ----------------------------------------------------------------


def read_symbol(library: Path) -> tuple[str, bytes]:
    """(name, bytes) of the icudtNN_dat object that a 64-bit little-endian ELF library exports."""
    data = library.read_bytes()
    _require(data.startswith(ELF64_LE), f"{library}: not a 64-bit little-endian ELF library")
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    # (name, type, flags, address, offset, size, link, info, align, entry size)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size) for i in range(count)]
    found = []
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != SHT_DYNSYM:
            continue
        strings = sections[link][4]
        for position in range(offset, offset + size, symbol_size):
            name_at, _, _, index, value, length = struct.unpack_from("<IBBHQQ", data, position)
            name = data[strings + name_at:data.index(b"\0", strings + name_at)].decode("ascii")
            if SYMBOL.fullmatch(name) and index:
                start = value - sections[index][3] + sections[index][4]
                found.append((name, data[start:start + length]))
    _require(len(found) == 1, f"{library}: expected one exported icudtNN_dat, found {len(found)}")
    return found[0]


def split_package(blob: bytes) -> tuple[bytes, dict[str, bytes]]:
    """(header, items by name) of an ICU common data package (little-endian, format CmnD 1)."""
    _require(len(blob) > 32, "ICU data: too short")
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    _require((magic1, magic2) == (0xDA, 0x27), "ICU data: bad magic number")
    _require(blob[8] == 0 and blob[9] == 0, "ICU data: not little-endian ASCII")
    _require(blob[12:16] == b"CmnD" and blob[16] == 1, f"ICU data: not a common data package ({blob[12:17]!r})")
    (count,) = struct.unpack_from("<I", blob, header_size)
    # Offsets (name, data) are from the table of contents, which follows the header.
    entries = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    _require(all(a[1] < b[1] for a, b in pairwise(entries)), "ICU data: items out of order")
    items: dict[str, bytes] = {}
    for i, (name_at, data_at) in enumerate(entries):
        start = header_size + name_at
        end = header_size + entries[i + 1][1] if i + 1 < count else len(blob)
        items[blob[start:blob.index(b"\0", start)].decode("ascii")] = blob[header_size + data_at:end]
    return blob[:header_size], items


def join_package(header: bytes, items: dict[str, bytes]) -> bytes:
    """The package of these items. ICU finds an item by binary search over the names, so they are
    sorted; each item starts on a 16-byte boundary. Laid out as ICU's own tools do, so that the full
    package comes out byte for byte as it went in (the tests check that)."""
    names = sorted(items)
    toc_size = 4 + 8 * len(names)
    name_area = b"".join(name.encode("ascii") + b"\0" for name in names)
    first_item = -(-(len(header) + toc_size + len(name_area)) // 16) * 16 - len(header)
    name_offsets, data_offsets, body = [], [], bytearray()
    position = toc_size
    for name in names:
        name_offsets.append(position)
        position += len(name) + 1
    for name in names:
        data_offsets.append(first_item + len(body))
        body += items[name] + b"\0" * (-len(items[name]) % 16)
    toc = struct.pack("<I", len(names)) + b"".join(struct.pack("<II", *pair) for pair in zip(name_offsets, data_offsets))
    padding = b"\xaa" * (first_item - toc_size - len(name_area))
    return header + toc + name_area + padding + bytes(body)


def link_library(blob: bytes, symbol: str, soname: str, out: Path) -> None:
    """A shared library that exports `symbol` (16-byte aligned, read-only) holding blob, as ICU's
    pkgdata makes libicudata."""
    with tempfile.TemporaryDirectory(prefix="icudata-") as tmp:
        folder = Path(tmp)
        (folder / "data.bin").write_bytes(blob)
        (folder / "data.s").write_text(
            f"\t.section .rodata\n\t.balign 16\n\t.globl {symbol}\n\t.type {symbol}, @object\n"
            f"\t.size {symbol}, {len(blob)}\n{symbol}:\n\t.incbin \"{folder / 'data.bin'}\"\n"
            "\t.section .note.GNU-stack,\"\",@progbits\n",
            encoding="ascii",
        )
        for command in (["as", "-o", "data.o", "data.s"], ["ld", "-shared", "-soname", soname, "-o", "lib.so", "data.o"]):
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
            _require(done.returncode == 0, f"{' '.join(command)} failed: {done.stderr.strip()}")
        shutil.copyfile(folder / "lib.so", out)


def reduce_library(source: Path, out: Path) -> tuple[int, int]:
    """Write the reduced copy of the ICU data library `source` to `out`; (items kept, items in all)."""
    version = LIBRARY.fullmatch(source.name)
    _require(version is not None, f"{source.name}: not an ICU data library (libicudata.so.NN)")
    symbol, blob = read_symbol(source)
    _require(SYMBOL.fullmatch(symbol)["version"] == version["version"], f"{source.name} exports {symbol}")
    header, items = split_package(blob)
    prefix = f"icudt{version['version']}l/"
    _require(all(name.startswith(prefix) for name in items), f"{source.name}: items outside {prefix}")
    kept = {name: data for name, data in items.items() if keep_item(name[len(prefix):])}
    missing = [item for item in TRACED_ITEMS if prefix + item not in kept]
    _require(not missing, f"{source.name}: items Qt loads are missing: {', '.join(missing)}")
    reduced = join_package(header, kept)
    link_library(reduced, symbol, source.name, out)
    # Read it back the way ICU will: the same symbol, the same items, byte for byte.
    again_symbol, again = read_symbol(out)
    _require(again_symbol == symbol and split_package(again)[1] == split_package(reduced)[1], f"{out}: wrong package")
    return len(kept), len(items)


def reduce_in_toc(binaries: Iterable[tuple], workdir: Path) -> list[tuple]:
    """A PyInstaller binaries TOC whose ICU data library is the reduced copy (built in workdir)."""
    binaries = list(binaries)
    found = [i for i, entry in enumerate(binaries) if LIBRARY.fullmatch(Path(entry[0]).name) and entry[2] == "BINARY"]
    _require(len(found) == 1, f"expected one ICU data library among the bundle's libraries, found {len(found)}")
    dest, source, kind = binaries[found[0]]
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / Path(dest).name
    kept, total = reduce_library(Path(source), out)
    print(f"ICU data: {kept} of {total} items, {Path(source).stat().st_size / 1e6:.1f} MB → "
          f"{out.stat().st_size / 1e6:.1f} MB ({dest})", file=sys.stderr)
    binaries[found[0]] = (dest, str(out), kind)
    return binaries


# --- checking a bundle: Qt's answers with the full and with the reduced data -----------------------

# Run by the build's Python, whose PySide6 is the one the bundle was made from: once as installed
# (the full data), once with only the bundle's libicudata put first on the library path.
PROBE = r"""
import functools, json, os, sys
from PySide6.QtCore import QCollator, QCoreApplication, QLocale, QStringDecoder, QTimeZone
app = QCoreApplication([])
maps = open("/proc/self/maps", encoding="utf-8").read()
out = {"icudata": sorted({line.split()[-1] for line in maps.splitlines() if "libicudata" in line})}
names = "张三 章三 长五 李四 王五 赵六 钱七 孙八 周九 吴十 郑一 冯二 陈三 褚四 卫五 蒋六 沈七 韩八 杨九 朱十 秦一 尤二 " \
        "许三 何四 吕五 施六 䶮 𬌗 a10 a9 B1 b2 Äpfel 1组 10组 2组 〇 一 二".split()
for name in ("zh_CN", "zh_TW", "zh_HK", "en_US", "C"):
    locale = QLocale(name)
    for numeric in (False, True):
        collator = QCollator(locale)
        collator.setNumericMode(numeric)
        out[f"collate {name} {numeric}"] = sorted(names, key=functools.cmp_to_key(collator.compare))
    out[f"case {name}"] = [locale.toUpper("istanbul straße ǆ"), locale.toLower("İSTANBUL ΣΑΣ ǅ")]
    for zone in (b"Asia/Shanghai", b"Asia/Urumqi", b"Asia/Hong_Kong", b"UTC", b"America/New_York"):
        tz = QTimeZone(zone)
        out[f"zone {name} {zone.decode()}"] = [
            tz.displayName(kind, style, locale)
            for kind in (QTimeZone.TimeType.StandardTime, QTimeZone.TimeType.DaylightTime, QTimeZone.TimeType.GenericTime)
            for style in (QTimeZone.NameType.LongName, QTimeZone.NameType.ShortName, QTimeZone.NameType.OffsetName)
        ]
for codec in ("GB18030", "GBK", "GB2312", "Big5", "CP936", "EUC-CN"):
    decoder = QStringDecoder(codec)
    out[f"codec {codec}"] = [decoder.isValid(), decoder.name()]
print(json.dumps(out, ensure_ascii=False))
"""


def _probe(library_path: str | None) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("LD_LIBRARY_PATH", None)
    if library_path:
        env["LD_LIBRARY_PATH"] = library_path
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False)
    _require(done.returncode == 0, f"the ICU probe failed: {done.stderr.strip()}")
    return json.loads(done.stdout.splitlines()[-1])


def check_bundle(bundle: Path) -> str:
    """Compare Qt's collation, case mapping, time-zone names and Chinese codecs with the full ICU data
    (this Python's PySide6) and with the bundle's reduced copy; raise on any difference."""
    libraries = sorted((bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*"))
    _require(len(libraries) == 1, f"{bundle}: expected one libicudata.so.NN, found {len(libraries)}")
    with tempfile.TemporaryDirectory(prefix="icudata-check-") as tmp:
        shutil.copyfile(libraries[0], Path(tmp) / libraries[0].name)
        full, reduced = _probe(None), _probe(tmp)
    _require(any(path.startswith(tmp) for path in reduced.pop("icudata")), "the probe did not load the bundle's ICU data")
    full.pop("icudata")
    differ = [key for key in full if full[key] != reduced.get(key)]
    _require(not differ, "Qt answers differently with the bundle's ICU data: "
             + "; ".join(f"{key}: {full[key]} ≠ {reduced.get(key)}" for key in differ[:5]))
    return f"ICU data: Qt gives the same {len(full)} answers with the bundle's {libraries[0].stat().st_size / 1e6:.1f} MB copy"


# --- tracing what Qt loads (when PySide6 is upgraded) -----------------------------------------------
#   python3 build/icu_data.py stub PySide6/Qt/lib/libicudata.so.73 /tmp/stub/libicudata.so.73
#   python3 build/icu_data.py explode PySide6/Qt/lib/libicudata.so.73 /tmp/icu
#   LD_LIBRARY_PATH=/tmp/stub ICU_DATA=/tmp/icu strace -f -e trace=openat -o trace python3 …
#   (or copy the stub into a bundle's _internal/PySide6/Qt/lib/); every item ICU reads is an openat
#   of /tmp/icu/icudtNNl/<item>.


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["check"] and len(argv) == 2:
            print(check_bundle(Path(argv[1])))
        elif argv[:1] == ["stub"] and len(argv) == 3:
            symbol, blob = read_symbol(Path(argv[1]))
            link_library(join_package(split_package(blob)[0], {}), symbol, Path(argv[1]).name, Path(argv[2]))
        elif argv[:1] == ["explode"] and len(argv) == 3:
            for name, data in split_package(read_symbol(Path(argv[1]))[1])[1].items():
                (Path(argv[2]) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(argv[2]) / name).write_bytes(data)
        else:
            print("usage: icu_data.py check BUNDLE | stub LIBRARY OUT | explode LIBRARY FOLDER", file=sys.stderr)
            return 2
    except IcuDataError as error:
        print(f"icu_data.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
