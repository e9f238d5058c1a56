"""Rendering many sheets at once on every core (township staff print all villages together).

Workers receive plain data (BulletinSheet) and never touch the database.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Sequence

from app.outputs.bulletin_model import BulletinSheet
from app.outputs.bulletin_pdf import render_bulletin

Job = tuple[BulletinSheet, Path]


def _render(job: Job, size: str) -> tuple[str, int]:
    sheet, path = job
    return str(path), render_bulletin(sheet, path, size)


def render_all(
    jobs: Sequence[Job],
    size: str = "A4",
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[tuple[str, int]]:
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    results: list[tuple[str, int]] = []
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
    return sorted(results, key=lambda item: order[item[0]])
