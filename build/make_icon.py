"""Draw Cunwu's icon: a white 村 on a red rounded square (the colour of village notice boards).

Writes build/icon.ico (16–256 px, for the Windows programs and the installer) and
resources/icons/cunwu.png (256 px, for the window's icon at run time). Needs Pillow, which only this
script uses: run `python build/make_icon.py` from the repository root after changing it, and commit
both files; the build itself never draws the icon.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
FONT = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
ICO = ROOT / "build" / "icon.ico"
PNG = ROOT / "resources" / "icons" / "cunwu.png"
RED = (192, 39, 45, 255)
SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int = 1024) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)
    margin = size // 32
    canvas.rounded_rectangle((margin, margin, size - margin, size - margin), radius=size // 6, fill=RED)
    font = ImageFont.truetype(str(FONT), int(size * 0.68))
    canvas.text((size / 2, size / 2), "村", font=font, fill="white", anchor="mm")
    return image


def main() -> None:
    big = draw()
    PNG.parent.mkdir(parents=True, exist_ok=True)
    big.resize((256, 256), Image.Resampling.LANCZOS).save(PNG, optimize=True)
    big.save(ICO, sizes=[(s, s) for s in SIZES])
    print(f"wrote {ICO.relative_to(ROOT)} and {PNG.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
