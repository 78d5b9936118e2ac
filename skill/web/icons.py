"""KindWell's icon, drawn from code with Pillow: a cream heart over two ripples, on warm apricot.

The skill store asks for a 108 px and a 512 px PNG (skill.json's smallIconUri and largeIconUri). Both
are drawn here at four times their size and scaled down, which gives smooth edges, so there is no
binary file to keep in step with the drawing.
"""

from __future__ import annotations

import io
import math
from functools import cache

from PIL import Image, ImageDraw

from ..alexa_package import ICON_SIZES

_SUPERSAMPLE = 4
_CENTRE_COLOUR = (250, 176, 120)  # apricot
_EDGE_COLOUR = (217, 108, 82)  # warm terracotta
_CREAM = (255, 245, 232)
_RIPPLE = (255, 226, 200)


def _heart(size: float, cx: float, cy: float) -> list[tuple[float, float]]:
    """The points of the classic parametric heart, size wide, centred on (cx, cy)."""
    points = []
    for step in range(360):
        t = math.radians(step)
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((cx + x * size / 34, cy - y * size / 34))
    return points


def draw_icon(size: int) -> Image.Image:
    """The icon as an RGB image, size pixels square."""
    big = size * _SUPERSAMPLE
    # Radial warmth: apricot in the middle, terracotta at the edges (full bleed, so any crop works).
    mask = Image.radial_gradient("L").resize((big, big), Image.Resampling.BICUBIC)
    image = Image.composite(
        Image.new("RGB", (big, big), _EDGE_COLOUR), Image.new("RGB", (big, big), _CENTRE_COLOUR), mask
    )
    draw = ImageDraw.Draw(image)
    # Two ripples spreading from the heart's tip, as on the surface of a well.
    stroke = max(1, round(big * 0.02))
    for width, height in ((0.72, 0.17), (0.44, 0.1)):
        centre_y = big * 0.7
        box = (
            big * (0.5 - width / 2),
            centre_y - big * height / 2,
            big * (0.5 + width / 2),
            centre_y + big * height / 2,
        )
        draw.ellipse(box, outline=_RIPPLE, width=stroke)
    draw.polygon(_heart(big * 0.46, big * 0.5, big * 0.44), fill=_CREAM)
    return image.resize((size, size), Image.Resampling.LANCZOS)


@cache
def icon_png(size: int) -> bytes:
    """The icon at one of the store's sizes, as PNG bytes (drawn once per process)."""
    if size not in ICON_SIZES.values():
        raise ValueError(f"KindWell draws its icon at {sorted(ICON_SIZES.values())} px, not {size}.")
    buffer = io.BytesIO()
    draw_icon(size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
