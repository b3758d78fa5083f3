"""Incident density for large event tables: hexagonal bins in map pixels, each drawn
once with its count (and the count per category) on hover.

One circle per incident stops working from a few thousand incidents on: the page grows
by ~300 bytes per incident and the browser lays out every element. A hexagon per
occupied bin keeps the page bounded by the map's area, not by the data's size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

__all__ = ["DENSITY_FROM", "HexBins", "density_legend", "hex_bins", "render_density"]

DENSITY_FROM = 2_000
"""From this many incidents drawn on the map, the map shows density instead of circles."""

SHADES = 6
"""Number of fill shades; bin counts are placed on a log scale between 1 and the maximum."""

_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class HexBins:
    """Occupied pointy-top hexagons of circumradius `size` pixels."""

    size: float
    x: npt.NDArray[np.float64]
    """Centres, in map pixels."""
    y: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]
    by_category: dict[str, npt.NDArray[np.int64]]
    """Per category, the count in each bin (same order as `counts`)."""

    def shade(self) -> npt.NDArray[np.int64]:
        """Each bin's shade 0..SHADES-1, log-scaled so a few dense bins do not wash out
        the rest."""
        top = math.log1p(float(self.counts.max())) if len(self.counts) else 1.0
        scaled = np.log1p(self.counts.astype(float)) / max(top, 1e-9)
        shades: npt.NDArray[np.int64] = np.minimum((scaled * SHADES).astype(np.int64),
                                                   SHADES - 1)
        return shades

    def bounds(self, shade: int) -> tuple[int, int]:
        """The smallest and largest count drawn in `shade` (for the legend)."""
        chosen = self.counts[self.shade() == shade]
        return (int(chosen.min()), int(chosen.max())) if len(chosen) else (0, 0)


def hex_bins(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
             categories: npt.NDArray[np.object_], size: float) -> HexBins:
    """Bin points (map pixels) into hexagons: axial coordinates, cube rounding."""
    q = (_SQRT3 / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    cube_x, cube_z = q, r
    cube_y = -cube_x - cube_z
    rx, ry, rz = np.rint(cube_x), np.rint(cube_y), np.rint(cube_z)
    dx, dy, dz = np.abs(rx - cube_x), np.abs(ry - cube_y), np.abs(rz - cube_z)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    keys = np.stack([rx, rz], axis=1).astype(np.int64)
    cells, which = np.unique(keys, axis=0, return_inverse=True)
    which = which.ravel()
    counts = np.bincount(which, minlength=len(cells)).astype(np.int64)
    by_category = {str(c): np.bincount(which[categories == c], minlength=len(cells))
                   .astype(np.int64) for c in dict.fromkeys(categories.tolist())}
    cq, cr = cells[:, 0].astype(float), cells[:, 1].astype(float)
    return HexBins(size, size * _SQRT3 * (cq + cr / 2), size * 1.5 * cr, counts, by_category)


def _hexagon(cx: float, cy: float, size: float) -> str:
    points = [(cx + size * math.cos(math.radians(60 * k - 30)),
               cy + size * math.sin(math.radians(60 * k - 30))) for k in range(6)]
    return "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z"


def render_density(bins: HexBins, words: Mapping[str, str]) -> str:
    """One <g class="density"> with a <path> per occupied bin, its counts in <title>."""
    out = ['<g class="density">']
    shades = bins.shade().tolist()
    for i, (cx, cy, count) in enumerate(zip(bins.x.tolist(), bins.y.tolist(),
                                            bins.counts.tolist(), strict=True)):
        parts = [f"{int(n[i]):,} {words.get(c, c)}" for c, n in bins.by_category.items()
                 if n[i]]
        title = f"{count:,} incident(s) here\n" + "\n".join(parts)
        out.append(f'<path class="hex shade-{shades[i]}" data-count="{count}" '
                   f'd="{_hexagon(cx, cy, bins.size)}"><title>{escape(title)}</title></path>')
    out.append("</g>")
    return "".join(out)


def density_legend(bins: HexBins, drawn: int, linked: int) -> Sequence[str]:
    """Legend items (<li>) for the shades, and what the density replaces."""
    items = [f"<li>{drawn:,} incidents drawn as density (one hexagon per area of about "
             f"{2 * bins.size:.0f} pixels; hover for counts); the {linked:,} incident(s) "
             "named in the tables below are also drawn one by one</li>"]
    for shade in range(SHADES):
        low, high = bins.bounds(shade)
        if high:
            span = f"{low:,}" if low == high else f"{low:,} to {high:,}"
            items.append(f'<li><svg width="22" height="14"><rect class="hex shade-{shade}" '
                         f'width="22" height="14"/></svg> {span} per hexagon</li>')
    return items
