"""Evidence copies (photos and scans of what was posted), kept in one folder, named by their SHA-256.

Written so that nothing can make a copy land elsewhere, half-written or with other content:
- a fresh, unguessable temporary name created exclusively (O_CREAT|O_EXCL, and O_NOFOLLOW on
  POSIX) in the evidence folder: a symlink planted there under any name is never followed;
- the size measured while copying, so a file that grows while it is read still stops at the limit;
- the content decoded by a real decoder (Pillow for JPG and PNG, PDFium for PDF) from the copy that
  will be kept, not from the source, which could change in between: a renamed program is refused;
- fsynced, then renamed onto <sha256><suffix>. A copy already under that name is kept only while its
  own content still has that hash, so attaching an intact original again repairs a damaged copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from app.storage.disk_space import NotEnoughSpace, format_size, is_disk_full, require
from app.storage.private_files import create_temporary, make_private_dir, sync_folder

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".pdf": "PDF"}
_BLOCK = 1 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class EvidenceRefused(Exception):
    """The file is not kept; the message says why, in Chinese."""


@dataclass(frozen=True)
class KeptCopy:
    stored_name: str
    sha256: str
    size: int
    repaired: bool  # a damaged copy under the same name was replaced


def keep_copy(folder: Path, source: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> KeptCopy:
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise EvidenceRefused(f"文件“{source.name}”不是照片或扫描件：只接受 JPG、PNG 或 PDF")
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise EvidenceRefused(f"文件“{source.name}”无法读取") from exc
    if size > max_bytes:
        raise EvidenceRefused(_too_big(source, max_bytes))
    make_private_dir(folder)
    require("保存照片或扫描件", folder, size)
    temporary, descriptor = create_temporary(folder, ".incoming-")
    try:
        try:
            digest, size = _copy(source, descriptor, max_bytes)
        finally:
            os.close(descriptor)  # before decoding and renaming (Windows renames closed files only)
        problem = _undecodable(temporary, suffix)
        if problem:
            raise EvidenceRefused(f"文件“{source.name}”{problem}：只接受能正常打开的 JPG、PNG 照片或 PDF 扫描件")
        final = folder / f"{digest}{suffix}"
        repaired = final.exists() or final.is_symlink()
        if repaired and state_of(final, digest) == INTACT:
            return KeptCopy(final.name, digest, size, repaired=False)
        os.replace(temporary, final)  # replaces a link itself, never the file it points to
        sync_folder(folder)
        return KeptCopy(final.name, digest, size, repaired=repaired)
    except EvidenceRefused:
        raise
    except OSError as exc:
        if is_disk_full(exc):
            raise NotEnoughSpace("保存照片或扫描件", folder, size) from exc
        raise EvidenceRefused(f"照片或扫描件“{source.name}”没有保存：读取它或写入留痕文件夹时出错") from exc
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()  # gone already when it became the kept copy


def _too_big(source: Path, max_bytes: int) -> str:
    return (f"文件“{source.name}”太大：留痕的照片或扫描件最大 {format_size(max_bytes)}。"
            "请把照片缩小（例如用手机的“压缩”或“分享为较小尺寸”）后再附上")


def _copy(source: Path, descriptor: int, max_bytes: int) -> tuple[str, int]:
    """Copy into the open temporary file, hashing as it goes."""
    digest = hashlib.sha256()
    copied = 0
    with open(source, "rb") as reader:
        while block := reader.read(_BLOCK):
            copied += len(block)
            if copied > max_bytes:
                raise EvidenceRefused(_too_big(source, max_bytes))
            digest.update(block)
            view = memoryview(block)
            while view:
                view = view[os.write(descriptor, view):]
    os.fsync(descriptor)
    return digest.hexdigest(), copied


def _undecodable(path: Path, suffix: str) -> str | None:
    """None when a real decoder reads the whole file as the kind its name says; else what it is not."""
    kind = SUFFIXES[suffix]
    if kind == "PDF":
        return _pdf_problem(path)
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.format != kind:
                return f"的内容不是 {suffix[1:].upper()} 图片"
            image.verify()  # PNG: every chunk's checksum
        with Image.open(path) as image:
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))  # JPEG: decode at 1/8
            image.load()  # every byte of the compressed data, so a truncated or patched file fails here
    except Image.DecompressionBombError:
        return "的像素多得不像照片"
    except Exception:  # Pillow raises many kinds for a file that is not an image
        return "打不开，不是完好的图片（可能是改了扩展名的其他文件）"
    return None


def _pdf_problem(path: Path) -> str | None:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except Exception:  # PdfiumError for a damaged, encrypted or non-PDF file
        return "打不开，不是完好的 PDF（或设有密码）"
    try:
        if len(document) < 1:
            return "是一个没有页面的 PDF"
        document[0].close()
    except Exception:
        return "打不开，不是完好的 PDF"
    finally:
        document.close()
    return None


INTACT, CHANGED, MISSING = "完好", "已被改动", "文件缺失"


def state_of(path: Path, expected_sha256: str) -> str:
    """完好 only for a regular file (no link) whose content has the expected hash."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return MISSING
    if not stat.S_ISREG(status.st_mode):
        return CHANGED  # a link or anything else planted under the name
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except OSError:
        return CHANGED
    digest = hashlib.sha256()
    with os.fdopen(descriptor, "rb") as reader:
        while block := reader.read(_BLOCK):
            digest.update(block)
    return INTACT if digest.hexdigest() == expected_sha256 else CHANGED
