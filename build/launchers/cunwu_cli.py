"""Frozen entry of the console program `cunwu` (cunwu.exe): the same as the `cunwu` console script."""

from app.cli.main import entry_point

entry_point()
