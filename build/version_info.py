"""The Windows version resource (Explorer's Properties → Details) of cunwu.exe and cunwu-gui.exe,
generated from app.__version__ so that it can never disagree with `cunwu --version`."""

from __future__ import annotations

import re
from pathlib import Path

COMPANY = "村务公开助手项目组"
PRODUCT = "村务公开助手 (Cunwu)"
COPYRIGHT = "© 村务公开助手项目组"


def read_version(root: Path) -> str:
    text = (root / "app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("app/__init__.py has no __version__")
    return match.group(1)


def numeric(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' → (0, 1, 0, 0); a suffix such as 'rc1' or '.dev3' is dropped from the numbers."""
    parts = [int(p) for p in re.findall(r"\d+", version.split("+")[0])[:4]]
    return tuple((parts + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def version_resource(version: str, file_name: str, description: str):  # noqa: ANN201 - PyInstaller type
    from PyInstaller.utils.win32.versioninfo import (
        FixedFileInfo, StringFileInfo, StringStruct, StringTable, VarFileInfo, VarStruct, VSVersionInfo,
    )

    numbers = numeric(version)
    strings = [
        StringStruct("CompanyName", COMPANY),
        StringStruct("FileDescription", description),
        StringStruct("FileVersion", version),
        StringStruct("InternalName", file_name.rsplit(".", 1)[0]),
        StringStruct("LegalCopyright", COPYRIGHT),
        StringStruct("OriginalFilename", file_name),
        StringStruct("ProductName", PRODUCT),
        StringStruct("ProductVersion", version),
    ]
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, mask=0x3F, flags=0x0, OS=0x40004, fileType=0x1, subtype=0x0),
        kids=[
            # 0804 = Chinese (PRC), 04B0 = Unicode.
            StringFileInfo([StringTable("080404B0", strings)]),
            VarFileInfo([VarStruct("Translation", [0x0804, 1200])]),
        ],
    )
