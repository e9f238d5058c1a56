"""Subsidy types (补贴项目): their rhythm and whether they are sensitive by nature."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path


class Rhythm(str, enum.Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    AS_NEEDED = "as_needed"

    @property
    def label(self) -> str:
        return {"monthly": "按月", "quarterly": "按季", "yearly": "按年", "as_needed": "随时"}[self.value]


@dataclass(frozen=True)
class SubsidyTypeSeed:
    name: str
    category: str
    rhythm: Rhythm
    sensitive: bool
    basis: str
    aliases: tuple[str, ...] = field(default=())
    issuer: str = ""  # 发放单位/主管部门, printed beside the basis on the sheet


def load_seed(path: Path) -> list[SubsidyTypeSeed]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        SubsidyTypeSeed(
            name=item["name"],
            category=item["category"],
            rhythm=Rhythm(item["rhythm"]),
            sensitive=bool(item["sensitive"]),
            basis=item.get("basis", ""),
            aliases=tuple(item.get("aliases", ())),
            issuer=item.get("issuer", ""),
        )
        for item in data["types"]
    ]
