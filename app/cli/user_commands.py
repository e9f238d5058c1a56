"""`cunwu user …` (issue 16)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    pass
