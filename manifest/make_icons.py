"""Draw the Teams app icons for the Prevention First assistant.

Teams needs two PNGs beside ``manifest.json``:

* ``color.png``: 192x192, full colour. Here a teal shield with a white tick on a navy square.
* ``outline.png``: 32x32, white on a transparent background only (no other colours, no
  opaque background). Here the outline of the same shield with its tick.

Both are drawn four or eight times larger and scaled down, which gives smooth edges without
needing any font or vector library. Run ``python -m manifest.make_icons`` to regenerate them
after changing a colour or a shape; the PNGs are committed so packaging needs no Pillow.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

__all__ = ["COLOR_SIZE", "OUTLINE_SIZE", "draw_color_icon", "draw_outline_icon", "write_icons"]

MANIFEST_DIR = Path(__file__).resolve().parent

COLOR_SIZE = 192
OUTLINE_SIZE = 32

NAVY = (22, 54, 92)  # #16365C, also the manifest's accentColor
TEAL = (0, 150, 143)  # #00968F
WHITE = (255, 255, 255)

Point = tuple[float, float]


def _shield(cx: float, top: float, width: float, height: float) -> list[Point]:
    """Return the outline of a heater shield as a closed polygon.

    Args:
        cx: Horizontal centre.
        top: Top edge.
        width: Width at the shoulders.
        height: Height from the top edge to the point.

    Returns:
        Polygon points, clockwise from the top-left corner.
    """
    half = width / 2
    dip = height * 0.06  # the top edge dips slightly towards the middle
    shoulder = top + height * 0.42  # the sides run straight down to here
    bottom = top + height
    points: list[Point] = []
    steps = 24
    # Top edge: a shallow curve down to the centre and back up.
    for i in range(steps + 1):
        t = i / steps
        x = cx - half + width * t
        y = top + dip * (1 - (2 * t - 1) ** 2)
        points.append((x, y))
    # Right side: straight, then a quadratic curve into the point.
    points.append((cx + half, shoulder))
    for i in range(1, steps + 1):
        t = i / steps
        x = (1 - t) ** 2 * (cx + half) + 2 * (1 - t) * t * (cx + half) + t**2 * cx
        y = (1 - t) ** 2 * shoulder + 2 * (1 - t) * t * (bottom - height * 0.12) + t**2 * bottom
        points.append((x, y))
    # Left side mirrors the right.
    for i in range(1, steps + 1):
        t = i / steps
        x = (1 - t) ** 2 * cx + 2 * (1 - t) * t * (cx - half) + t**2 * (cx - half)
        y = (1 - t) ** 2 * bottom + 2 * (1 - t) * t * (bottom - height * 0.12) + t**2 * shoulder
        points.append((x, y))
    return points


def _tick(cx: float, cy: float, size: float) -> list[Point]:
    """Return the three points of a tick centred on (cx, cy)."""
    return [
        (cx - size * 0.50, cy + size * 0.02),
        (cx - size * 0.14, cy + size * 0.36),
        (cx + size * 0.52, cy - size * 0.34),
    ]


def _draw_tick(draw: ImageDraw.ImageDraw, points: list[Point], fill: int | tuple[int, int, int], width: int) -> None:
    """Draw a tick with rounded ends and a rounded corner."""
    draw.line(points, fill=fill, width=width, joint="curve")
    radius = width / 2
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


def draw_color_icon(size: int = COLOR_SIZE, scale: int = 4) -> Image.Image:
    """Draw the full-colour icon.

    Args:
        size: Edge length of the square icon in pixels.
        scale: Supersampling factor used for anti-aliasing.

    Returns:
        An RGB image of ``size`` x ``size`` pixels.
    """
    big = size * scale
    image = Image.new("RGB", (big, big), NAVY)
    draw = ImageDraw.Draw(image)
    # Teams crops the colour icon to a rounded square; keep the symbol inside the middle
    # two thirds so nothing important is lost.
    shield = _shield(cx=big / 2, top=big * 0.18, width=big * 0.56, height=big * 0.66)
    draw.polygon(shield, fill=TEAL)
    _draw_tick(draw, _tick(big / 2, big * 0.47, big * 0.30), fill=WHITE, width=round(big * 0.065))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def draw_outline_icon(size: int = OUTLINE_SIZE, scale: int = 8) -> Image.Image:
    """Draw the outline icon: white lines on full transparency.

    The shape is drawn as an alpha mask and the colour channels are left pure white, so
    anti-aliased edges vary only in transparency, as Teams requires.

    Args:
        size: Edge length of the square icon in pixels.
        scale: Supersampling factor used for anti-aliasing.

    Returns:
        An RGBA image of ``size`` x ``size`` pixels whose colour is white everywhere.
    """
    big = size * scale
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    stroke = round(big * 0.075)
    shield = _shield(cx=big / 2, top=big * 0.08, width=big * 0.76, height=big * 0.86)
    draw.line([*shield, shield[0], shield[1]], fill=255, width=stroke, joint="curve")
    _draw_tick(draw, _tick(big / 2, big * 0.45, big * 0.40), fill=255, width=stroke)
    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    icon = Image.new("RGBA", (size, size), (*WHITE, 0))
    icon.putalpha(alpha)
    return icon


def write_icons(directory: Path = MANIFEST_DIR) -> tuple[Path, Path]:
    """Write ``color.png`` and ``outline.png`` into ``directory``.

    Args:
        directory: Folder to write into; normally the ``manifest`` package folder.

    Returns:
        The paths of the colour icon and the outline icon.
    """
    color_path = directory / "color.png"
    outline_path = directory / "outline.png"
    draw_color_icon().save(color_path, optimize=True)
    draw_outline_icon().save(outline_path, optimize=True)
    return color_path, outline_path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m manifest.make_icons",
        description="Redraw the Teams app icons (color.png 192x192, outline.png 32x32).",
        epilog="example: python -m manifest.make_icons --dir manifest",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=MANIFEST_DIR,
        help="folder to write the icons into (default: the manifest folder)",
    )
    args = parser.parse_args(argv)
    for path in write_icons(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
