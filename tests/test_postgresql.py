"""The same migrations, services and outputs on PostgreSQL (DEVELOPERS.md: never SQLite-only SQL).

Runs when CUNWU_TEST_PG_URL names a PostgreSQL server where the role may create databases
(.ci/run starts one); skipped otherwise. Each test gets a database of its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from app.core.disclosure import policy_for
from app.outputs.listing import to_json
from app.outputs.masked_rows import mask_records
from app.services.importing import ImportRefused, ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, fetch_all, fetch_page, summarize
from app.services.payouts import PayoutInput, add_payout, delete_payout, update_payout
from app.services.setup import initialize
from app.services.subsidies import list_subsidies
from app.services.villages import add_village
from app.storage.engine import open_database
from tests.payout_files import grid, lines_for, write_xlsx
from tests.pg_server import NO_SERVER, SERVER, fresh_database

pytestmark = pytest.mark.skipif(not SERVER, reason=NO_SERVER)


@pytest.fixture
def pg():
    with fresh_database() as (_, url), open_database(url) as database:
        yield database


def test_migrations_agree_with_models_on_postgresql(pg):
    with pg.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_import_list_edit_on_postgresql(pg, people, tmp_path: Path):
    initialize(pg, "测试员", "青山镇")
    village = add_village(pg, "桃源村", "测试员")
    path = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:6], amount="560.5")))
    result = import_payouts(pg, ImportRequest(path=path, village="桃源村"), "测试员")
    assert result.summary == "导入 6 条，合计 3,363.00 元"
    with pytest.raises(ImportRefused):
        import_payouts(pg, ImportRequest(path=path, village="桃源村"), "测试员")

    with pg.reading() as session:
        records = fetch_all(session, LedgerFilter(village_id=village.id, period=dt.date(2026, 10, 1)))
        first_letter = records[0].name[0]
        page = fetch_page(session, LedgerFilter(text=first_letter), 0, 10, sort="amount", descending=True)
        assert summarize(session, LedgerFilter()) == (6, 6 * 56050)
    assert len(records) == 6 and all(r.pay_date == dt.date(2026, 10, 15) for r in records)
    assert page and all(first_letter in r.name for r in page)
    assert "********" in to_json(mask_records(records, policy_for("online")))

    dibao = next(s.id for s in list_subsidies(pg) if s.name == "高龄津贴")
    entry = PayoutInput(name=people[10].name, id_number=people[10].id_number, subsidy_type_id=dibao,
                        period=dt.date(2026, 10, 1), amount="100", group="1组")
    payout_id = add_payout(pg, village.id, entry, "测试员")
    update_payout(pg, payout_id, PayoutInput(**{**entry.__dict__, "amount": "120"}), "测试员")
    delete_payout(pg, payout_id, "测试员")
    with pg.reading() as session:
        assert summarize(session, LedgerFilter()) == (6, 6 * 56050)


def test_posting_and_filing_on_postgresql(pg, people, tmp_path: Path):
    """Issue 5 on the township's server: automatic filing, numbering and the index rows."""
    from app.services import archive
    from app.services.bulletin import publish
    from app.services.village_settings import update_village

    initialize(pg, "测试员", "青山镇")
    update_village(pg, add_village(pg, "桃源村", "测试员").id, "测试员", supervision_phone="0351-1234567")  # issue 14
    archive.configure(pg, "桃源村", "J012", "测试员", default_category="GK")
    path = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:3])))
    import_payouts(pg, ImportRequest(path=path, village="桃源村"), "测试员")
    publish(pg, "桃源村", dt.date(2026, 10, 1), dt.date(2026, 11, 1), "王文书", "测试员")
    manual = archive.add_piece(pg, "桃源村", "测试员", title="村民代表会议记录", doc_date=dt.date(2026, 11, 5),
                               retention="定期30年")
    archive.void_piece(pg, manual.id, "重复登记", "测试员")
    again = archive.add_piece(pg, "桃源村", "测试员", title="村民代表会议记录", doc_date=dt.date(2026, 11, 5),
                              retention="定期30年")
    _, fonds, rows = archive.index_rows(pg, "桃源村", 2026)
    assert fonds == "J012" and again.code == "J012-2026-D30-GK-0004"
    assert [row.code for row in rows] == ["J012-2026-D30-GK-0001", "J012-2026-D30-GK-0002", "J012-2026-D30-GK-0004"]
    labels = archive.box_labels(pg, "桃源村", 2026, "测试员")
    assert [(label.first, label.last, label.piece_count) for label in labels] == [("0001", "0004", 3)]
