"""Issue 15: every printed form compared with its approved image, so a layout change is seen.

The images in tests/data/golden were looked at page by page before they were committed; after a
deliberate change, `python -m tests.golden_forms --update` makes new ones (look at them again).
The comparison tolerates what a different poppler or font rasteriser changes (anti-aliasing, a
pixel's shift), not a moved column, a wrapped line or a missing block.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from tests.golden_forms import FORMS, GOLDEN, golden_name, page_images

LEVEL = 64  # a grey step smaller than this is rasteriser noise
SHARE = 0.006  # at most this share of a page's pixels may differ by more than LEVEL


def differing_share(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    histogram = diff.histogram()
    return sum(histogram[LEVEL:]) / (a.width * a.height)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_matches_its_approved_image(form, tmp_path):
    pages = page_images(form, tmp_path)
    expected = sorted(p.name for p in GOLDEN.glob(f"{form}-*.png"))
    assert sorted(golden_name(form, p) for p in pages) == expected, "the number of pages changed"
    for page in pages:
        golden = Image.open(GOLDEN / golden_name(form, page))
        made = Image.open(page)
        assert made.size == golden.size, f"{page.name}: the paper size changed"
        share = differing_share(made, golden)
        assert share <= SHARE, f"{page.name}: {share:.2%} of the page differs from the approved image"


def test_the_comparison_sees_a_moved_block(tmp_path):
    """The tolerance is not so wide that a real layout change passes."""
    page = page_images("bulletin-wall-a4", tmp_path)[0]
    image = Image.open(page).convert("L")
    shifted = ImageChops.offset(image, 0, 6)  # every line 6 px (about 4 mm at 40 dpi) lower
    assert differing_share(shifted, image) > SHARE
