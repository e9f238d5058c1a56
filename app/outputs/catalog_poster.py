"""The wall poster 村务公开事项目录及查询指南: the catalog as a table, then the inspection guide.

domain.md "What the rules ask for" item 3 (catalog and guide hang on the wall) and item 4 (the
elements of an entry); "Printed forms" (A3 for the wall poster, same fonts and wrapping as the
bulletin sheet). The version line lets an inspector match the paper to the saved catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import CatalogEntry
from app.outputs.table_pdf import Column, TableDocument, render_table

COLUMNS = [
    Column("serial", "序号", 0.45, "center"),
    Column("name", "公开事项", 1.5),
    Column("content", "公开内容", 2.4),
    Column("basis", "公开依据", 2.6),
    Column("time_limit", "公开时限", 1.7),
    Column("responsible", "公开主体", 1.1),
    Column("channels", "公开渠道和载体", 1.1),
    Column("audience", "公开对象", 0.75, "center"),
    Column("manner", "公开方式", 0.8, "center"),
    Column("rhythm", "公开频次", 0.65, "center"),
    Column("phone", "咨询电话", 1.0),
]


@dataclass(frozen=True)
class InspectionGuide:
    """Where and when villagers inspect the records behind the catalog, and whom they ask."""

    place: str = "村民委员会办公室（村务档案室）"
    hours: str = "工作日 上午8:30—12:00，下午14:30—17:30"
    contact: str = "村文书"
    phone: str = ""
    supervision_phone: str = ""  # the village's setting (Village.supervision_phone)

    def paragraphs(self) -> list[str]:
        phone = self.phone or "（未填写）"
        supervision = self.supervision_phone or "（未填写）"
        return [
            "查询指南",
            f"一、查询地点：{self.place}。",
            f"二、查询时间：{self.hours}。",
            "三、查询内容：本目录所列各事项的公开内容及其账目、凭证、合同、会议记录等原始资料；"
            "涉及国家秘密和个人隐私的内容不予查阅。",
            f"四、查询方式：本村村民持本人身份证到查询地点，由{self.contact}接待、登记并提供查阅；"
            "对公开内容有疑问的，村民委员会在10日内答复。",
            f"五、咨询电话：{phone}　　监督电话（村务监督委员会）：{supervision}",
        ]


@dataclass(frozen=True)
class PosterData:
    village: str
    township: str
    version: int
    standard_version: int
    saved_on_text: str
    entries: tuple[CatalogEntry, ...]


def _row(number: int, entry: CatalogEntry, default_phone: str) -> dict[str, str]:
    return {
        "serial": str(number), "name": entry.name, "content": entry.content, "basis": entry.basis,
        "time_limit": entry.time_limit, "responsible": entry.responsible, "channels": entry.channel_text,
        "audience": entry.audience, "manner": entry.manner, "rhythm": entry.rhythm.label,
        "phone": entry.phone or default_phone,
    }


def poster_document(data: PosterData, guide: InspectionGuide, size: str = "A3") -> TableDocument:
    return TableDocument(
        title=f"{data.village}村务公开事项目录及查询指南",
        columns=COLUMNS,
        rows=[_row(n, e, guide.phone) for n, e in enumerate(data.entries, start=1)],
        subtitle_left=f"乡镇：{data.township}　　村：{data.village}",
        subtitle_right=f"目录版本：第 {data.version} 版（乡镇标准目录第 {data.standard_version} 版），{data.saved_on_text}",
        footer_left=f"监督电话：{guide.supervision_phone}" if guide.supervision_phone else "",
        footer_right=f"{data.village}村务公开事项目录 第 {data.version} 版",
        closing=guide.paragraphs(),
        size=size,
        orientation="landscape",
        body_size=10.5 if size == "A3" else 8.5,
        title_size=22.0 if size == "A3" else 16.0,
        published=(guide.phone, guide.supervision_phone, *(e.phone for e in data.entries)),
    )


def render_poster(data: PosterData, guide: InspectionGuide, out: Path, size: str = "A3") -> int:
    """Write the poster atomically; returns the page count."""
    return render_table(poster_document(data, guide, size), out)
