"""The fonts' metrics, read once per font file and kept (app.outputs.fonts._RememberedFace): ~0.15 s
of pure Python per CJK font in every process that prints (issue 18: "fonts registered once"). What is
kept must make the same PDFs, and must never stand in for another file or a damaged cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.outputs import fonts

ROOT = Path(__file__).resolve().parents[1]

# A fresh process: a sheet's worth of text in both chains (the title's and the body's, rare name
# characters from the fallback face included), as ReportLab embeds it, invariant (no dates, no ids).
_DRAW = r"""
import sys
from reportlab.pdfgen.canvas import Canvas
from app.outputs import fonts
from app.outputs.pdf_text import draw
if len(sys.argv) > 2:  # ReportLab's own reading of the font file must not be needed
    from reportlab.pdfbase import ttfonts
    def refused(*args, **kwargs):
        raise AssertionError("read the font file again")
    ttfonts.TTFontFile.extractInfo = refused
canvas = Canvas(sys.argv[1], invariant=1)
body, title = fonts.chain("body"), fonts.chain("title")
draw(canvas, title, 18, 72, 760, "桃源村2026年10月惠民惠农补贴资金发放公开表")
lines = ["王秀英 140123********123X 1组 最低生活保障金 560.00", "𬌗 龑 堃 赟 燚 垚 旻 昇 喆", "公开时间：工作日 8:30—17:30"]
for i, line in enumerate(lines):
    draw(canvas, body, 10.5, 72, 700 - 20 * i, line)
canvas.save()
print(" ".join(face.name for face in body.faces), sum(len(face.glyphs) for face in body.faces))
"""


def _draw(pdf: Path, cache: Path, *flags: str) -> str:
    done = subprocess.run([sys.executable, "-c", _DRAW, str(pdf), *flags], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), fonts.CACHE_ENV: str(cache)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_second_process_reads_the_kept_metrics_and_makes_the_same_pdf(tmp_path):
    cache = tmp_path / "cache"
    first = _draw(tmp_path / "cold.pdf", cache)
    kept = list((cache / "font-metrics").glob("*.marshal"))
    assert len(kept) == 2  # the body's face and the title's (the bundled Song and Hei)
    again = _draw(tmp_path / "warm.pdf", cache, "without reading the fonts")
    assert again == first
    assert (tmp_path / "warm.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()


def test_a_damaged_cache_is_read_past_and_made_again(tmp_path):
    cache = tmp_path / "cache"
    first = _draw(tmp_path / "cold.pdf", cache)
    for kept in (cache / "font-metrics").glob("*.marshal"):
        kept.write_bytes(kept.read_bytes()[:1000])  # cut short, as by a full disk or a power cut
    assert _draw(tmp_path / "again.pdf", cache) == first
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()
    assert _draw(tmp_path / "warm.pdf", cache, "without reading the fonts") == first  # whole again


def test_a_changed_font_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.CACHE_ENV, str(tmp_path / "cache"))
    font = tmp_path / "face.ttc"
    shutil.copyfile(fonts.resource_path("fonts", "wqy-microhei.ttc"), font)
    key = fonts._cache_key(font, 1)
    fonts._write_cache(key, {"unitsPerEm": 1000})
    assert fonts._read_cache(key) == {"unitsPerEm": 1000}
    os.utime(font, ns=(1_000_000_000, 1_000_000_000))  # another file now, as far as anyone can tell
    assert fonts._cache_key(font, 1) != key and fonts._read_cache(fonts._cache_key(font, 1)) is None
    assert fonts._read_cache(None) is None


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(fonts.CACHE_ENV, str(blocker))
    key = fonts._cache_key(fonts.resource_path("fonts", "wqy-microhei.ttc"), 1)
    fonts._write_cache(key, {"unitsPerEm": 1000})  # no exception
    assert fonts._read_cache(key) is None
