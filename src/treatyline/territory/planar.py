"""Distances in the plane from points to an area's projected border: settling without a
geodesic the points that the border clearance's cells leave open.

`geodesy.boundary_distance_km` measures, for a point p, the geodesic G(p, Q) to Q, the
inverse projection of F, the point of the projected segments nearest to AEQD(p). The planar
distance d = |AEQD(p) - F| brackets it (nearness.py's docstring, steps 2 and 7):

* G(p, Q) <= d: the inverse image of the straight path from AEQD(p) to F is a curve from p
  to Q no longer than d (the inverse AEQD never lengthens a curve within the first
  conjugate distance of the centre; p and F are within _MAX_RADIUS_M of it, hence so is
  the path between them).
* G(p, Q) >= d / K: the forward image of the geodesic from p to Q is a curve from AEQD(p)
  to F, at least d long, and at most K * G(p, Q) long, K = (x / b) / sin(x / b) where x
  bounds the distance from the centre along the geodesic: x = |AEQD(p)| + d (triangle
  inequality with G(p, Q) <= d; |AEQD(p)| is p's distance from the centre).

So for a radius r: d <= r gives -1 (the reference's distance is within r), d / K > r gives
the point's `contains`; only points with d / K <= r < d (a band of ~0.3% of r for an area
the size of Ukraine) need the geodesic. d is computed here exactly (up to rounding, far
below the metre `nearness` keeps as slack) by a ring search over a bucket grid of the
segments. Measured on the 175,000 and 345,000 points minsk-2015's two areas left open at
10^6 events before the tighter cell bounds: 0.06 s and 0.09 s, against 0.98 s and 1.25 s
for STRtree.query_nearest (GEOS pays ~3-5 us a query) and 0.34 s and 0.80 s more for the
shortest lines, inverse projection and geodesics; pyproj's forward projection of the
points (~0.7 us each) is now the larger part.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["SegmentGrid"]

FloatArray = npt.NDArray[np.float64]

_BUCKET_MARGIN = 1e-6
"""Segments are registered in the buckets of their box widened by this many buckets, so
that every point of a segment lies in a bucket it is registered in despite rounding."""


def _bucket_segments(seg: FloatArray, x0: float, y0: float, size: float, nx: int,
                     ny: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """CSR lists of the segments (rows x1, y1, x2, y2) registered in each bucket (row-major,
    nx columns): every bucket their widened box overlaps. NumPy, once per area: a numba
    kernel would cost ~40 ms of cache loading on every run for ~1 ms of work."""
    def span(lo: FloatArray, hi: FloatArray, origin: float, count: int,
             ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        first = np.floor((lo - origin) / size - _BUCKET_MARGIN).astype(np.int64)
        last = np.floor((hi - origin) / size + _BUCKET_MARGIN).astype(np.int64)
        return np.clip(first, 0, count - 1), np.clip(last, 0, count - 1)

    j0, j1 = span(np.minimum(seg[:, 0], seg[:, 2]), np.maximum(seg[:, 0], seg[:, 2]), x0, nx)
    i0, i1 = span(np.minimum(seg[:, 1], seg[:, 3]), np.maximum(seg[:, 1], seg[:, 3]), y0, ny)
    width, height = j1 - j0 + 1, i1 - i0 + 1
    each = width * height
    owner = np.repeat(np.arange(len(seg)), each)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(each) - each, each)  # k-th bucket
    bucket = (i0[owner] + k // width[owner]) * nx + j0[owner] + k % width[owner]
    order = np.argsort(bucket, kind="stable")
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(bucket, minlength=nx * ny), out=start[1:])
    return start, owner[order].astype(np.int32)


@numba.njit(cache=True, nogil=True)
def _nearest_m(xs: FloatArray, ys: FloatArray, seg: FloatArray, start: npt.NDArray[np.int64],
               entries: npt.NDArray[np.int32], x0: float, y0: float, size: float, nx: int,
               ny: int, out: FloatArray) -> None:
    """out[i]: the distance from (xs[i], ys[i]) to the nearest segment (NaN for a point not
    finite). Buckets are visited in rings of growing chessboard distance k from the point's
    bucket (clamped into the grid); every point of a bucket in ring k is at least
    (k - 1) * size away along one axis (clamping only brings the grid nearer), so the search
    stops once that exceeds the best distance found; a bucket whose box is farther than it
    is skipped (every segment lies within its buckets' boxes: the grid covers them all)."""
    ring_max = max(nx, ny)
    for p in range(len(xs)):
        px, py = xs[p], ys[p]
        if not (math.isfinite(px) and math.isfinite(py)):
            out[p] = math.nan
            continue
        cx = int(min(max((px - x0) / size, 0.0), nx - 1.0))
        cy = int(min(max((py - y0) / size, 0.0), ny - 1.0))
        best = math.inf
        for k in range(ring_max + 1):
            gap = (k - 1 - _BUCKET_MARGIN) * size
            if gap > 0.0 and gap * gap > best:
                break
            for i in range(max(cy - k, 0), min(cy + k, ny - 1) + 1):
                edge_row = i == cy - k or i == cy + k
                step = 1 if edge_row else 2 * k
                j = cx - k
                while j <= cx + k:
                    # the bucket's own box: nearer buckets first make most boxes too far
                    bx = max(x0 + j * size - px, px - x0 - (j + 1) * size, 0.0)
                    by = max(y0 + i * size - py, py - y0 - (i + 1) * size, 0.0)
                    slack = _BUCKET_MARGIN * size
                    if 0 <= j < nx and (max(bx - slack, 0.0) ** 2 + max(by - slack, 0.0) ** 2
                                        <= best):
                        b = i * nx + j
                        for e in range(start[b], start[b + 1]):
                            s = entries[e]
                            ax, ay = seg[s, 0], seg[s, 1]
                            dx, dy = seg[s, 2] - ax, seg[s, 3] - ay
                            length2 = dx * dx + dy * dy
                            t = 0.0
                            if length2 > 0.0:
                                t = min(max(((px - ax) * dx + (py - ay) * dy) / length2, 0.0),
                                        1.0)
                            ex, ey = ax + t * dx - px, ay + t * dy - py
                            best = min(best, ex * ex + ey * ey)
                    if k == 0:
                        break
                    j += step
        out[p] = math.sqrt(best)


class SegmentGrid:
    """The projected border segments in a square bucket grid, for exact nearest distances
    (about 4 segments a bucket, at most 513 x 513 buckets)."""

    def __init__(self, starts: FloatArray, ends: FloatArray) -> None:
        self._seg = np.ascontiguousarray(np.hstack([starts, ends]), dtype=np.float64)
        lo = np.minimum(starts, ends).min(axis=0)
        hi = np.maximum(starts, ends).max(axis=0)
        span = float(max(hi[0] - lo[0], hi[1] - lo[1], 1.0))
        per_side = int(min(max(math.sqrt(len(starts) / 4.0), 1.0), 512.0))
        self._size = span / per_side
        self._x0, self._y0 = float(lo[0]), float(lo[1])
        self._nx = math.floor((hi[0] - lo[0]) / self._size) + 1
        self._ny = math.floor((hi[1] - lo[1]) / self._size) + 1
        self._start, self._entries = _bucket_segments(self._seg, self._x0, self._y0,
                                                      self._size, self._nx, self._ny)

    @property
    def nbytes(self) -> int:
        return int(self._seg.nbytes + self._start.nbytes + self._entries.nbytes)

    def distance_m(self, xs: FloatArray, ys: FloatArray) -> FloatArray:
        """Per projected point, the planar distance to the nearest segment (NaN for points
        not finite)."""
        out: FloatArray = np.empty(len(xs))
        _nearest_m(np.ascontiguousarray(xs, dtype=np.float64),
                   np.ascontiguousarray(ys, dtype=np.float64), self._seg, self._start,
                   self._entries, self._x0, self._y0, self._size, self._nx, self._ny, out)
        return out
