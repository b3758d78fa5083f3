"""Tighter bounds per grid cell on the distance to the border's samples: both the
rows and the columns between a cell and each marked cell count, each at its ground width.

nearness.py's chessboard bound (its step 5) knows only that a marked cell is k cells away
in rows OR in columns, so it takes the smaller of the two ground distances: a degree of
longitude is cos(latitude) of a degree of latitude, and the median bound was ~0.6 of the
true distance. Here, for each cell (i, j) and each row i' within W rows, g(i', j) is the
exact column distance from j to the nearest marked cell of row i' (two passes per row);
a sample of row i' is then at least beta = (|i - i'| - 1) rows and alpha = (g - 1) columns
away, and (nearness.py, step 4) hav(theta) >= hav(beta) + cos(phi_p) cos(phi_q) hav(alpha)
- the sum of both terms, where the chessboard bound had their minimum. cos(phi_p) is taken
at the row's latitude farthest from the equator, cos(phi_q) at the samples' (their box's).
Rows beyond W contribute hav(W rows) at least. The columns' difference is the circular
one when the grid spans less than 180 degrees (the points' and samples' longitudes in
[-180, 180]); wider grids keep the chessboard bound. Samples off the grid are marked in
the margin cell they clamp to, nearer in rows and columns to every inner cell than they
are, so the argument holds for them too. The bound is max(this, chessboard bound).

The upper bound likewise (`refine_upper`): through the nearest marked cell of each row,
by a straight path in latitude and longitude rather than nearness.py's two legs.

The constants are cell_bounds.py's (nearness.py's docstring says why each is rounded which
way).
On the minsk-2015 areas at 10^6 events this lifts the median lower bound of the points
the cells leave open, among those farther than their radius, from ~0.6 to ~0.85 of their
distance. W trades the build against the points settled: with W = 96 (and nearness.py's
outer grid at 1 km), 40k of conflict_zone's points stayed open at 10^6 events and its
bounds built in 234 ms; with W = 32 (2 km), 65k (~0.03 s more to bracket) in 61 ms (13 ms
with the chessboard alone).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["WINDOW_ROWS", "refine_lower", "refine_upper", "window_rows"]

FloatArray = npt.NDArray[np.float64]

WINDOW_ROWS = 32
"""Rows scanned either side of a cell (W) at most; cells whose chessboard distance exceeds
it keep the chessboard bound (already more than W cells)."""
_WORK = 1 << 24
"""Cells times rows scanned at most: larger grids scan fewer rows, and below 8 rows (the
North Atlantic area's 2^22 cells) none: there the copies and row gaps alone cost ~70 ms,
against ~160 ms for the chessboard bounds."""


def window_rows(cells: int) -> int:
    """W for a grid of this many cells (0: no refinement)."""
    rows = int(min(WINDOW_ROWS, _WORK // max(cells, 1)))
    return rows if rows >= 8 else 0
_MARGIN = 1e-6
_GAP_SLACK = 1e-3
_R_KM = 6335.439
_R_UP_KM = 6399.6
_B_KM = 6356.75
_MAX_RADIUS_KM = 19_000.0
_SLACK_KM = 0.001
_UNIT_KM = 0.1


@numba.njit(cache=True, nogil=True)
def _row_gaps(marks: npt.NDArray[np.uint16], ncols: int, nrows: int) -> npt.NDArray[np.int32]:
    """Per cell, the column distance to the nearest marked cell (0) of its own row (ncols +
    1 where the row has none)."""
    far = ncols + 1
    out = np.empty(ncols * nrows, dtype=np.int32)
    for i in range(nrows):
        base = i * ncols
        last = -far
        for j in range(ncols):
            if marks[base + j] == 0:
                last = j
            out[base + j] = min(j - last, far)
        last = ncols + far
        for j in range(ncols - 1, -1, -1):
            if marks[base + j] == 0:
                last = j
            out[base + j] = min(out[base + j], last - j)
    return out


@numba.njit(cache=True, nogil=True)
def refine_lower(near: npt.NDArray[np.uint16], marks: npt.NDArray[np.uint16], ncols: int,
                 nrows: int, grid: FloatArray, loss_km: float, cos_q: float,
                 window: int) -> None:
    """In place: each inner cell of `near` (units of _UNIT_KM, from the chessboard bound)
    raised to the separable bound where that is larger. `marks`: 0 in the marked cells
    (cell_bounds._mark, clamped)."""
    y0, sx, sy = grid[1], grid[2], grid[3]
    rad = math.pi / 180.0
    gaps = _row_gaps(marks, ncols, nrows)
    hav_b = np.empty(window + 2)
    for d in range(window + 2):
        beta = max(d - 1 - _GAP_SLACK, 0.0) / sy
        hav_b[d] = math.sin(min(beta, 180.0) * rad / 2.0) ** 2
    hav_a = np.empty(ncols + 2)
    for g in range(ncols + 2):
        alpha = max(g - 1 - _GAP_SLACK, 0.0) / sx
        hav_a[g] = math.sin(min(alpha, 180.0) * rad / 2.0) ** 2
    # a cell's separable bound never exceeds that of hav_b[window + 1]: cells already there
    # (far from the border) are skipped
    cap = _R_KM * 2.0 * math.asin(min(math.sqrt(hav_b[window + 1]), 1.0)) - loss_km
    cap_units = math.floor(cap / _UNIT_KM) if cap > 0.0 else 0
    for i in range(1, nrows - 1):
        ylo = max(y0 + (i - _MARGIN) / sy, -90.0)
        yhi = min(y0 + (i + 1 + _MARGIN) / sy, 90.0)
        weight = max(math.cos(max(abs(ylo), abs(yhi)) * rad), 0.0) * cos_q
        base = i * ncols
        for j in range(1, ncols - 1):
            if near[base + j] >= cap_units:
                continue
            best = hav_b[window + 1]
            for d in range(window + 1):
                if hav_b[d] >= best:
                    break
                for r in (i - d, i + d):
                    if 0 <= r < nrows:
                        h = hav_b[d] + weight * hav_a[gaps[r * ncols + j]]
                        best = min(best, h)
            km = _R_KM * 2.0 * math.asin(min(math.sqrt(best), 1.0)) - loss_km - _SLACK_KM
            if km > 0.0:
                units = min(math.floor(km / _UNIT_KM), 65535.0)
                if units > near[base + j]:
                    near[base + j] = np.uint16(units)


@numba.njit(cache=True, nogil=True)
def refine_upper(reach: npt.NDArray[np.uint16], marks: npt.NDArray[np.uint16],
                 steps: npt.NDArray[np.uint16], ncols: int, nrows: int, grid: FloatArray,
                 rho_km: float, window: int) -> None:
    """In place: each inner cell of `reach` (units of _UNIT_KM rounded up, 65535: none)
    lowered to the bound through the nearest marked cell of each row within W rows where
    that is smaller. `marks`: 0 in the cells holding a sample on the grid (cell_bounds._mark,
    not clamped). A sample d rows and g columns away is within (d + 1) rows and (g + 1)
    columns of the point (and the rounding); the straight path between them in latitude
    and longitude is at most R' * sqrt(dphi^2 + cos_max^2 dlam^2) long (M, N <= R'; cos_max
    the largest cosine over the rows it crosses), where nearness.py's step 7 walks the
    parallel then the meridian (the sum of both, at the chessboard distance in both); the
    forward projection's stretch K is then bounded as there. `steps`: each cell's chessboard
    distance k to a marked cell, whose sample is within k + 1 rows and columns: the search
    starts from that path and stops at rows farther than it; cells beyond W keep step 7's
    bound."""
    y0, sx, sy = grid[1], grid[2], grid[3]
    rad = math.pi / 180.0
    gaps = _row_gaps(marks, ncols, nrows)
    for i in range(1, nrows - 1):
        # the rows a path within the window crosses, and their largest cosine
        ylo = max(y0 + (i - window - 1 - _MARGIN) / sy, -90.0)
        yhi = min(y0 + (i + window + 2 + _MARGIN) / sy, 90.0)
        cos_max = 1.0 if ylo <= 0.0 <= yhi else math.cos(min(abs(ylo), abs(yhi)) * rad)
        base = i * ncols
        for j in range(1, ncols - 1):
            k = int(steps[base + j])
            if k > window:
                continue
            # squared angle (radians) of the shortest path found
            best = ((k + 1 + _GAP_SLACK) / sy * rad) ** 2 + (
                (k + 1 + _GAP_SLACK) / sx * rad * cos_max) ** 2
            for d in range(window + 1):
                dphi = (d + 1 + _GAP_SLACK) / sy * rad
                if dphi * dphi >= best:
                    break
                for r in (i - d, i + d):
                    if 0 <= r < nrows:
                        g = gaps[r * ncols + j]
                        if g <= ncols:
                            dlam = (g + 1 + _GAP_SLACK) / sx * rad * cos_max
                            best = min(best, dphi * dphi + dlam * dlam)
            path = _R_UP_KM * math.sqrt(best)
            far = (rho_km + path) / _B_KM
            if far * _B_KM >= _MAX_RADIUS_KM:
                continue
            scale = far / math.sin(far) if far > 1e-6 else 1.0 + far * far
            km = scale * path + _SLACK_KM
            if km < 6000.0:
                units = math.ceil(km / _UNIT_KM)
                if units < reach[base + j]:
                    reach[base + j] = np.uint16(units)
