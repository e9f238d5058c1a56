"""What each public sheet must say about who to ask, as rules on plain values (no database).

domain.md, "Printed forms": a bulletin sheet carries the supervision phone (监督电话); "What the rules
ask for" items 3-4: the catalog poster and its inspection guide say where and when villagers inspect
the records, whom they ask, and a contact phone. `app.services.village_settings` stores the values and
refuses a sheet that lacks one; `cunwu village list` says what each village still lacks without
loading the database layer, so the rules live here.
"""

from __future__ import annotations

DEFAULT_TOWNSHIP = "本乡镇"  # the placeholder township of a fresh database: not a name to print

FIELD_LABELS: dict[str, str] = {
    "township_name": "乡镇名称",
    "township_code": "乡镇代码",
    "name": "村名",
    "code": "村代码",
    "supervision_phone": "监督电话",
    "consult_phone": "咨询电话",
    "contact_person": "联系人",
    "board_place": "公开栏位置",
    "board_hours": "公开时间",
    "sheet_order": "名单顺序",
}

BULLETIN, POSTER, NOTICE = "bulletin", "poster", "notice"
# What each public sheet prints and so cannot go without (domain.md, "Printed forms" and items 3-4).
REQUIRED_FOR: dict[str, tuple[str, ...]] = {
    BULLETIN: ("township_name", "supervision_phone"),
    NOTICE: ("township_name", "supervision_phone"),
    POSTER: ("township_name", "supervision_phone", "contact_person", "board_place", "board_hours"),
}


def printable_township(name: str | None) -> str:
    """The township's name as a sheet prints it, or "" while it is the placeholder."""
    if name is None or name.strip() in ("", DEFAULT_TOWNSHIP):
        return ""
    return name.strip()


def missing_for(township_name: str | None, village: object, output: str) -> list[tuple[str, str]]:
    """(field key, Chinese label) of each setting the sheet `output` requires and `village` (anything
    with the village's fields as attributes) leaves empty, in form order."""
    try:
        required = REQUIRED_FOR[output]
    except KeyError:
        raise ValueError(f"unknown output {output!r}") from None
    values = {"township_name": printable_township(township_name)}
    missing = []
    for key in required:
        value = values[key] if key in values else getattr(village, key)
        if not str(value or "").strip():
            missing.append((key, FIELD_LABELS[key]))
    return missing
