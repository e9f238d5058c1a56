"""Frozen entry of the windowed program `cunwu-gui` (cunwu-gui.exe): the same as the gui-script.

CUNWU_EXIT_AFTER_SHOW=1 makes the window quit right after its first paint (start-up benchmark,
bench/bench_startup.py); without it nothing here changes what the app does.
"""

import os

if os.environ.get("CUNWU_EXIT_AFTER_SHOW") == "1":
    from startup_probe import quit_after_first_paint

    quit_after_first_paint()

from app.ui.launch import entry_point

entry_point()
