"""Fonts for printed sheets: TrueType faces embedded as subsets, with per-character fallback.

domain.md, "Printed forms": a font that lacks a rare name character (生僻字) prints a blank. Every
character is checked for a glyph before rendering; text is drawn in runs, each in the first face of
the chain that has the glyph. A character no face has raises MissingGlyph, so the caller can name
the person instead of printing a blank.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

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


def _register(spec: FaceSpec) -> Face | None:
    if not spec.path.is_file():
        return None
    with _lock:
        try:
            font = pdfmetrics.getFont(spec.name)
        except KeyError:
            try:
                font = TTFont(spec.name, str(spec.path), subfontIndex=spec.subfont)
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
