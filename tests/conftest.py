"""Shared fixtures: a fresh, migrated temporary database per test; synthetic people only."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The account's database keys (app.storage.keys, issue 17): in a folder of the test run's own, never the
# user's (set before anything opens a database; subprocesses inherit it). Tests that play another
# account point it elsewhere with monkeypatch.
import tempfile as _tempfile

os.environ["CUNWU_KEY_DIR"] = _tempfile.mkdtemp(prefix="cunwu-test-keys-")
# The fonts' metrics cache (app.outputs.fonts): the test run's own too.
os.environ["CUNWU_CACHE_DIR"] = _tempfile.mkdtemp(prefix="cunwu-test-cache-")

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest

from app.core.synthetic import SyntheticPerson, make_people
from app.services.setup import initialize
from app.services.village_settings import update_village
from app.services.villages import add_village
from app.storage.engine import Database, open_database

ACTOR = "测试员"
VILLAGE = "桃源村"
SUPERVISION_PHONE = "0351-1234567"
VILLAGE_CONTACTS = {"supervision_phone": SUPERVISION_PHONE, "contact_person": "王文书",
                    "board_place": "村委会大院公开栏", "board_hours": "工作日 8:30—17:30"}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "数据" / "cunwu.sqlite3"  # a Chinese folder name, as on many office PCs


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(db_path)
    initialize(database, ACTOR, "青山镇")
    village = add_village(database, VILLAGE, ACTOR, code="140123101201")
    # What every public sheet must carry (domain.md, "Printed forms"; items 3-4 for the poster's guide):
    # without it printing is refused (tests/test_village_settings.py).
    update_village(database, village.id, ACTOR, **VILLAGE_CONTACTS)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def people() -> list[SyntheticPerson]:
    return make_people(40, seed=11)


@pytest.fixture
def today() -> dt.date:
    return dt.date(2026, 11, 23)
