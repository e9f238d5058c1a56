"""Frozen entry of the windowed program `cunwu-gui` (cunwu-gui.exe): the same as the gui-script.

CUNWU_EXIT_AFTER_SHOW=1 makes the window quit right after its first paint, CUNWU_EXIT_AFTER_ROWS=1
once the ledger holds its first page of rows (start-up benchmark, bench/bench_startup.py); without
them nothing here changes what the app does.
"""

import os

if os.environ.get("CUNWU_EXIT_AFTER_SHOW") == "1" or os.environ.get("CUNWU_EXIT_AFTER_ROWS") == "1":
    from startup_probe import install_from_environment

    install_from_environment()

from app.ui.launch import entry_point

entry_point()
