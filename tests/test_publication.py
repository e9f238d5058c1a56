"""Posting a sheet locks its month; changes after that are corrections listed on the next sheet;
re-printing a posted sheet prints the same content (issue 3, "Posting and locking")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli.main import main
from app.core.periods import parse_month
from app.outputs.bulletin_pdf import render_bulletin
from app.services.audit import entries
from app.services.bulletin import correct, publish, sheet_for
from app.services.errors import Conflict, ServiceError
from app.services.importing import ImportRefused, ImportRequest, import_payouts
from app.services.ledger import LedgerFilter, fetch_all
from app.services.payouts import PayoutInput, add_payout, delete_payout, load_record, update_payout
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import grid, lines_for, write_xlsx

OCT, NOV = parse_month("2026-10"), parse_month("2026-11")


@pytest.fixture
def october(db, people, tmp_path):
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "oct.xlsx", grid(lines_for(people[:5]))), village=VILLAGE), ACTOR)
    with db.reading() as session:
        return fetch_all(session, LedgerFilter(period=OCT))


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_posting_locks_the_month(db, people, october, tmp_path):
    info = publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    assert (info.payout_count, info.total_fen) == (5, 5 * 56000)
    record = october[0]
    full_id = load_record(db, record.payout_id).id_number  # as the edit dialog has it (the ledger's is masked)
    entry = PayoutInput(name=record.name, id_number=full_id, subsidy_type_id=1, period=OCT, amount="1")
    before = row_counts(db)
    with pytest.raises(Conflict, match="已锁定"):
        update_payout(db, record.payout_id, entry, ACTOR)
    with pytest.raises(Conflict, match="已锁定"):
        delete_payout(db, record.payout_id, ACTOR)
    with pytest.raises(Conflict, match="已锁定"):
        add_payout(db, 1, PayoutInput(name=people[20].name, id_number=people[20].id_number,
                                       subsidy_type_id=1, period=OCT, amount="1"), ACTOR)
    late = write_xlsx(tmp_path / "late.xlsx", grid(lines_for(people[10:12])))
    with pytest.raises(ImportRefused) as caught:
        import_payouts(db, ImportRequest(path=late, village=VILLAGE), ACTOR)
    assert "已锁定" in caught.value.problems[0]
    assert row_counts(db) == before
    with pytest.raises(Conflict, match="已经登记为张贴过"):
        publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)


def test_correction_is_audited_and_listed_on_the_next_sheet(db, people, october, tmp_path):
    with pytest.raises(ServiceError, match="尚未张贴"):
        correct(db, october[0].payout_id, "580", "标准调整", ACTOR)
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    posted = tmp_path / "oct-posted.pdf"
    render_bulletin(sheet_for(db, VILLAGE, OCT), posted)

    with pytest.raises(ServiceError, match="原因"):
        correct(db, october[0].payout_id, "580", "  ", ACTOR)
    correct(db, october[0].payout_id, "580.00", "低保标准上调补差", ACTOR)
    with db.reading() as session:
        assert [e.action for e in entries(session, entity="payout")] == ["correct"]

    reprint = tmp_path / "oct-reprint.pdf"
    render_bulletin(sheet_for(db, VILLAGE, OCT), reprint)
    assert reprint.read_bytes() == posted.read_bytes()  # the posted sheet reprints unchanged

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "nov.xlsx", grid(lines_for(people[:3], pay_date="2026-11-15"))), village=VILLAGE), ACTOR)
    november = tmp_path / "nov.pdf"
    render_bulletin(sheet_for(db, VILLAGE, NOV), november)
    text = text_of(november)
    assert "更正说明" in text and "原 560.00 元，更正为 580.00 元；原因：低保标准上调补差" in text
    assert october[0].name in text

    info = publish(db, VILLAGE, NOV, dt.date(2026, 12, 1), "王文书", ACTOR)
    assert info.corrections_listed == 1
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "dec.xlsx", grid(lines_for(people[:2], pay_date="2026-12-15"))), village=VILLAGE), ACTOR)
    render_bulletin(sheet_for(db, VILLAGE, parse_month("2026-12")), tmp_path / "dec.pdf")
    assert "更正说明" not in text_of(tmp_path / "dec.pdf")  # listed once, on the sheet after it


def test_cli_bulletin_publish_correct_and_all(db_path, people, tmp_path, capsys, monkeypatch):
    def cli(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("init", "--township", "青山镇")[0] == 0
    for name in ("桃源村", "杏花村"):
        cli("village", "add", name)
        assert cli("village", "set", name, "--phone", "0351-1234567")[0] == 0  # else printing is refused
        path = write_xlsx(tmp_path / f"{name}.xlsx", grid(lines_for(people[:4] if name == "桃源村" else people[4:7])))
        assert cli("payouts", "import", str(path), "--village", name)[0] == 0
    code, out, _ = cli("bulletin", "--village", "桃源村", "--month", "2026-10", "--out", str(tmp_path / "s.pdf"),
                       "--from", "2026-11-05", "--to", "2026-11-20")
    assert code == 0 and "4 人次" in out
    assert "公开时间：自 2026年11月5日 至 2026年11月20日" in text_of(tmp_path / "s.pdf")

    code, out, err = cli("bulletin", "--all", "--month", "2026-10", "--out", str(tmp_path / "all"))
    assert code == 0 and "[3/3]" in err
    names = {p.name for p in (tmp_path / "all").iterdir()}
    assert names == {"杏花村-2026-10.pdf", "桃源村-2026-10.pdf", "青山镇-2026-10-汇总.pdf"}
    summary = text_of(tmp_path / "all" / "青山镇-2026-10-汇总.pdf")
    assert "青山镇2026年10月惠民惠农补贴资金发放汇总表" in summary and "合计：共 7 人次" in summary

    code, out, _ = cli("publish", "--village", "桃源村", "--month", "2026-10", "--by", "王文书", "--date", "2026-11-01")
    assert code == 0 and "已锁定" in out
    code, _, err = cli("payouts", "correct", "1", "--amount", "600", "--reason", "补差", "--by", "王文书")
    assert code == 0
    monkeypatch.setenv("CUNWU_ACTOR", "李会计")  # the command line's acting person, not the OS login
    code, _, err = cli("payouts", "correct", "2", "--amount", "610", "--reason", "补差")
    assert code == 0
    from app.services.audit import list_entries
    from app.storage.engine import open_database

    with open_database(db_path) as database:
        assert [e.actor for e in list_entries(database).entries if e.action == "correct"] == ["王文书", "李会计"]
    code, _, err = cli("publish", "--village", "桃源村", "--month", "2026-10", "--by", "王文书", "--backdate")
    assert code == 1 and "张贴过" in err
