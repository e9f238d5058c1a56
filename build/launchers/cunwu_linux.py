"""Frozen entry of the Linux bundle's one program, `cunwu`: the command line, or the window when it is
started as `cunwu-gui` (a symbolic link to it that cunwu.spec makes). The two launchers below do the
work; importing one runs it."""

import os
import sys

if os.path.basename(sys.argv[0]) == "cunwu-gui":
    import cunwu_gui  # noqa: F401
else:
    import cunwu_cli  # noqa: F401
