"""The database's data key as the clerk meets it (issue 17): bring it to this account with the recovery
code, or print the recovery code again. Both audited."""

from __future__ import annotations

from app.core.crypto import WrongRecoveryCode
from app.services import audit
from app.services.errors import ServiceError
from app.storage import keys
from app.storage.engine import Database

WRONG_CODE = "恢复码不正确，没有打开数据库"


def recover_key(db: Database, code: str, actor: str) -> None:
    """Unwrap the data key with the recovery code and keep it for this account (its key file).
    A wrong code is refused with one sentence that says nothing about the right one."""
    try:
        keys.recover(db.engine, code)
    except WrongRecoveryCode as exc:
        raise ServiceError(WRONG_CODE) from exc
    if not db.read_only_reason:
        with db.transaction() as session:
            audit.record(session, actor, "key_recover", "database", None, after={"by": "recovery_code"})


def show_recovery_code(db: Database, actor: str) -> str:
    """The recovery code again, for whoever can open the database; who asked is in the audit log."""
    code = keys.recovery_code(db.engine)
    with db.transaction() as session:
        audit.record(session, actor, "key_recovery_shown", "database", None)
    return code


def recovery_sheet(code: str, database_name: str) -> str:
    """The text to print and file in the archive box (`cunwu key recovery --out`, 再次打印恢复码)."""
    return (f"村务公开助手 数据库“{database_name}”的恢复码\n恢复码：{code}\n"
            "请打印后放进档案盒妥善保管；换电脑或账户时：cunwu key recover --code 恢复码\n")
