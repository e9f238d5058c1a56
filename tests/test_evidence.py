"""Evidence files (issue 13): written only inside the evidence folder, whatever is planted there; a size
limit; content read by a real decoder; `archive check` trusts neither the row nor the file name alone;
attaching an intact original again repairs a damaged copy."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from app.cli.main import main
from app.services import archive
from app.services.errors import ServiceError
from app.storage import evidence_files
from app.storage.models import AppSetting, Evidence
from tests import evidence_samples
from tests.conftest import ACTOR, VILLAGE


@pytest.fixture
def piece(db):
    return archive.add_piece(db, VILLAGE, ACTOR, title="公开栏照片", doc_date=dt.date(2026, 11, 2), retention="D10")


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "公开栏.jpg"
    path.write_bytes(evidence_samples.jpeg(seed=3))
    return path


def evidence_folder(db) -> Path:
    return db.path.parent / "evidence"


def test_links_planted_in_the_evidence_folder_are_never_written_through(db, piece, photo, tmp_path):
    """Links at the old fixed temporary name and at the final name, pointing outside: neither is
    followed; the copy is a regular file inside the folder and the outside files are untouched."""
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    folder = evidence_folder(db)
    folder.mkdir()
    outside = tmp_path / "别人的文件"
    outside.mkdir()
    victims = {name: outside / name for name in ("part", "final")}
    for victim in victims.values():
        victim.write_bytes(b"precious")
    (folder / f"{digest}.jpg.part").symlink_to(victims["part"])
    (folder / f"{digest}.jpg").symlink_to(victims["final"])
    assert archive.attach_evidence(db, piece.id, photo, ACTOR) == digest
    kept = folder / f"{digest}.jpg"
    assert not kept.is_symlink() and kept.read_bytes() == photo.read_bytes()
    assert all(victim.read_bytes() == b"precious" for victim in victims.values())
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["完好"]


def test_the_temporary_name_is_created_exclusively(tmp_path, photo, monkeypatch):
    """Even a link planted under the very name chosen for the temporary copy is not followed."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"precious")
    names = iter(["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"])
    monkeypatch.setattr("app.storage.private_files.secrets.token_hex", lambda n: next(names))
    (folder / ".incoming-aaaaaaaaaaaaaaaa.part").symlink_to(outside)
    kept = evidence_files.keep_copy(folder, photo)
    assert outside.read_bytes() == b"precious"
    assert (folder / kept.stored_name).read_bytes() == photo.read_bytes()


def test_a_file_over_the_limit_is_refused_and_the_limit_is_stated(db, piece, tmp_path):
    big = tmp_path / "大照片.png"
    big.write_bytes(evidence_samples.png())
    with open(big, "ab") as handle:  # grown past 50 MB without writing 50 MB
        handle.truncate(50 * 1024 * 1024 + 1)
    with pytest.raises(ServiceError, match=r"太大：留痕的照片或扫描件最大 50\.0 MB"):
        archive.attach_evidence(db, piece.id, big, ACTOR)
    assert not evidence_folder(db).exists() or list(evidence_folder(db).iterdir()) == []


def test_a_township_may_set_its_own_limit(db, piece, tmp_path):
    with db.transaction() as session:
        session.add(AppSetting(key=archive.SETTING_EVIDENCE_MAX_MB, value="1"))
    photo = tmp_path / "照片.png"
    photo.write_bytes(evidence_samples.noisy_png(700, 600))  # about 1.2 MB
    with pytest.raises(ServiceError, match=r"最大 1\.0 MB"):
        archive.attach_evidence(db, piece.id, photo, ACTOR)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs a file whose size lies (Linux /proc)")
def test_a_file_larger_than_it_said_stops_at_the_limit(tmp_path):
    """The limit is counted while copying, not only measured before: /proc files say 0 bytes."""
    source = tmp_path / "长大.jpg"
    source.symlink_to("/proc/self/maps")
    with pytest.raises(evidence_files.EvidenceRefused, match="太大"):
        evidence_files.keep_copy(tmp_path / "evidence", source, max_bytes=100)
    assert list((tmp_path / "evidence").iterdir()) == []


@pytest.mark.parametrize("name, content, reason", [
    ("照片.jpg", "program", "不是完好的图片"),
    ("照片.jpg", "program-with-jpeg-magic", "不是完好的图片"),
    ("照片.png", "jpeg", "内容不是 PNG 图片"),
    ("照片.jpg", "truncated-jpeg", "不是完好的图片"),
    ("扫描件.pdf", "program-with-pdf-magic", "不是完好的 PDF"),
    ("扫描件.pdf", "truncated-pdf", "不是完好的 PDF"),
    ("照片.exe", "jpeg", "只接受 JPG、PNG 或 PDF"),
])
def test_content_is_read_by_a_real_decoder(db, piece, tmp_path, name, content, reason):
    program = Path(sys.executable).read_bytes()[:200_000]  # a real program, renamed
    contents = {
        "program": program,
        "program-with-jpeg-magic": b"\xff\xd8\xff\xe0" + program,
        "program-with-pdf-magic": b"%PDF-1.4\n" + program,
        "jpeg": evidence_samples.jpeg(),
        "truncated-jpeg": evidence_samples.jpeg(size=(400, 300))[:-400],
        "truncated-pdf": evidence_samples.pdf()[:200],
    }
    path = tmp_path / name
    path.write_bytes(contents[content])
    with pytest.raises(ServiceError, match=reason):
        archive.attach_evidence(db, piece.id, path, ACTOR)
    assert archive.check_evidence(db, piece.id) == []
    assert not evidence_folder(db).exists() or list(evidence_folder(db).iterdir()) == []


@pytest.mark.parametrize("kind", ["jpg", "png", "pdf"])
def test_real_photos_and_scans_are_kept(db, piece, tmp_path, kind):
    path = tmp_path / f"留痕.{kind}"
    path.write_bytes({"jpg": evidence_samples.jpeg, "png": evidence_samples.png, "pdf": evidence_samples.pdf}[kind]())
    digest = archive.attach_evidence(db, piece.id, path, ACTOR)
    assert (evidence_folder(db) / f"{digest}.{kind}").read_bytes() == path.read_bytes()
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["完好"]


def test_forging_the_copy_and_its_row_together_is_still_detected(db, piece, photo, tmp_path):
    digest = archive.attach_evidence(db, piece.id, photo, ACTOR)
    kept = evidence_folder(db) / f"{digest}.jpg"
    forged = evidence_samples.jpeg(seed=99)
    kept.write_bytes(forged)
    with db.transaction() as session:  # whoever changed the file changes the row's hash too
        session.execute(update(Evidence).values(sha256=hashlib.sha256(forged).hexdigest()))
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["已被改动"]  # the name disagrees
    renamed = evidence_folder(db) / f"{hashlib.sha256(forged).hexdigest()}.jpg"
    kept.rename(renamed)
    with db.transaction() as session:  # ...and the name as well: the hash logged at attaching disagrees
        session.execute(update(Evidence).values(stored_name=renamed.name))
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["已被改动"]
    assert main(["--db", str(db.path), "archive", "check", str(piece.id)]) == 1


def test_a_link_in_place_of_the_copy_is_not_intact(db, piece, photo, tmp_path):
    digest = archive.attach_evidence(db, piece.id, photo, ACTOR)
    kept = evidence_folder(db) / f"{digest}.jpg"
    elsewhere = tmp_path / "同样内容.jpg"
    shutil.copyfile(kept, elsewhere)
    kept.unlink()
    kept.symlink_to(elsewhere)  # same content, but no longer the kept copy
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["已被改动"]


def test_attaching_the_intact_original_again_repairs_a_damaged_copy(db, piece, photo):
    digest = archive.attach_evidence(db, piece.id, photo, ACTOR)
    kept = evidence_folder(db) / f"{digest}.jpg"
    kept.write_bytes(evidence_samples.jpeg(seed=50))
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["已被改动"]
    archive.attach_evidence(db, piece.id, photo, ACTOR)
    assert kept.read_bytes() == photo.read_bytes()
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["完好"]  # one row, repaired
    kept.unlink()
    archive.attach_evidence(db, piece.id, photo, ACTOR)  # a lost copy comes back the same way
    assert [c.state for c in archive.check_evidence(db, piece.id)] == ["完好"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_evidence_is_private(db, piece, photo):
    digest = archive.attach_evidence(db, piece.id, photo, ACTOR)
    assert (evidence_folder(db) / f"{digest}.jpg").stat().st_mode & 0o777 == 0o600
    assert evidence_folder(db).stat().st_mode & 0o777 == 0o700
