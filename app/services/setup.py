"""First start: seed the subsidy types (data from resources/seed) and the township."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.core.sheet_settings import DEFAULT_TOWNSHIP
from app.core.subsidy_types import load_seed
from app.resources import resource_path
from app.services import audit
from app.storage.engine import Database
from app.storage.models import AppSetting, SubsidyType, Township

SETTING_TOWNSHIP = "township_name"


def seed_subsidy_types(session: Session, actor: str) -> int:
    existing = {row.name for row in session.exec(select(SubsidyType))}
    added = 0
    for seed in load_seed(resource_path("seed", "subsidy_types.json")):
        if seed.name in existing:
            continue
        row = SubsidyType(
            name=seed.name,
            category=seed.category,
            rhythm=seed.rhythm.value,
            sensitive=seed.sensitive,
            basis=seed.basis,
            aliases="|".join(seed.aliases),
            issuer=seed.issuer,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, "seed", "subsidy_type", row.id, after={"name": row.name})
        added += 1
    return added


def ensure_township(session: Session, actor: str, name: str | None = None) -> Township:
    township = session.exec(select(Township).order_by(col(Township.id))).first()
    if township is None:
        township = Township(name=name or DEFAULT_TOWNSHIP)
        session.add(township)
        session.flush()
        session.add(AppSetting(key=SETTING_TOWNSHIP, value=township.name))
        audit.record(session, actor, "create", "township", township.id, after={"name": township.name})
    return township


def initialize(db: Database, actor: str, township_name: str | None = None) -> int:
    """Idempotent: returns how many subsidy types were added."""
    from app.services.catalog import ensure_standard  # both import setup's neighbours: imported here
    from app.services.exchange_keys import ensure_keys

    with db.transaction() as session:
        ensure_township(session, actor, township_name)
        ensure_keys(session, actor)  # the exchange key pair (issue 16), made once
        # The township's standard catalog, made by whoever initializes: on a township server a clerk may
        # not create it (row-level security), and their village's first catalog is copied from it.
        ensure_standard(session, actor)
        return seed_subsidy_types(session, actor)
