"""build/icu_data.py: the Linux bundle's ICU data, cut from 32 MB to what Qt asks ICU for (issue 6).
The package format round-trips byte for byte, the selection keeps every item Qt was seen loading, and
Qt gives the same answers with the reduced library as with the whole."""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build"))

import icu_data  # noqa: E402

HAS_BINUTILS = sys.platform.startswith("linux") and all(shutil.which(tool) for tool in ("as", "ld"))


def _qt_icu_data() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


QT_ICU_DATA = _qt_icu_data()
needs_qt_icu = pytest.mark.skipif(QT_ICU_DATA is None or not HAS_BINUTILS, reason="PySide6's Linux ICU and binutils")


@pytest.mark.parametrize("item", [
    "coll/zh.res", "coll/zh_Hant_TW.res", "coll/root.res", "coll/ucadata.icu", "coll/res_index.res", "coll/en_US.res",
    "zone/zh_Hans_CN.res", "zone/pool.res", "root.res", "pool.res", "res_index.res", "zh_CN.res", "en_US_POSIX.res",
    "supplementalData.res", "likelySubtags.res", "zoneinfo64.res", "metaZones.res", "timezoneTypes.res",
    "cnvalias.icu", "gb18030.cnv", "windows-936-2000.cnv", "ibm-1386_P100-2001.cnv", "ibm-1373_P100-2002.cnv",
    "uprops.icu", "nfkc.nrm",
])
def test_what_qt_may_ask_for_stays(item):
    assert icu_data.keep_item(item)


@pytest.mark.parametrize("item", [
    "coll/de.res", "coll/ja.res", "zone/fr_CA.res", "de.res", "yue_Hant.res", "sr_Latn_BA.res",
    "brkitr/cjdict.dict", "brkitr/word.brk", "translit/root.res", "curr/zh.res", "lang/zh.res", "unit/en.res",
    "region/zh.res", "rbnf/zh.res", "ibm-37_P100-1995.cnv", "euc-jp-2007.cnv", "ibm-1375_P100-2008.cnv",
])
def test_what_qt_never_asks_for_goes(item):
    assert not icu_data.keep_item(item)


def _package(items: dict[str, bytes]) -> bytes:
    header = bytearray(32)
    struct.pack_into("<HBB", header, 0, len(header), 0xDA, 0x27)
    header[4:6] = struct.pack("<H", 20)
    header[10] = 2
    header[12:20] = b"CmnD\x01\x00\x00\x00"
    return icu_data.join_package(bytes(header), items)


def test_a_package_splits_into_the_items_it_was_joined_from():
    items = {"icudt73l/zh.res": b"z" * 16, "icudt73l/coll/root.res": b"r" * 32, "icudt73l/cnvalias.icu": b"a" * 48}
    blob = _package(items)
    header, again = icu_data.split_package(blob)
    assert again == items and list(again) == sorted(items)  # ICU looks names up by binary search
    assert icu_data.join_package(header, again) == blob


def test_what_is_not_icu_data_is_refused():
    with pytest.raises(icu_data.IcuDataError):
        icu_data.split_package(b"\x00" * 64)


@pytest.mark.skipif(not HAS_BINUTILS, reason="Linux with binutils only")
def test_the_linked_library_exports_the_package_under_its_symbol(tmp_path):
    blob = _package({"icudt73l/root.res": b"x" * 16})
    icu_data.link_library(blob, "icudt73_dat", "libicudata.so.73", tmp_path / "libicudata.so.73")
    assert icu_data.read_symbol(tmp_path / "libicudata.so.73") == ("icudt73_dat", blob)


@needs_qt_icu
def test_qts_package_round_trips_byte_for_byte():
    symbol, blob = icu_data.read_symbol(QT_ICU_DATA)
    header, items = icu_data.split_package(blob)
    assert symbol == f"icudt{QT_ICU_DATA.name.rsplit('.', 1)[1]}_dat" and len(items) > 3000
    assert icu_data.join_package(header, items) == blob


@needs_qt_icu
def test_qt_answers_the_same_with_the_reduced_library(tmp_path):
    """Collation (zh, zh_TW, en, C), case mapping, time-zone names and the Chinese codecs, compared by
    the build's own check: Qt with PySide6's whole ICU data and with the reduced copy."""
    lib = tmp_path / "cunwu" / "_internal" / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    kept, total = icu_data.reduce_library(QT_ICU_DATA, lib / QT_ICU_DATA.name)
    assert kept < total / 5 and (lib / QT_ICU_DATA.name).stat().st_size < 6_000_000
    assert "the same" in icu_data.check_bundle(tmp_path / "cunwu")


@needs_qt_icu
def test_the_check_fails_when_qt_lacks_data(tmp_path):
    lib = tmp_path / "cunwu" / "_internal" / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    symbol, blob = icu_data.read_symbol(QT_ICU_DATA)
    empty = icu_data.join_package(icu_data.split_package(blob)[0], {})
    icu_data.link_library(empty, symbol, QT_ICU_DATA.name, lib / QT_ICU_DATA.name)
    with pytest.raises(icu_data.IcuDataError, match="collate zh_CN"):
        icu_data.check_bundle(tmp_path / "cunwu")


def test_a_toc_without_icu_data_is_an_error(tmp_path):
    with pytest.raises(icu_data.IcuDataError, match="expected one ICU data library"):
        icu_data.reduce_in_toc([("libz.so.1", "/usr/lib/libz.so.1", "BINARY")], tmp_path)
