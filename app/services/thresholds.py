"""The township's plausibility threshold for one payout line (AppSetting, whole yuan).

Above it an import still goes ahead but names the rows (issue 12), and the home page counts them as
waiting for a look. Absent or unreadable: payout_table.DEFAULT_PLAUSIBLE_FEN.
"""

from __future__ import annotations

from sqlmodel import Session

from app.core.payout_table import DEFAULT_PLAUSIBLE_FEN
from app.storage.models import AppSetting

SETTING_PLAUSIBLE_YUAN = "import.plausible_max_yuan"


def plausible_max_fen(session: Session) -> int:
    setting = session.get(AppSetting, SETTING_PLAUSIBLE_YUAN)
    try:
        return int(setting.value) * 100 if setting and int(setting.value) > 0 else DEFAULT_PLAUSIBLE_FEN
    except ValueError:
        return DEFAULT_PLAUSIBLE_FEN
