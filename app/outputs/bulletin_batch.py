"""Rendering many sheets at once on every core (township staff print all villages together).

Workers receive plain data (BulletinSheet) and never touch the database. A sheet that cannot be
printed (a name no font can draw; a village whose supervision phone is not filled in, which comes as a
RefusedSheet; a summary without the township's name) does not stop the others: it comes back as a
problem naming the village and the reason, and the caller decides what to say.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Sequence

from app.outputs.bulletin_model import BulletinSheet
from app.outputs.bulletin_pdf import render_bulletin
from app.outputs.fonts import MissingGlyph

Job = tuple[BulletinSheet, Path]


@dataclass(frozen=True)
class Rendered:
    path: str
    pages: int
    problem: str = ""  # why this sheet was not printed (Chinese), empty when it was


@dataclass(frozen=True)
class RefusedSheet(BulletinSheet):
    """A village's sheet that must not be printed (its settings are incomplete): its totals still count
    in the township summary; `refusal` says what to fill (app.services.village_settings.SettingsMissing)."""

    refusal: str = ""


def refused(sheet: BulletinSheet, refusal: str) -> RefusedSheet:
    return RefusedSheet(**{f.name: getattr(sheet, f.name) for f in fields(sheet)}, refusal=refusal)


def _render(job: Job, size: str) -> Rendered:
    sheet, path = job
    if isinstance(sheet, RefusedSheet):
        return Rendered(str(path), 0, sheet.refusal)
    if not sheet.meta.township:  # the township summary: never with a made-up township's name
        return Rendered(str(path), 0, f"{sheet.meta.title}：还没有填写乡镇名称。请在“设置”中填写后再打印")
    try:
        return Rendered(str(path), render_bulletin(sheet, path, size))
    except MissingGlyph as exc:
        return Rendered(str(path), 0, f"{sheet.meta.village or sheet.meta.title}：{exc}")


def render_all(
    jobs: Sequence[Job],
    size: str = "A4",
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Rendered]:
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    results: list[Rendered] = []
    if workers <= 1:
        for done, job in enumerate(jobs, start=1):
            results.append(_render(job, size))
            if progress:
                progress(done, len(jobs), job[0].meta.title)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_render, job, size): job for job in jobs}
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            if progress:
                progress(done, len(jobs), futures[future][0].meta.title)
    order = {str(job[1]): index for index, job in enumerate(jobs)}
    return sorted(results, key=lambda item: order[item.path])
