"""Fonts for printed sheets: TrueType faces embedded as subsets, with per-character fallback.

domain.md, "Printed forms": a font that lacks a rare name character (生僻字) prints a blank. Every
character is checked for a glyph before rendering; text is drawn in runs, each in the first face of
the chain that has the glyph. A character no face has raises MissingGlyph, so the caller can name
the person instead of printing a blank.
"""

from __future__ import annotations

import functools
import marshal
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from app.resources import resource_path

_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
_lock = threading.Lock()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, but with UTF-16 (surrogate pairs) above U+FFFF.

    ReportLab writes <2C317> for 𬌗: odd-length hex that readers reject, so a rare name character
    prints but cannot be searched or extracted. The PDF specification wants UTF-16BE: <D870DF17>.
    """
    text = _reportlab_cmap(fontname, subset)
    for code_point in {v for v in subset if v > 0xFFFF}:
        text = text.replace(f"<{code_point:04X}>", f"<{_utf16_big_endian(code_point)}>")
    return text


def _utf16_big_endian(code_point: int) -> str:
    return chr(code_point).encode("utf-16-be").hex().upper()


_reportlab_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class MissingGlyph(ValueError):
    def __init__(self, text: str, characters: str) -> None:
        super().__init__(f"字库中没有“{characters}”这个字（出现在“{text}”中），无法打印")
        self.text = text
        self.characters = characters

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # crosses to and from worker processes
        return (MissingGlyph, (self.text, self.characters))


@dataclass(frozen=True)
class FaceSpec:
    name: str  # the name registered with ReportLab
    path: Path
    subfont: int = 0


@dataclass(frozen=True)
class Face:
    name: str
    glyphs: frozenset[int]
    # The same as characters (with space and tab, drawn without a glyph): whether a whole string is
    # covered is then one C-level set test instead of a Python loop over its characters.
    characters: frozenset[str] = frozenset()

    def covers(self, char: str) -> bool:
        return ord(char) in self.glyphs or char in " \t"

    def covers_all(self, text: str) -> bool:
        return self.characters.issuperset(text) if self.characters else all(map(self.covers, text))


def _candidates(role: str) -> list[FaceSpec]:
    fonts = resource_path("fonts")
    bundled_body = FaceSpec("CunwuSong", fonts / "HanaMinA.ttf")
    bundled_title = FaceSpec("CunwuHei", fonts / "wqy-microhei.ttc")
    system_song = FaceSpec("SimSun", _WINDOWS_FONTS / "simsun.ttc")
    system_song_ext = FaceSpec("SimSunExtB", _WINDOWS_FONTS / "simsunb.ttf")
    system_hei = FaceSpec("SimHei", _WINDOWS_FONTS / "simhei.ttf")
    if role == "title":
        return [system_hei, bundled_title, system_song, bundled_body, system_song_ext]
    return [system_song, bundled_body, system_song_ext, bundled_title]


CACHE_ENV = "CUNWU_CACHE_DIR"
_CACHE_FORMAT = 1
# Set by extractInfo, not kept: the parser's position, and a function (made again from unitsPerEm).
_NOT_KEPT = frozenset({"_pos", "_pdfScale"})


def metrics_cache_dir() -> Path:
    """The user's cache folder (CUNWU_CACHE_DIR for tests): rebuilt by itself when deleted."""
    folder = os.environ.get(CACHE_ENV, "").strip()
    if folder:
        return Path(folder) / "font-metrics"
    import platformdirs

    return Path(platformdirs.user_cache_dir("Cunwu", appauthor=False)) / "font-metrics"


class _RememberedFace(ttfonts.TTFontFace):
    """ReportLab's face, with what `extractInfo` reads from the font file (its character map and
    widths: ~0.15 s of pure Python for a CJK font, in every process that prints) kept in the user's
    cache folder and read back from there the next time, for the same file (path, size, modification
    time), subfont and ReportLab version. What is kept is exactly what extractInfo set: the face, and
    the PDFs made with it, are the same (tests/test_font_cache.py)."""

    def extractInfo(self, charInfo: int = 1) -> None:  # noqa: N802 - ReportLab's name
        key = _cache_key(self.filename, charInfo)
        remembered = _read_cache(key)
        if remembered is not None:
            for name, value in remembered.items():
                setattr(self, name, ttfonts.TTFNameBytes(value[1]) if _is_name(value) else value)
            units = self.unitsPerEm
            self._pdfScale = (lambda x: x) if units == 1000 else (lambda x, m=1000 / units: x * m)
            return
        before = dict(self.__dict__)
        super().extractInfo(charInfo)
        found = {name: (("ttfname", bytes(value)) if isinstance(value, ttfonts.TTFNameBytes) else value)
                 for name, value in self.__dict__.items()
                 if name not in _NOT_KEPT and (name not in before or before[name] is not value)}
        _write_cache(key, found)


def _is_name(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and value[0] == "ttfname"


def _cache_key(filename: object, char_info: int) -> tuple | None:
    try:
        status = os.stat(str(filename))
    except (OSError, TypeError, ValueError):
        return None
    return (_CACHE_FORMAT, reportlab.Version, os.path.abspath(str(filename)), status.st_size, status.st_mtime_ns,
            _subfont_now.index, char_info)


class _SubfontNow(threading.local):
    index = 0


_subfont_now = _SubfontNow()  # extractInfo is not told which subfont of a .ttc it reads


def _cache_file(key: tuple) -> Path:
    import hashlib

    return metrics_cache_dir() / (hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32] + ".marshal")


def _read_cache(key: tuple | None) -> dict | None:
    if key is None:
        return None
    try:
        stored = marshal.loads(_cache_file(key).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or a damaged file: read the font
        return None
    if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], dict)):
        return None
    return stored[1]


def _write_cache(key: tuple | None, found: dict) -> None:
    """Best effort: a folder that cannot be written only means reading the font again next time."""
    if key is None:
        return
    try:
        data = marshal.dumps((key, found))
        target = _cache_file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        part.write_bytes(data)
        os.replace(part, target)
    except (OSError, ValueError, TypeError):
        pass


def _read_font(spec: FaceSpec) -> TTFont:
    """ReportLab's TTFont, its face made by _RememberedFace (TTFont makes its face through the module's
    name TTFontFace: swapped for the call, under the registration lock)."""
    _subfont_now.index = spec.subfont
    ttfonts.TTFontFace = _RememberedFace
    try:
        return TTFont(spec.name, str(spec.path), subfontIndex=spec.subfont)
    finally:
        ttfonts.TTFontFace = _REPORTLAB_FACE


_REPORTLAB_FACE = ttfonts.TTFontFace


def _register(spec: FaceSpec) -> Face | None:
    if not spec.path.is_file():
        return None
    with _lock:
        # Not getFont's KeyError: before raising it, ReportLab looks for a Type 1 font of that name by
        # parsing its AFM files (80 ms in every process that prints).
        if spec.name in pdfmetrics.getRegisteredFontNames():
            font = pdfmetrics.getFont(spec.name)
        else:
            try:
                font = _read_font(spec)
            except Exception:  # a damaged or CFF-only font file: skip it, the chain goes on
                return None
            pdfmetrics.registerFont(font)
    glyphs = frozenset(font.face.charToGlyph)
    return Face(spec.name, glyphs, frozenset(map(chr, glyphs)) | {" ", "\t"})


_MEMO_LIMIT = 200_000  # strings remembered per chain (a sheet repeats dates, groups, amounts)


@dataclass(frozen=True)
class FontChain:
    faces: tuple[Face, ...]
    # A printed sheet asks for the runs and widths of the same strings many times over (measured for
    # column widths, wrapped, drawn): each is worked out once. Not part of the chain's identity.
    _runs: dict[str, list[tuple[str, str]]] = field(default_factory=dict, compare=False, repr=False)
    _widths: dict[tuple[str, float], float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary(self) -> str:
        return self.faces[0].name

    def missing(self, text: str) -> str:
        if self.faces[0].covers_all(text):
            return ""
        return "".join(sorted({c for c in text if not any(face.covers(c) for face in self.faces)}))

    def check(self, text: str) -> None:
        absent = self.missing(text)
        if absent:
            raise MissingGlyph(text, absent)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """[(face name, substring)], each substring drawable in its face."""
        known = self._runs.get(text)
        if known is None:
            known = self._split(text)
            if len(self._runs) >= _MEMO_LIMIT:
                self._runs.clear()
            self._runs[text] = known
        return known

    def _split(self, text: str) -> list[tuple[str, str]]:
        first = self.faces[0]
        if first.covers_all(text):
            return [(first.name, text)]
        runs: list[tuple[str, str]] = []
        for char in text:
            face = next((f for f in self.faces if f.covers(char)), None)
            if face is None:
                raise MissingGlyph(text, char)
            if runs and runs[-1][0] == face.name:
                runs[-1] = (face.name, runs[-1][1] + char)
            else:
                runs.append((face.name, char))
        return runs

    def width(self, text: str, size: float) -> float:
        key = (text, size)
        known = self._widths.get(key)
        if known is None:
            known = sum(pdfmetrics.stringWidth(part, face, size) for face, part in self.runs(text))
            if len(self._widths) >= _MEMO_LIMIT:
                self._widths.clear()
            self._widths[key] = known
        return known


@functools.lru_cache(maxsize=4)
def chain(role: str = "body") -> FontChain:
    faces = tuple(face for face in map(_register, _candidates(role)) if face is not None)
    if not faces:
        raise FileNotFoundError("找不到可用的中文字体（程序自带的 resources/fonts 文件夹缺失）")
    return FontChain(faces)
