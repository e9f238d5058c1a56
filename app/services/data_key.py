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
