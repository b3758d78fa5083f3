"""The per-cell bounds of nearness.py (its module docstring, steps 5 and 7) on a point
classifier's grid: the boundary's samples marked in cells, two chessboard distance
transforms, and the distances turned into a lower and an upper bound in km per cell,
tightened by separable.py. numba kernels over whole grids; nearness.py samples the
boundary, reads the bounds per point and decides which points are measured."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np
import numpy.typing as npt

from .separable import refine_lower, refine_upper, window_rows

if TYPE_CHECKING:
    from .classify import GridFrame

__all__ = ["cell_bounds", "cell_units"]

FloatArray = npt.NDArray[np.float64]

_R_KM = 6335.439
"""a(1 - e^2) of WGS 84 (6335.4393 km), rounded down: the sphere below the ellipsoid."""
_R_UP_KM = 6399.6
"""a / sqrt(1 - e^2) of WGS 84 (6399.5936 km), rounded up: the largest radius of curvature."""
_B_KM = 6356.75
"""b of WGS 84 (6356.7523 km), rounded down: the Gaussian curvature 1 / (M N) <= 1 / b^2."""
_SLACK_KM = 0.001
"""Taken off every bound: the rounding of the projections and geodesics (sub-millimetre)."""
_MARGIN = 1e-6
"""A cell index is computed to within this many cells (the classifier's own margin, which
it checks when it builds the grid)."""
_GAP_SLACK = 1e-3
"""Cells taken off the gap between a point's cell and a marked cell: covers _MARGIN twice
and the rounding of the bound's arithmetic."""
_UNIT_KM = 0.1
"""A cell's bound is stored in these units, rounded down."""
_MAX_RADIUS_M = 19_000_000.0
"""Vertices farther from the projection's centre: no bound (see step 2)."""
_FAR = np.uint16(65535)


@numba.njit(cache=True, nogil=True)
def _chessboard(cells: npt.NDArray[np.uint16], ncols: int, nrows: int) -> None:
    """In place: 0 in the marked cells and _FAR elsewhere on entry; on exit each cell's
    chessboard distance (in cells) to the nearest marked cell. The two-pass transform of
    Rosenfeld and Pfaltz (exact for this metric); additions saturate at _FAR, so a stored
    distance is never more than the true one."""
    far = 65535
    for i in range(nrows):  # forward pass: neighbours above and to the left
        for j in range(ncols):
            c = i * ncols + j
            d = int(cells[c])
            if d == 0:
                continue
            if j > 0:
                d = min(d, int(cells[c - 1]) + 1)
            if i > 0:
                up = c - ncols
                d = min(d, int(cells[up]) + 1)
                if j > 0:
                    d = min(d, int(cells[up - 1]) + 1)
                if j < ncols - 1:
                    d = min(d, int(cells[up + 1]) + 1)
            cells[c] = min(d, far)
    for i in range(nrows - 1, -1, -1):  # backward pass: below and to the right
        for j in range(ncols - 1, -1, -1):
            c = i * ncols + j
            d = int(cells[c])
            if d == 0:
                continue
            if j < ncols - 1:
                d = min(d, int(cells[c + 1]) + 1)
            if i < nrows - 1:
                down = c + ncols
                d = min(d, int(cells[down]) + 1)
                if j > 0:
                    d = min(d, int(cells[down - 1]) + 1)
                if j < ncols - 1:
                    d = min(d, int(cells[down + 1]) + 1)
            cells[c] = min(d, far)


@numba.njit(cache=True, nogil=True)
def _clearance_cells(near: npt.NDArray[np.uint16], reach: npt.NDArray[np.uint16], ncols: int,
                     nrows: int, grid: FloatArray, loss_km: float, rho_km: float,
                     cos_q: float, window: int) -> None:
    """In place, from the two markings (`_mark`, 0 where marked, _FAR elsewhere): `near`
    becomes each cell's lower bound (step 5) and `reach` its upper bound (step 7), in
    _UNIT_KM, the lower rounded down and the upper up (_FAR: none); both then tightened by
    separable.py (the lower only with cos_q >= 0: see there; neither with window 0). One
    kernel rather than three: numba loads each kernel from its cache at ~40 ms, paid by
    every run of the CLI."""
    if window <= 0:
        _chessboard(near, ncols, nrows)
        _chessboard(reach, ncols, nrows)
        _convert_cells(near, reach, ncols, nrows, grid, loss_km, rho_km)
        return
    marks, hits = near.copy(), reach.copy()
    _chessboard(near, ncols, nrows)
    _chessboard(reach, ncols, nrows)
    steps = reach.copy()
    _convert_cells(near, reach, ncols, nrows, grid, loss_km, rho_km)
    if cos_q >= 0.0:
        refine_lower(near, marks, ncols, nrows, grid, loss_km, cos_q, window)
    refine_upper(reach, hits, steps, ncols, nrows, grid, rho_km, window)


@numba.njit(cache=True, nogil=True)
def _convert_cells(near: npt.NDArray[np.uint16], reach: npt.NDArray[np.uint16], ncols: int,
                   nrows: int, grid: FloatArray, loss_km: float, rho_km: float) -> None:
    """Chessboard distances (cells) to bounds (_UNIT_KM), steps 5 and 7."""
    x0, y0, sx, sy = grid[0], grid[1], grid[2], grid[3]
    # A row's distances are contiguous (neighbours differ by at most 1), and apart from the
    # longitude cap near +-180 its bounds depend on the distance alone: tables per row
    # (5x fewer sines and cosines than bounds per cell on the North Atlantic area).
    lower = np.empty(ncols + 1, dtype=np.float64)
    upper = np.empty(ncols + 1, dtype=np.float64)
    for i in range(nrows):
        base = i * ncols
        if i == 0 or i == nrows - 1:
            near[base:base + ncols] = 0  # the margin ring: nothing known
            reach[base:base + ncols] = 65535
            continue
        near[base] = near[base + ncols - 1] = 0
        reach[base] = reach[base + ncols - 1] = 65535
        kmin, span = _span(near, base + 1, base + ncols - 1)
        for k in range(kmin, kmin + span + 1):
            lower[k - kmin] = _cell_km(k, i, -1, y0, sy, x0, sx, loss_km)
        umin, uspan = _span(reach, base + 1, base + ncols - 1)
        for k in range(umin, umin + uspan + 1):
            upper[k - umin] = _reach_km(k, i, y0, sy, sx, rho_km)
        for j in range(1, ncols - 1):
            k = int(near[base + j])
            xlo = x0 + (j - _MARGIN) / sx
            xhi = x0 + (j + 1 + _MARGIN) / sx
            if k - kmin > span or (k - 1) / sx >= 180.0 - max(abs(xlo), abs(xhi)):
                km = _cell_km(k, i, j, y0, sy, x0, sx, loss_km)  # near +-180: capped
            else:
                km = lower[k - kmin]
            units = math.floor(km / _UNIT_KM) if km > 0.0 else 0.0
            near[base + j] = np.uint16(min(units, 65535.0))
            k = int(reach[base + j])
            km = upper[k - umin] if k - umin <= uspan else math.inf
            units = math.ceil(km / _UNIT_KM) if km < 6000.0 else 65535.0
            reach[base + j] = np.uint16(units)


@numba.njit(cache=True, nogil=True, inline="always")
def _span(cells: npt.NDArray[np.uint16], lo: int, hi: int) -> tuple[int, int]:
    """The smallest value in cells[lo:hi] and the range up to the largest (at most the
    row's length: the tables' size)."""
    kmin = int(cells[lo])
    kmax = kmin
    for c in range(lo, hi):
        k = int(cells[c])
        kmin = min(kmin, k)
        kmax = max(kmax, k)
    return kmin, min(kmax - kmin, hi - lo + 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _reach_km(k: int, row: int, y0: float, sy: float, sx: float, rho_km: float) -> float:
    """The upper bound (km) of a cell of `row` k cells from the nearest sample on the grid
    (module docstring, step 7); inf when the projection's scale cannot be bounded."""
    rad = math.pi / 180.0
    ylo = max(y0 + (row - _MARGIN) / sy, -90.0)
    yhi = min(y0 + (row + 1 + _MARGIN) / sy, 90.0)
    # the largest cosine over the row's latitudes: at the one nearest the equator
    cos_max = 1.0 if ylo <= 0.0 <= yhi else math.cos(min(abs(ylo), abs(yhi)) * rad)
    cells = k + 1 + _GAP_SLACK
    path = _R_UP_KM * rad * (cells / sy + cos_max * cells / sx)
    far = (rho_km + path) / _B_KM
    if far * _B_KM >= _MAX_RADIUS_M / 1000.0:
        return math.inf
    scale = far / math.sin(far) if far > 1e-6 else 1.0 + far * far
    return scale * path + _SLACK_KM


@numba.njit(cache=True, nogil=True, inline="always")
def _cell_km(k: int, row: int, col: int, y0: float, sy: float, x0: float, sx: float,
             loss_km: float) -> float:
    """The bound (km) of a cell of `row` k cells from the nearest sample (module docstring,
    step 5); col < 0: without the cap on the longitude difference near +-180."""
    gap = k - 1 - _GAP_SLACK
    if gap <= 0.0:
        return 0.0
    rad = math.pi / 180.0
    # the row's latitudes, widened by the rounding of a point's row; the smallest cosine
    # over a range of latitudes is at its end farthest from the equator
    ylo = max(y0 + (row - _MARGIN) / sy, -90.0)
    yhi = min(y0 + (row + 1 + _MARGIN) / sy, 90.0)
    cos_p = max(math.cos(max(abs(ylo), abs(yhi)) * rad), 0.0)
    beta = gap / sy  # degrees
    alpha = gap / sx
    if col >= 0:
        xlo = x0 + (col - _MARGIN) / sx
        xhi = x0 + (col + 1 + _MARGIN) / sx
        alpha = min(alpha, 180.0 - max(abs(xlo), abs(xhi)))
    if alpha <= 0.0:
        return 0.0
    far = min(max(abs(ylo - beta), abs(yhi + beta)), 90.0)
    cos_q = max(math.cos(far * rad), 0.0)
    h = math.sin(min(alpha, 180.0) * rad / 2.0) ** 2
    theta = min(beta * rad, 2.0 * math.asin(min(math.sqrt(cos_p * cos_q * h), 1.0)))
    return _R_KM * theta - loss_km - _SLACK_KM


def cell_units(cells: npt.NDArray[np.uint16], frame: GridFrame, lons: FloatArray,
                lats: FloatArray) -> npt.NDArray[np.uint16]:
    """Each point's grid cell's value (the margin ring's for points off the grid and
    NaN)."""
    col = _cell_index(lons, frame.x0, frame.sx, frame.ncols)
    row = _cell_index(lats, frame.y0, frame.sy, frame.nrows)
    units: npt.NDArray[np.uint16] = cells[row * frame.ncols + col]
    return units


def cell_bounds(frame: GridFrame, lons: FloatArray, lats: FloatArray, loss_km: float,
                 rho_km: float, box: tuple[float, float, float, float],
                 ) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
    """(lower, upper) bound per cell of `frame` from the samples (steps 5 and 7, tightened
    by separable.py)."""
    near = _mark(frame, lons, lats, clamped=True)
    reach = _mark(frame, lons, lats, clamped=False)
    grid = np.array(frame[:4], dtype=np.float64)
    cos_q = -1.0  # a grid as wide as 180 degrees: no separable lower bound (its condition)
    if frame.ncols / frame.sx < 180.0:
        cos_q = max(math.cos(math.radians(max(abs(box[1]), abs(box[3])))), 0.0)
    _clearance_cells(near, reach, frame.ncols, frame.nrows, grid, loss_km, rho_km, cos_q,
                     window_rows(frame.ncols * frame.nrows))
    return near, reach


def _cell_index(values: FloatArray, origin: float, scale: float, count: int,
                ) -> npt.NDArray[np.int64]:
    """The classifier's cell index: (v - origin) * scale, clamped into [0, count - 1], NaN to
    0 (so off-grid and NaN points land in the margin ring)."""
    f = (values - origin) * scale
    f[~(f > 0.0)] = 0.0
    np.minimum(f, count - 1.0, out=f)
    return f.astype(np.int64)


def _mark(frame: GridFrame, lons: FloatArray, lats: FloatArray, *,
          clamped: bool) -> npt.NDArray[np.uint16]:
    """0 in the cells marked, _FAR elsewhere. clamped (for the lower bound): every cell a
    sample can lie in, its index computed within _MARGIN either way, samples off the grid
    in the margin cell they clamp to. Not clamped (for the upper bound): the cell of each
    sample on the grid, which it lies in or within _MARGIN of."""
    cells = np.full(frame.ncols * frame.nrows, _FAR, dtype=np.uint16)
    fx = (lons - frame.x0) * frame.sx
    fy = (lats - frame.y0) * frame.sy
    if not clamped:
        on = (fx >= 0) & (fx < frame.ncols) & (fy >= 0) & (fy < frame.nrows)
        col = np.minimum(fx[on].astype(np.int64), frame.ncols - 1)
        row = np.minimum(fy[on].astype(np.int64), frame.nrows - 1)
        cells[row * frame.ncols + col] = 0
        return cells
    for dx in (-_MARGIN, _MARGIN):
        col = np.clip(np.floor(fx + dx), 0, frame.ncols - 1).astype(np.int64)
        for dy in (-_MARGIN, _MARGIN):
            row = np.clip(np.floor(fy + dy), 0, frame.nrows - 1).astype(np.int64)
            cells[row * frame.ncols + col] = 0
    return cells
