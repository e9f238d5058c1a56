"""Importing a county payout list: all or nothing.

Read → parse and validate every row (pure core) → check against the database (village, subsidy
types, people, payouts already there, the same file imported before) → one transaction that writes
the batch, new people and every payout in bulk (SQLAlchemy Core), plus its audit entry. Any problem
anywhere and nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core import names
from app.core.disclosure import mask_account, mask_id, mask_phone
from app.core.money import format_yuan
from app.core.payout_table import (
    Col,
    ParsedTable,
    ParseOptions,
    PayoutRow,
    Problem,
    find_duplicates,
    parse_rows,
)
from app.core.periods import format_month_zh
from app.inputs.tabular import TabularFile, TabularFileError, read_tabular
from app.services import archive, audit, subsidies
from app.services.bulletin import locked_message, posted_among
from app.services.errors import Cancelled, ServiceError
from app.services.thresholds import plausible_max_fen
from app.services.villages import find_village
from app.storage import pg_security
from app.storage.bulk import Column, Every, bulk_insert, roomy_cache
from app.storage.engine import Database
from app.storage.keys import cipher_for
from app.storage.models import (
    ImportBatch,
    Payout,
    Person,
    Village,
    VillagerGroup,
    utcnow,
)

_CHUNK = 500  # IN-lists stay far below every database's parameter limit
_SCAN_FACTOR = 8  # up to this many people in the database per number in the file: read them all
_WRITE_CHUNK = 5000
_MAX_PROBLEMS_SHOWN = 200
_PAYOUT_COLUMNS = (
    "person_id", "subsidy_type_id", "village_id", "period", "amount_fen", "pay_date",
    "standard", "note", "batch_id", "created_at", "updated_at", "area_e4", "rate_fen", "source_order",
)
ALL_SHEETS = "*"

Progress = Callable[[str, int, int], None]  # (stage in Chinese, done, total)
CancelCheck = Callable[[], bool]


class ImportRefused(ServiceError):
    pass


class SheetChoiceNeeded(ImportRefused):
    """More than one visible sheet holds a payout table: the clerk says which (or all of them)."""

    def __init__(self, message: str, problems: list[str], sheets: list[str], same_layout: bool) -> None:
        super().__init__(message, problems)
        self.sheets = sheets
        self.same_layout = same_layout  # then "all of them" (ALL_SHEETS) is a sensible answer


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    village: str
    month: dt.date | None = None
    subsidy: str | None = None
    dry_run: bool = False
    force: bool = False
    sheets: tuple[str, ...] = ()  # which sheets to import; () when the file has one payout sheet
    # Rows already in hand (pasted from Excel: app.services.pasting) instead of a file to read, and
    # what to add to their row numbers so that messages count the rows as the clerk pasted them.
    grid: TabularFile | None = None
    row_shift: int = 0


@dataclass
class ImportResult:
    count: int
    total_fen: int
    file_name: str
    batch_id: int | None = None
    new_people: int = 0
    skipped_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    by_subsidy: dict[str, tuple[int, int]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def summary(self) -> str:
        verb = "可导入" if self.dry_run else "导入"
        return f"{verb} {self.count} 条，合计 {format_yuan(self.total_fen, thousands=True)} 元"


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def never() -> bool:
    return False


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _refuse(file_name: str, problems: list[Problem]) -> ImportRefused:
    ordered = sorted(problems, key=lambda p: (p.row or 0))
    lines = [problem.describe(file_name) for problem in ordered[:_MAX_PROBLEMS_SHOWN]]
    if len(ordered) > _MAX_PROBLEMS_SHOWN:
        lines.append(f"……另有 {len(ordered) - _MAX_PROBLEMS_SHOWN} 个问题未列出")
    head = f"文件“{file_name}”有 {len(ordered)} 个问题，没有导入任何数据"
    return ImportRefused(head, lines)


def parse_file(
    tabular: TabularFile,
    options: ParseOptions,
    progress: Progress = no_progress,
    wanted: Sequence[str] = (),
) -> ParsedTable:
    """The sheet that holds a payout table, or the sheets named in `wanted` (ALL_SHEETS: every
    sheet that holds one). Two candidates and no choice: SheetChoiceNeeded, never a silent pick."""
    file_name = tabular.path.name
    known = [sheet.name for sheet in tabular.sheets]
    unknown = [name for name in wanted if name != ALL_SHEETS and name not in known]
    if unknown:
        listed = "、".join(f"“{name}”" for name in known)
        raise ImportRefused(f"文件“{file_name}”中没有工作表“{unknown[0]}”（可见的工作表：{listed}）")
    tables: list[tuple[str, ParsedTable]] = []
    first: ParsedTable | None = None
    for sheet in tabular.sheets:
        if wanted and ALL_SHEETS not in wanted and sheet.name not in wanted:
            continue
        table = parse_rows(sheet.rows, options, lambda done, total: progress("检查数据", done, total))
        if table.header_row is not None:
            tables.append((sheet.name, table))
        first = first or table
    if not tables:
        table = first or ParsedTable(problems=[Problem("没有可导入的工作表")])
        if tabular.hidden_sheets:
            hidden = "、".join(f"“{name}”" for name in tabular.hidden_sheets)
            table.problems.append(Problem(f"隐藏的工作表 {hidden} 没有读取；如要导入，请在 Excel 中取消隐藏后另存"))
        return table
    if len(tables) > 1 and not wanted:
        names_ = [name for name, _ in tables]
        layouts = {tuple(sorted((col.value, index) for col, index in table.columns.items())) for _, table in tables}
        listed = "、".join(f"“{name}”" for name in names_)
        message = (
            f"文件“{file_name}”中有 {len(names_)} 个工作表都是发放明细（{listed}），没有导入任何数据："
            "请指定要导入的工作表（命令行用 --sheet 工作表名）"
        )
        raise SheetChoiceNeeded(message, [message], names_, same_layout=len(layouts) == 1)
    if len(tables) == 1:
        return tables[0][1]
    return _merged(tables)


def _merged(tables: list[tuple[str, ParsedTable]]) -> ParsedTable:
    """Several sheets as one table; every row and problem says which sheet it is from."""
    merged = ParsedTable()
    merged.header_row = tables[0][1].header_row
    merged.columns, merged.headers = tables[0][1].columns, tables[0][1].headers
    for name, table in tables:
        merged.rows.extend(row._replace(sheet=name) for row in table.rows)
        merged.problems.extend(dataclasses.replace(problem, sheet=name) for problem in table.problems)
        merged.warnings.extend(dataclasses.replace(problem, sheet=name) for problem in table.warnings)
        merged.skipped_rows += table.skipped_rows
    return merged


def _plausible_max_fen(db: Database) -> int:
    with db.reading() as session:
        return plausible_max_fen(session)


def import_payouts(
    db: Database,
    request: ImportRequest,
    actor: str,
    progress: Progress = no_progress,
    cancelled: CancelCheck = never,
) -> ImportResult:
    # A 300,000-row file makes millions of objects (cells, rows, parameters) and no reference cycles:
    # the cyclic collector would walk them all again and again (a third of the parse at 300k rows,
    # more the larger the file). It is off for the import and back as it was afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import_payouts(db, request, actor, progress, cancelled)
    finally:
        if collecting:
            gc.enable()


def _import_payouts(
    db: Database, request: ImportRequest, actor: str, progress: Progress, cancelled: CancelCheck
) -> ImportResult:
    file_name = Path(request.path).name
    progress("读取文件", 0, 0)
    try:
        tabular = request.grid or read_tabular(request.path)
    except TabularFileError as exc:
        raise ImportRefused(str(exc)) from exc
    if cancelled():
        raise Cancelled()
    options = ParseOptions(month=request.month, subsidy=request.subsidy, plausible_max_fen=_plausible_max_fen(db))
    table = parse_file(tabular, options, progress, request.sheets)
    if request.row_shift:
        table = _shifted(table, request.row_shift)
    problems = list(table.problems)
    if cancelled():
        raise Cancelled()
    with db.reading() as session:
        try:
            village = find_village(session, request.village)
        except ServiceError as exc:
            raise ImportRefused(exc.message) from exc
        village_id = village.id
        previous = session.scalars(
            select(ImportBatch).where(ImportBatch.file_hash == tabular.sha256).order_by(ImportBatch.id)
        ).first()
        if previous is not None and not request.force:
            when = previous.imported_at.astimezone().strftime("%Y-%m-%d %H:%M")
            problems.insert(
                0,
                Problem(
                    f"同样内容的文件已在 {when} 导入过（第 {previous.id} 批，{previous.row_count} 条）。"
                    "如确需再次导入，请使用“强制导入”（命令行 --force）"
                ),
            )
        for publication in posted_among(session, village_id or 0, {row.period for row in table.rows}):
            problems.insert(0, Problem(locked_message(publication)))
        known_subsidies = subsidies.name_index(session)
        subsidy_ids, subsidy_problems = _resolve_subsidies(table, known_subsidies)
        problems.extend(subsidy_problems)
        # Synonyms (低保金, 最低生活保障金) are one item, as the database's unique index sees them: the
        # dry run and the import both come through here, so they cannot disagree.
        problems.extend(find_duplicates(table.rows, lambda name: subsidy_ids[name][1] if name in subsidy_ids else name))
        numbers = set(map(attrgetter("id_number"), table.rows))
        people = existing_people(session, numbers)
        problems.extend(_name_conflicts(table, people))
        problems.extend(_registered_elsewhere(session, table, people))
        problems.extend(_already_paid(session, table, people, subsidy_ids))
    if problems:
        raise _refuse(file_name, problems)
    result = ImportResult(
        count=len(table.rows),
        total_fen=sum(map(attrgetter("amount_fen"), table.rows)),
        file_name=file_name,
        skipped_rows=table.skipped_rows,
        warnings=[f"文件“{file_name}”中隐藏的工作表“{name}”没有读取" for name in tabular.hidden_sheets]
        + [warning.describe(file_name) for warning in table.warnings],
        dry_run=request.dry_run,
    )
    # Totals per name on the file first (a handful), then per item, in the order items first appear.
    counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    for subsidy, amount in zip(map(attrgetter("subsidy"), table.rows), map(attrgetter("amount_fen"), table.rows), strict=True):
        counts[subsidy] = counts.get(subsidy, 0) + 1
        totals[subsidy] = totals.get(subsidy, 0) + amount
    for subsidy, count in counts.items():
        before = result.by_subsidy.get(subsidy_ids[subsidy][1], (0, 0))
        result.by_subsidy[subsidy_ids[subsidy][1]] = (before[0] + count, before[1] + totals[subsidy])
    result.new_people = len(numbers - people.keys())
    if request.dry_run:
        return result
    try:
        _write(db, request, tabular, table, village_id, subsidy_ids, people, result, actor, progress, cancelled)
    except IntegrityError as exc:
        # The checks above (duplicates through synonyms included) should make this unreachable; if
        # one is missed, the clerk still gets a sentence, and the transaction has rolled back. Other
        # database errors (a full disk) are said by services.errors.clerk_message.
        raise ImportRefused(f"文件“{file_name}”中有与已有记录冲突的数据，没有导入任何数据，请把这个文件交给技术人员检查") from exc
    db.refresh_statistics()  # a large import changes which index finds a person's rows fastest
    return result


def _shifted(table: ParsedTable, shift: int) -> ParsedTable:
    """The table with every row number moved by `shift` (rows, problems and warnings alike)."""
    def moved(problem: Problem) -> Problem:
        return dataclasses.replace(problem, row=problem.row + shift) if problem.row is not None else problem

    table.rows = [row._replace(row=row.row + shift) for row in table.rows]
    table.problems = [moved(problem) for problem in table.problems]
    table.warnings = [moved(problem) for problem in table.warnings]
    if table.header_row is not None:
        table.header_row += shift
    return table


def _resolve_subsidies(table: ParsedTable, index: dict) -> tuple[dict[str, tuple[int, str]], list[Problem]]:
    resolved: dict[str, tuple[int, str]] = {}
    unknown: dict[str, list[int]] = {}
    for row in table.rows:
        if row.subsidy in resolved:
            continue
        if row.subsidy in unknown:
            unknown[row.subsidy].append(row.row)
            continue
        found = subsidies.resolve(index, row.subsidy)
        if found is None:
            unknown[row.subsidy] = [row.row]
        else:
            resolved[row.subsidy] = (found.id, found.name)
    letter, header = table.column_ref(Col.SUBSIDY)
    problems = [
        Problem(
            f"补贴项目“{name}”不在补贴项目表中（共 {len(rows)} 行），请先在“补贴项目”中添加或改用标准名称",
            row=rows[0],
            column=letter,
            header=header,
        )
        for name, rows in unknown.items()
    ]
    return resolved, problems


def existing_people(session, id_numbers: set[str]) -> dict[str, tuple[int, str, int | None, str, str]]:
    """id_number → (person id, name, group id, masked phone, masked account) for the numbers the
    database knows: found by their blind index (issue 17), nothing decrypted.

    A file that names many people (or a small database) is matched in one read of the people table
    by key; a few numbers against a large table go by the unique index, 500 at a time.
    """
    found: dict[str, tuple[int, str, int | None, str, str]] = {}
    if not id_numbers:
        return found
    table = Person.__table__
    columns = (table.c.id, table.c.id_index, table.c.name, table.c.group_id, table.c.phone_masked, table.c.account_masked)
    known = session.execute(select(func.count()).select_from(table)).scalar() or 0
    if known == 0:
        return found
    ordered = sorted(id_numbers)
    number_of = dict(zip(cipher_for(session.get_bind()).blind_indexes(ordered), ordered, strict=True))
    if known <= _SCAN_FACTOR * len(id_numbers):
        for person_id, index, name, group_id, phone, account in session.execute(select(*columns)):
            number = number_of.get(index)
            if number is not None:
                found[number] = (person_id, name, group_id, phone, account)
        return found
    for chunk in _chunks(sorted(number_of), _CHUNK):
        for person_id, index, name, group_id, phone, account in session.execute(
            select(*columns).where(table.c.id_index.in_(chunk))
        ):
            found[number_of[index]] = (person_id, name, group_id, phone, account)
    return found


def _name_conflicts(table: ParsedTable, people: dict) -> list[Problem]:
    problems = []
    letter, header = table.column_ref(Col.NAME)
    for row in table.rows:
        known = people.get(row.id_number)
        if known and known[1] != row.name:
            problems.append(
                Problem(
                    f"这个身份证号在系统中登记的姓名是“{known[1]}”，与本行的“{row.name}”不一致，请核对身份证号或姓名",
                    row=row.row,
                    column=letter,
                    header=header,
                )
            )
    return problems


def _registered_elsewhere(session, table: ParsedTable, people: dict) -> list[Problem]:
    """On a township server a clerk sees only their villages' people (row-level security, issue 16): a
    number registered in another village is not found above, and adding it again would break the unique
    ID index. The clerk is told so, per row, and nothing is written."""
    unseen = sorted({row.id_number for row in table.rows} - people.keys())
    if not unseen or session.get_bind().dialect.name != "postgresql":
        return []
    index_of = dict(zip(unseen, cipher_for(session.get_bind()).blind_indexes(unseen), strict=True))
    taken = pg_security.registered(session.connection(), list(index_of.values()))
    letter, header = table.column_ref(Col.ID_NUMBER)
    return [
        Problem("这个身份证号的人员已登记在本乡镇的其他村，您的账号看不到也不能再次登记：请核对身份证号；"
                "如此人确已迁入本村，请乡镇管理员导入这一行", row=row.row, column=letter, header=header)
        for row in table.rows if index_of.get(row.id_number) in taken
    ]


def _already_paid(session, table: ParsedTable, people: dict, subsidy_ids: dict) -> list[Problem]:
    wanted: dict[tuple[int, int, dt.date], PayoutRow] = {}
    for row in table.rows:
        person = people.get(row.id_number)
        if person is None or row.subsidy not in subsidy_ids:
            continue
        wanted[(person[0], subsidy_ids[row.subsidy][0], row.period)] = row
    if not wanted:
        return []
    payout = Payout.__table__
    person_ids = sorted({key[0] for key in wanted})
    periods = sorted({key[2] for key in wanted})
    problems = []
    for chunk in _chunks(person_ids, _CHUNK):
        rows = session.execute(
            select(payout.c.person_id, payout.c.subsidy_type_id, payout.c.period, payout.c.batch_id).where(
                payout.c.person_id.in_(chunk), payout.c.period.in_(periods)
            )
        )
        for person_id, type_id, period, batch_id in rows:
            row = wanted.get((person_id, type_id, period))
            if row is None:
                continue
            source = f"第 {batch_id} 批导入" if batch_id else "手工录入"
            problems.append(
                Problem(
                    f"{row.name} 在 {format_month_zh(period)} 的“{row.subsidy}”已有发放记录（{source}），"
                    "同一人同月同项目不能重复发放",
                    row=row.row,
                )
            )
    return problems


def _write(
    db: Database,
    request: ImportRequest,
    tabular: TabularFile,
    table: ParsedTable,
    village_id: int,
    subsidy_ids: dict[str, tuple[int, str]],
    people: dict,
    result: ImportResult,
    actor: str,
    progress: Progress,
    cancelled: CancelCheck,
) -> None:
    with db.transaction() as session:
        connection = session.connection()
        batch = ImportBatch(
            village_id=village_id,
            file_name=result.file_name,
            file_hash=tabular.sha256,
            imported_by=actor,
            row_count=result.count,
            skipped_count=result.skipped_rows,
            total_fen=result.total_fen,
            forced=request.force,
        )
        session.add(batch)
        session.flush()
        result.batch_id = batch.id
        group_ids = ensure_groups(session, village_id, {row.group for row in table.rows if row.group})
        with roomy_cache(connection):
            person_ids = write_people(connection, table, village_id, group_ids, people)
            _write_payouts(connection, table, village_id, subsidy_ids, person_ids, batch.id or 0, progress, cancelled)
        audit.record(
            session,
            actor,
            "import",
            "import_batch",
            batch.id,
            after={
                "file_name": result.file_name,
                "file_hash": tabular.sha256,
                "village_id": village_id,
                "rows": result.count,
                "total_fen": result.total_fen,
                "new_people": result.new_people,
                "forced": request.force,
            },
        )
        # The county's table itself is filed (domain.md: payout tables filed by month); a file that spans
        # several months is filed under its first.
        months = sorted({row.period for row in table.rows})
        archive.file_import_batch(session, session.get(Village, village_id), batch, months[0] if months else None, actor)
        if cancelled():
            raise Cancelled()


def _write_payouts(
    connection,
    table: ParsedTable,
    village_id: int,
    subsidy_ids: dict[str, tuple[int, str]],
    person_ids: dict[str, int],
    batch_id: int,
    progress: Progress,
    cancelled: CancelCheck,
) -> None:
    total_rows = len(table.rows)
    now = utcnow()
    # Column by column (zip(*rows) transposes in C), each value looked up once per distinct key.
    fields = dict(zip(PayoutRow._fields, zip(*table.rows, strict=True), strict=True)) if table.rows else {}
    type_ids = {name: ids[0] for name, ids in subsidy_ids.items()}
    columns = {
        "person_id": list(map(person_ids.__getitem__, fields.get("id_number", ()))),
        "subsidy_type_id": list(map(type_ids.__getitem__, fields.get("subsidy", ()))),
        "village_id": Every(village_id),
        "period": fields.get("period", ()),
        "amount_fen": fields.get("amount_fen", ()),
        "pay_date": fields.get("pay_date", ()),
        "standard": fields.get("standard", ()),
        "note": fields.get("note", ()),
        "batch_id": Every(batch_id),
        "created_at": Every(now),
        "updated_at": Every(now),
        "area_e4": fields.get("area_e4", ()),
        "rate_fen": fields.get("rate_fen", ()),
        "source_order": range(1, total_rows + 1),  # the row's place in table.rows
    }
    assert tuple(columns) == _PAYOUT_COLUMNS
    for start in range(0, total_rows, _WRITE_CHUNK):
        if cancelled():
            raise Cancelled()
        bulk_insert(connection, Payout.__table__, _slice(columns, start, start + _WRITE_CHUNK))
        progress("写入数据库", min(start + _WRITE_CHUNK, total_rows), total_rows)


def ensure_groups(session, village_id: int, wanted: set[str]) -> dict[str, int]:
    table = VillagerGroup.__table__
    existing = dict(
        session.execute(select(table.c.name, table.c.id).where(table.c.village_id == village_id)).all()
    )
    missing = sorted(wanted - existing.keys())
    if missing:
        session.execute(insert(table), [{"village_id": village_id, "name": name} for name in missing])
        existing = dict(
            session.execute(select(table.c.name, table.c.id).where(table.c.village_id == village_id)).all()
        )
    return existing


def _slice(columns: dict[str, Column], start: int, stop: int) -> dict[str, Column]:
    return {name: values if isinstance(values, Every) else values[start:stop] for name, values in columns.items()}


_PEOPLE_SLICE = 20_000  # new people encrypted and written per slice


def write_people(connection, table: ParsedTable, village_id: int, group_ids: dict[str, int], people: dict) -> dict[str, int]:
    """Insert the people the database does not know (their first row speaks for them) and fill in what
    it lacks of those it knows; id_number → person id for every row."""
    person_table = Person.__table__
    cipher = cipher_for(connection)
    new_people: dict[str, PayoutRow] = {}
    fills: dict[int, dict] = {}
    for row in table.rows:
        number = row.id_number
        if number in new_people:
            continue
        known = people.get(number)
        if known is None:
            new_people[number] = row
            continue
        # The county file is newer than what we hold: fill in what we lack, never overwrite.
        person_id, _, group_id, phone, account = known
        if person_id in fills:
            continue
        fill: dict = {}
        if not phone and row.phone:
            fill["phone"] = row.phone
        if not account and row.account:
            fill["account"] = row.account
        if fill:  # encrypted as the new people's are (issue 17), bound to this person's blind index
            sealed = cipher.seal(number, fill.pop("phone", ""), fill.pop("account", ""))
            if sealed.phone_cipher is not None:
                fill.update(phone_masked=sealed.phone_masked, phone_cipher=sealed.phone_cipher)
            if sealed.account_cipher is not None:
                fill.update(account_masked=sealed.account_masked, account_cipher=sealed.account_cipher)
        if group_id is None and row.group:
            fill["group_id"] = group_ids.get(row.group)
        if fill:
            fills[person_id] = fill
    first_rows = list(new_people.values())
    initials: dict[str, str] = {}  # names repeat across a county: their pinyin is worked out once
    for row in first_rows:
        if row.name not in initials:
            initials[row.name] = names.pinyin_initials(row.name)[:60]
    last_id = connection.execute(select(func.max(person_table.c.id))).scalar() or 0
    # Only the new people are encrypted (those known were found by their blind index): issue 17.
    # In slices, so the ciphertexts and parameter rows of 100,000s of people are never all held at once.
    numbers = list(new_people)
    number_of: dict[str, str] = {}
    for start in range(0, len(numbers), _PEOPLE_SLICE):
        chunk, rows = numbers[start:start + _PEOPLE_SLICE], first_rows[start:start + _PEOPLE_SLICE]
        indexes = cipher.blind_indexes(chunk)
        number_of.update(zip(indexes, chunk, strict=True))
        phones = [row.phone for row in rows]
        accounts = [row.account for row in rows]
        bulk_insert(
            connection,
            person_table,
            {
                "name": [row.name for row in rows],
                "name_initials": [initials[row.name] for row in rows],
                "id_index": indexes,
                "id_masked": list(map(mask_id, chunk)),
                "id_cipher": cipher.seal_columns("id_number", indexes, chunk),
                "phone_masked": [mask_phone(phone) if phone else "" for phone in phones],
                "phone_cipher": cipher.seal_columns("phone", indexes, phones),
                "account_masked": [mask_account(account) if account else "" for account in accounts],
                "account_cipher": cipher.seal_columns("account", indexes, accounts),
                "village_id": Every(village_id),
                "group_id": [group_ids.get(row.group) for row in rows],
            },
        )
    for person_id, fill in fills.items():
        connection.execute(update(person_table).where(person_table.c.id == person_id).values(**fill))
    ids = {number: known[0] for number, known in people.items()}
    if new_people:
        # The new rows are those above the largest id before the insert (ids only grow, on SQLite and
        # with a PostgreSQL sequence): one read, not an IN list per 500 people.
        added = connection.execute(select(person_table.c.id_index, person_table.c.id).where(person_table.c.id > last_id))
        ids.update((number_of[index], person_id) for index, person_id in added.all() if index in number_of)
        missing = sorted(index for index, number in number_of.items() if number not in ids)
        for chunk in _chunks(missing, _CHUNK):  # only if the rule above ever failed: by key, as before
            for person_id, index in connection.execute(
                select(person_table.c.id, person_table.c.id_index).where(person_table.c.id_index.in_(chunk))
            ):
                ids[number_of[index]] = person_id
    return ids
