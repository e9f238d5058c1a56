"""Who may do what: the three Cunwu roles and the owner, as the window and the services ask it.

The database enforces the same on PostgreSQL (row-level security and grants, migration 0011); this
table is what the window uses to show only what a role may do and the services use to refuse early
with a Chinese sentence instead of a database error. Roles as the seeds name them (domain.md):
乡镇管理员 supervises every village, 村文书 keeps their own villages' books, 村务监督委员会 reads
its village and signs the review of notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    OWNER = "owner"  # the database owner (migrations, users): a township administrator at the server
    TOWNSHIP = "township"
    CLERK = "clerk"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OWNER: "数据库管理员",
    Role.TOWNSHIP: "乡镇管理员",
    Role.CLERK: "村文书",
    Role.SUPERVISOR: "村务监督委员会",
}


class Permission(str, Enum):
    READ = "read"  # see the ledger, sheets, notices of one's villages
    IMPORT = "import"  # import payout lists, paste rows
    EDIT = "edit"  # add, change, delete unposted payouts; people; notice rows
    CORRECT = "correct"  # correct a posted month with a reason
    PRINT = "print"  # print or export sheets
    POST = "post"  # register a sheet as posted
    NOTICES = "notices"  # draft and publish notices
    REVIEW = "review"  # sign a notice's review (监督委员会审核)
    REVEAL_ID = "reveal_id"  # 显示完整身份证号 (audited)
    ARCHIVE = "archive"  # file pieces, boxes, indexes
    VILLAGES = "villages"  # add villages, township and village settings
    CATALOG = "catalog"  # the township's standard disclosure catalog, holidays
    BATCH_PRINT = "batch_print"  # all villages' sheets at once
    USERS = "users"  # add, disable people
    AUDIT = "audit"  # list and verify the whole operation log
    EXCHANGE = "exchange"  # keys, trust, import packages at the township


_CLERK = frozenset({
    Permission.READ, Permission.IMPORT, Permission.EDIT, Permission.CORRECT, Permission.PRINT,
    Permission.POST, Permission.NOTICES, Permission.REVEAL_ID, Permission.ARCHIVE,
})
_TOWNSHIP = frozenset(Permission) - {Permission.USERS}
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.TOWNSHIP: _TOWNSHIP,
    Role.CLERK: _CLERK,
    Role.SUPERVISOR: frozenset({Permission.READ, Permission.PRINT, Permission.REVIEW}),
}


@dataclass(frozen=True)
class SignedIn:
    """Who is working and on which villages (None: every village)."""

    name: str
    role: Role
    villages: frozenset[int] | None = None

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def sees(self, village_id: int | None) -> bool:
        return self.villages is None or village_id in self.villages

    @property
    def label(self) -> str:
        """王文书（村文书）; a name that already carries its login, 王文书（wang）, becomes 王文书（wang，村文书）."""
        if self.name.endswith("）"):
            return f"{self.name[:-1]}，{self.role.label}）"
        return f"{self.name}（{self.role.label}）"


def everyone(name: str) -> SignedIn:
    """On one office PC (SQLite) the person at the keyboard may do everything, as before issue 16."""
    return SignedIn(name=name, role=Role.OWNER, villages=None)
