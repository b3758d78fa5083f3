"""Vectorised point-in-area classification that answers exactly as `shapely.contains_xy`.

`Classifier(geometry).contains(xs, ys)` is True where the point lies in the interior of the
geometry: points on the boundary, outside, or with NaN coordinates are False, as in GEOS.

How (and why it gives GEOS's answer, not merely a close one):

* A grid covers the geometry's envelope. Every polygon edge is rasterised into the cells its
  band passes through, with the cell boxes grown by a margin (`_MARGIN` cells) that is much
  larger than the floating-point error of computing a point's cell, so a point can only ever
  be assigned to a cell whose grown box contains it. Cells no edge touches are "clean": the
  whole grown box is on one side of the boundary. Each row's runs of clean cells are
  classified by GEOS itself (`contains_xy` on one cell centre per run).
* A point in a clean cell takes the cell's answer. A point in a boundary cell is decided by
  GEOS's own algorithm (the ray-crossing count of `IndexedPointInAreaLocator`, which
  `contains_xy` uses): the horizontal ray from the point to the right crosses the edges
  listed in the boundary cells up to the first clean cell in the same row, plus - as a
  parity - whatever lies beyond, which that clean cell's status gives. Each edge is counted
  once (in the first scanned cell it is listed in).
* The one inexact step, the sign of the orientation determinant, uses GEOS's filter
  (`CGAlgorithmsDD::orientationIndexFilter`) with a 1000x more cautious error bound; when the
  determinant is inside that bound the point is handed to `shapely.contains_xy`. Every other
  step is a comparison of input doubles, which is exact. Such points are rare (points
  within ~1e-12 degrees of an edge).

* The margin only covers the rounding if cells are not too small for the coordinates'
  magnitude: a cell is at least 3.2e7 ulps of 8x the largest coordinate (`_ULP_CELLS`), so a
  tiny polygon far from the origin gets a coarse grid, and the constructor checks the
  resulting bound (and that the ring of margin cells is all outside) with real checks,
  not asserts. The grid is capped in cells (`max_cells`, thin envelopes included) and in
  edge references (`_MIN_ENTRIES`, `_ENTRIES_PER_EDGE`); a grid that would exceed a cap is
  coarsened. When no grid fits, or the geometry is not a finite (Multi)Polygon, GEOS
  answers every point (`indexed` is False). Every index the kernels compute is clamped
  into the arrays, whatever the input.

The kernels are compiled by numba (`cache=True`: the compilation, about half a minute, is
paid once per machine, in numba's on-disk cache) and run over chunks of points in parallel
(`threads=` picks how many cores). Apart from the output array, a call allocates only
per-chunk scratch for the rare hand-over to GEOS. `warm_up` loads or compiles them ahead,
for exactly the argument types the classifier uses, and tells a callback when it has to
compile, so that a shell can say why the user waits.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

import numba
import numpy as np
import numpy.typing as npt
import shapely
from numba import types
from numba.core import event as numba_event

from ..compiling import CompileProgress, CompileStep, notify
from .cell_bounds import _clearance_cells
from .planar import _nearest_m

__all__ = ["Classifier", "GridFrame", "classifier_for", "warm_up"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_OUT, _IN, _EDGE = 0, 1, 2
"""Cell status; a point's result code is _OUT, _IN or _UNSURE (ask GEOS)."""
_UNSURE = 2
_MARGIN = 1e-6
"""Grown cell boxes: 1e-6 of a cell, i.e. ~1e-8 degrees on a 1000-column grid; a point's
computed cell index is off by at most a few ulps of its coordinate (~1e-14 degrees)."""
_ORIENT_EPS = 1e-12
"""Relative error bound for the orientation determinant: GEOS's own filter uses 1e-15
(Shewchuk's bound is 3.3e-16); anything closer than 1e-12 goes to GEOS."""
_ORIENT_TINY = 1e-300
"""Below this the error bound is not relative any more (the products may be subnormal, or
have underflowed to 0): such determinants go to GEOS, unless they are exactly 0."""
_CHUNK = 1 << 16
_ULP_CELLS = 32.0
"""The rounding of the grid's arithmetic is a few ulps of the largest coordinate; the
margin must exceed it _ULP_CELLS times over. So a cell is at least
_ULP_CELLS * ulp(8 * the largest coordinate) / _MARGIN wide: 7e-6 at longitude 180
(under a metre), 0.12 at 3.5e6."""
_MAX_COORD = 1e100
"""Beyond this the determinants could overflow: such geometries are left to GEOS."""
_MIN_CELLS = 9
"""The smallest grid: one cell and its ring of margin cells."""
_CELL_LIMIT = 1 << 28
"""max_cells is clamped to this (cell numbers are int32)."""
_ENTRIES_PER_EDGE = 32
_MIN_ENTRIES = 1 << 16
"""Cap on the per-cell edge lists, in edge references (8 bytes each):
max(_MIN_ENTRIES, _ENTRIES_PER_EDGE * edges), i.e. at least 512 KB, 256 bytes per edge.
A grid that would list more (long edges crossing many cells, thin envelopes) is coarsened
by _COARSEN, up to _ATTEMPTS times; the cell cap (max_cells) holds for every grid."""
_COARSEN = 4
_ATTEMPTS = 8
_MAX_LIST = 64
"""A grid whose boundary cells list more than this many edges on average is no help."""


# --- numba kernels -----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def _orientation(p1x: float, p1y: float, p2x: float, p2y: float, qx: float, qy: float) -> int:
    """1 if q is left of p1->p2, -1 right, 0 collinear; 3 if too close to call (ask GEOS).

    GEOS's CGAlgorithmsDD::orientationIndexFilter with a 1000x safer error bound, folded
    into one test: when detleft and detright differ in sign, |det| = |detleft| + |detright|
    passes the bound, as GEOS's shortcut for that case does; when both are 0 (a factor of
    each is exactly 0: the differences of doubles are exact in sign), det = 0 = the bound
    and the answer is collinear, as in GEOS. Products so small that they may have lost
    their relative precision to underflow are too close to call. Written without branches
    on the sign, which a boundary point makes unpredictable."""
    detleft = (p1x - qx) * (p2y - qy)
    detright = (p1y - qy) * (p2x - qx)
    det = detleft - detright
    bound = _ORIENT_EPS * (abs(detleft) + abs(detright))
    if abs(det) >= bound:
        if bound > _ORIENT_TINY:
            return (det > 0.0) - (det < 0.0)
        # tiny products: exact only if a factor of each is exactly 0 (not an underflow)
        if ((p1x == qx) | (p2y == qy)) & ((p1y == qy) | (p2x == qx)):
            return 0
    return 3


@numba.njit(cache=True, nogil=True, inline="always")
def _count_segment(p1x: float, p1y: float, p2x: float, p2y: float, qx: float, qy: float) -> int:
    """GEOS RayCrossingCounter::countSegment: 1 = the ray from q to +x crosses the segment,
    0 = it does not, 2 = q is on the segment, 3 = orientation too close to call."""
    if p1x < qx and p2x < qx:
        return 0
    if qx == p2x and qy == p2y:
        return 2
    if p1y == qy and p2y == qy:
        minx = min(p1x, p2x)
        maxx = max(p1x, p2x)
        if minx <= qx <= maxx:
            return 2
        return 0
    if (p1y > qy and p2y <= qy) or (p2y > qy and p1y <= qy):
        orient = _orientation(p1x, p1y, p2x, p2y, qx, qy)
        if orient == 3:
            return 3
        if orient == 0:
            return 2
        if p2y < p1y:
            orient = -orient
        if orient == 1:
            return 1
    return 0


@numba.njit(cache=True, nogil=True, inline="always")
def _scan(
    x: float, y: float, row: int, col: int, ncols: int, status: npt.NDArray[np.uint8],
    bid: npt.NDArray[np.int32], bstart: npt.NDArray[np.int64], ent_edge: npt.NDArray[np.int32],
    ent_first: npt.NDArray[np.int32], edges: FloatArray,
) -> int:
    """GEOS's ray-crossing count for a point in a boundary cell, along its row to the first
    clean cell (see the module docstring). Always applicable; slower where the boundary
    runs along the row."""
    base = row * ncols
    crossings = 0
    j = col
    s = status[base + j]
    while j < ncols:
        s = status[base + j]
        if s != _EDGE:
            break
        b = bid[base + j]
        for e in range(bstart[b], bstart[b + 1]):
            if j != col and ent_first[e] != j:
                continue  # counted in an earlier cell of this scan
            k = ent_edge[e]
            r = _count_segment(edges[k, 0], edges[k, 1], edges[k, 2], edges[k, 3], x, y)
            if r == 1:
                crossings += 1
            elif r == 2:
                return _OUT
            elif r == 3:
                return _UNSURE
        j += 1
    if j < ncols and s == _IN:
        crossings += 1
    return crossings & 1


@numba.njit(cache=True, nogil=True, inline="always")
def _exact(
    x: float, y: float, row: int, col: int, ncols: int, status: npt.NDArray[np.uint8],
    bid: npt.NDArray[np.int32], bstart: npt.NDArray[np.int64], ent_edge: npt.NDArray[np.int32],
    ent_first: npt.NDArray[np.int32], edges: FloatArray, centres: FloatArray,
    centre_in: npt.NDArray[np.uint8],
) -> int:
    """A point in a boundary cell, decided against the cell's centre, whose answer GEOS gave
    when the grid was built: the boundary separates the two an odd number of times iff the
    answers differ. Only the cell's own edges can cross the segment from the point to the
    centre (both lie in the cell's grown box). Any degenerate or too-close-to-call
    configuration (the point on an edge's line, the segment through a vertex) goes to the
    row scan, which handles every case."""
    b = bid[row * ncols + col]
    parity = np.int64(centre_in[b])
    if parity == _UNSURE:  # the centre is on the boundary
        return _scan(x, y, row, col, ncols, status, bid, bstart, ent_edge, ent_first, edges)
    cx = centres[b, 0]
    cy = centres[b, 1]
    for e in range(bstart[b], bstart[b + 1]):
        k = ent_edge[e]
        ax, ay, bx, by = edges[k, 0], edges[k, 1], edges[k, 2], edges[k, 3]
        o1 = _orientation(ax, ay, bx, by, x, y)
        o2 = _orientation(ax, ay, bx, by, cx, cy)
        o3 = _orientation(x, y, cx, cy, ax, ay)
        o4 = _orientation(x, y, cx, cy, bx, by)
        # the segment point-centre meets the edge's line (the centre is never on the edge;
        # o2 == 0: it is on the line, then the segment meets the line only there)
        apart = (o1 != o2) & (o2 != 0)
        unsure = (o1 == 3) | (o2 == 3) | (o3 == 3) | (o4 == 3)
        degenerate = (o1 == 0) | (apart & ((o3 == 0) | (o4 == 0)))  # on the line, or a vertex
        if unsure | degenerate:
            return _scan(x, y, row, col, ncols, status, bid, bstart, ent_edge, ent_first,
                         edges)
        parity ^= np.int64(apart & (o3 != o4))
    return int(parity)


@numba.njit(cache=True, parallel=True)
def _classify(
    xs: FloatArray, ys: FloatArray, out: npt.NDArray[np.uint8],
    grid: FloatArray, ncols: int, nrows: int, status: npt.NDArray[np.uint8],
    bid: npt.NDArray[np.int32], bstart: npt.NDArray[np.int64], ent_edge: npt.NDArray[np.int32],
    ent_first: npt.NDArray[np.int32], edges: FloatArray, centres: FloatArray,
    centre_in: npt.NDArray[np.uint8],
) -> int:
    n = xs.shape[0]
    nchunks = (n + _CHUNK - 1) // _CHUNK
    unsure = np.zeros(nchunks, dtype=np.int64)
    x0, y0, sx, sy = grid[0], grid[1], grid[2], grid[3]
    cmax = ncols - 1.0
    rmax = nrows - 1.0
    for c in numba.prange(nchunks):
        lo = c * _CHUNK
        hi = min(lo + _CHUNK, n)
        # Pass 1, the grid lookup, kept free of branches and calls: a random point's cell
        # status cannot be predicted, a mispredicted branch costs more than the lookup, and
        # the exact test inlined here would slow the loop down by a third (measured).
        # Points off the grid (and NaN) clamp into the ring of margin cells, which are all
        # outside (checked when the grid is built).
        # (Slices, so that loops start at 0: numba then knows the indices are not negative
        # and drops its wrap-around handling from every access.)
        cx = xs[lo:hi]
        cy = ys[lo:hi]
        co = out[lo:hi]
        for i in range(co.shape[0]):
            fx = (cx[i] - x0) * sx
            fy = (cy[i] - y0) * sy
            fx = fx if fx > 0.0 else 0.0  # NaN compares false: NaN -> 0, a margin cell
            fy = fy if fy > 0.0 else 0.0
            fx = fx if fx < cmax else cmax
            fy = fy if fy < rmax else rmax
            co[i] = status[np.int64(fy) * ncols + np.int64(fx)]
        # Pass 2, over the same chunk while it is in cache: points in boundary cells
        u = 0
        for i in range(co.shape[0]):
            if co[i] == _EDGE:
                x = cx[i]
                y = cy[i]
                # finite and on the grid (the margin ring is all outside: the constructor
                # checks it), but the indices are clamped as in pass 1 all the same, so that
                # no input can make this read outside the arrays
                fx = (x - x0) * sx
                fy = (y - y0) * sy
                fx = fx if fx > 0.0 else 0.0
                fy = fy if fy > 0.0 else 0.0
                fx = fx if fx < cmax else cmax
                fy = fy if fy < rmax else rmax
                row = int(fy)
                col = int(fx)
                r = _exact(x, y, row, col, ncols, status, bid, bstart, ent_edge, ent_first,
                           edges, centres, centre_in)
                co[i] = r
                if r == _UNSURE:
                    u += 1
        unsure[c] = u
    return int(unsure.sum())


@numba.njit(cache=True)
def _edge_span(
    x1: float, y1: float, x2: float, y2: float, lo: float, hi: float
) -> tuple[float, float]:
    """x-range of the part of segment (x1,y1)-(x2,y2) with lo <= y <= hi (a superset: the
    caller widens it by the margin, which dominates the rounding here)."""
    if y1 > y2:
        x1, y1, x2, y2 = x2, y2, x1, y1
    if y1 == y2:
        return min(x1, x2), max(x1, x2)
    t0 = (lo - y1) / (y2 - y1)
    t1 = (hi - y1) / (y2 - y1)
    t0 = min(max(t0, 0.0), 1.0)
    t1 = min(max(t1, 0.0), 1.0)
    xa = x1 + t0 * (x2 - x1)
    xb = x1 + t1 * (x2 - x1)
    return min(xa, xb), max(xa, xb)


@numba.njit(cache=True, inline="always")
def _index(f: float, top: int) -> int:
    """int(f) clamped to [0, top] (NaN -> 0): never an index outside the grid."""
    f = f if f > 0.0 else 0.0
    t = float(top)
    f = f if f < t else t
    return int(f)


@numba.njit(cache=True)
def _rasterise(
    edges: FloatArray, grid: FloatArray, ncols: int, nrows: int, fill: bool, limit: int,
    counts: npt.NDArray[np.int32], bid: npt.NDArray[np.int32], bstart: npt.NDArray[np.int64],
    ent_edge: npt.NDArray[np.int32], ent_first: npt.NDArray[np.int32],
) -> int:
    """First pass (fill=False): count the edges listed in each cell; returns their total, or
    -1 as soon as it exceeds `limit` (so this pass costs at most ~limit steps). Second pass:
    list them; returns the total, or -1 if a list would overflow the space the first pass
    counted (it cannot: the passes compute the same cells, but that is checked, not
    assumed). A cell lists an edge if the edge meets the cell's box grown by _MARGIN of a
    cell."""
    x0, y0, sx, sy = grid[0], grid[1], grid[2], grid[3]
    mx = _MARGIN / sx
    my = _MARGIN / sy
    cursor = bstart[:-1].copy() if fill else bstart[:1].copy()
    total = 0
    for k in range(edges.shape[0]):
        x1, y1, x2, y2 = edges[k, 0], edges[k, 1], edges[k, 2], edges[k, 3]
        r0 = _index((min(y1, y2) - my - y0) * sy, nrows - 1)
        r1 = _index((max(y1, y2) + my - y0) * sy, nrows - 1)
        for row in range(r0, r1 + 1):
            lo = y0 + row / sy - my
            hi = y0 + (row + 1) / sy + my
            xa, xb = _edge_span(x1, y1, x2, y2, lo, hi)
            c0 = _index((xa - mx - x0) * sx, ncols - 1)
            c1 = _index((xb + mx - x0) * sx, ncols - 1)
            if c1 < c0:
                continue
            total += c1 - c0 + 1
            if not fill:
                if total > limit:
                    return -1
                for col in range(c0, c1 + 1):
                    counts[row * ncols + col] += 1
                continue
            for col in range(c0, c1 + 1):
                b = bid[row * ncols + col]
                if b < 0 or cursor[b] >= bstart[b + 1]:
                    return -1
                ent_edge[cursor[b]] = k
                ent_first[cursor[b]] = c0
                cursor[b] += 1
    return total


def _runs(status: npt.NDArray[np.uint8], ncols: int, nrows: int) -> npt.NDArray[np.int64]:
    """(row, first col, end col) of each run of clean cells, row by row. NumPy, not a
    kernel: numba loads each kernel from its cache at ~40-50 ms on every run of the CLI,
    and this is a few passes over the grid's bytes (~10 ms at 2^22 cells)."""
    clean = np.zeros((nrows, ncols + 2), dtype=np.int8)
    clean[:, 1:-1] = (status != _EDGE).reshape(nrows, ncols)
    step = np.diff(clean, axis=1)  # +1 where a run starts, -1 one past where it ends
    rows, first = np.nonzero(step == 1)
    _, end = np.nonzero(step == -1)  # row-major, as the starts: pairwise the same runs
    return np.column_stack([rows, first, end]).astype(np.int64)


def _fill_runs(status: npt.NDArray[np.uint8], runs: npt.NDArray[np.int64], ncols: int) -> None:
    """status = _IN over the runs (disjoint), in place; NumPy for the reason `_runs` is."""
    begin = runs[:, 0] * ncols + runs[:, 1]
    stop = runs[:, 0] * ncols + runs[:, 2]
    size = len(status) + 1
    depth = np.cumsum(np.bincount(begin, minlength=size) - np.bincount(stop, minlength=size))
    status[depth[:-1] > 0] = _IN


# --- compiling ahead ---------------------------------------------------------------------------


def _array(dtype: Any, ndim: int = 1, *, readonly: bool = False) -> Any:
    """numba's type of a C-contiguous array (`readonly`: one the kernel only reads)."""
    return types.Array(dtype, ndim, "C", readonly=readonly)


_U8, _I32 = _array(types.uint8), _array(types.int32)
_U8_IN, _I32_IN, _I64_IN = (_array(t, readonly=True)
                            for t in (types.uint8, types.int32, types.int64))
_F64_IN, _F64_2D_IN = _array(types.float64, readonly=True), _array(types.float64, 2,
                                                                   readonly=True)
_INT = types.int64  # a Python int
_KERNELS: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
    # Inputs are typed read-only: a writable array converts to that type, so coordinates
    # in a read-only buffer (from Arrow) and in a fresh array run the same compiled code.
    # Left to itself numba compiles (and caches) one variant per combination, each
    # taking half a minute the first time it is met.
    ("grid builder", _rasterise,
     (_F64_2D_IN, _F64_IN, _INT, _INT, types.boolean, _INT, _I32, _I32, _I64_IN, _I32, _I32)),
    ("point classifier", _classify,
     (_F64_IN, _F64_IN, _U8, _F64_IN, _INT, _INT, _U8_IN, _I32_IN, _I64_IN, _I32_IN, _I32_IN,
      _F64_2D_IN, _F64_2D_IN, _U8_IN)),
    ("border clearance", _clearance_cells,
     (_array(types.uint16), _array(types.uint16), _INT, _INT, _F64_IN, types.float64,
      types.float64, types.float64, _INT)),
    ("nearest border segment", _nearest_m,
     (_F64_IN, _F64_IN, _F64_2D_IN, _I64_IN, _I32_IN, types.float64, types.float64,
      types.float64, _INT, _INT, _array(types.float64))),
)
_ready = False
_ready_lock = threading.Lock()


class _CompileNotice(numba_event.Listener):
    """Tells `progress` when numba starts compiling one of the kernels: numba sends the
    "numba:compile" event only after its cache has missed."""

    def __init__(self, progress: CompileProgress) -> None:
        self.progress = progress
        self.positions = {id(kernel): (number, name)
                          for number, (name, kernel, _) in enumerate(_KERNELS, 1)}
        self.compiled = 0

    def on_start(self, event: Any) -> None:
        found = self.positions.get(id(event.data.get("dispatcher")))
        if found is None:
            return  # a helper compiled into a kernel, or someone else's function
        self.compiled += 1
        number, name = found
        self.progress(CompileStep(name, number, len(_KERNELS)))

    def on_end(self, event: Any) -> None:
        pass


def warm_up(progress: CompileProgress | None = None) -> bool:
    """Make the numba kernels ready: load them from numba's on-disk cache, or compile them
    where it lacks them (the first run on a machine, after an upgrade, or with a new
    NUMBA_CACHE_DIR), telling `progress` as each compilation starts and when all are done,
    and nothing when the cache has them all (without `progress`: the listeners of
    `compiling.compile_progress`). Returns True if anything was compiled. The classifier
    calls it before its first kernel call.

    Exactly the argument types above are compiled, and afterwards numba is told to compile
    nothing else: a call that does not convert to them fails loudly instead of paying
    another silent half-minute."""
    global _ready
    with _ready_lock:
        if _ready or numba.config.DISABLE_JIT:  # type: ignore[attr-defined]
            return False  # (without the JIT the kernels are plain Python functions)
        notice = _CompileNotice(progress or notify)
        with numba_event.install_listener("numba:compile", notice):
            for _, kernel, signature in _KERNELS:
                kernel.compile(signature)
        for _, kernel, _ in _KERNELS:
            kernel.disable_compile()
        _ready = True
        if notice.compiled:
            notice.progress(CompileStep("", len(_KERNELS), len(_KERNELS), done=True))
        return notice.compiled > 0


# --- the classifier ------------------------------------------------------------------------------


def _edges(geom: shapely.Geometry) -> FloatArray:
    """All ring segments (x1, y1, x2, y2) of a polygonal geometry."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    return np.ascontiguousarray(np.hstack([coords[:-1][same], coords[1:][same]]))


def _is_polygonal(geom: shapely.Geometry) -> bool:
    return geom.geom_type in ("Polygon", "MultiPolygon")


class GridFrame(NamedTuple):
    """The grid: cell (row, col) covers x0 + [col, col+1) / sx, y0 + [row, row+1) / sy; the
    outermost ring of cells is the margin (all outside), and points off the grid (and NaN)
    are clamped into it."""

    x0: float
    y0: float
    sx: float
    sy: float
    ncols: int
    nrows: int


class Classifier:
    """Point-in-area tests against one geometry, identical to `shapely.contains_xy`.

    The grid index is built when it can be made exact and worth its memory; otherwise
    (lines, points, collections, empty or non-finite geometries, coordinates beyond 1e100,
    or a geometry whose edges a grid within the caps cannot separate) GEOS answers every
    point, through the prepared geometry: the same answers, more slowly. `indexed` tells
    which."""

    def __init__(self, geometry: shapely.Geometry, *, max_cells: int = 1 << 22) -> None:
        self.geometry = geometry
        shapely.prepare(geometry)
        self._indexed = False
        if not _is_polygonal(geometry) or geometry.is_empty:
            # lines, points, collections, empty: rare in treaties; GEOS answers directly
            return
        edges = _edges(geometry)
        if len(edges) == 0 or not np.isfinite(edges).all() or np.abs(edges).max() > _MAX_COORD:
            return
        cap = min(max(int(max_cells), _MIN_CELLS), _CELL_LIMIT)
        # ~400 cells per edge (so a boundary cell lists ~1-3 edges), at most max_cells
        cells = min(max(400 * len(edges), 1 << 12), cap)
        limit = max(_MIN_ENTRIES, _ENTRIES_PER_EDGE * len(edges))
        for _ in range(_ATTEMPTS):
            outcome = self._build(edges, cells, cap, limit)
            if outcome != "coarser" or cells <= _MIN_CELLS:
                break
            cells = max(cells // _COARSEN, _MIN_CELLS)

    def _build(self, edges: FloatArray, cells: int, cap: int, limit: int) -> str:
        """Build the index on a grid of about `cells` cells (at most `cap`, with at most
        `limit` edge references): "built", "coarser" (a coarser grid may fit) or "no" (GEOS
        answers)."""
        geometry = self.geometry
        xmin, ymin, xmax, ymax = (float(v) for v in geometry.bounds)
        # cells so small that a few ulps of the coordinates are not much less than the
        # margin would make the grid inexact: tiny or degenerate envelopes get bigger cells
        big = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax), 1.0)
        min_cell = _ULP_CELLS * float(np.spacing(8.0 * big)) / _MARGIN
        width = max(xmax - xmin, min_cell)
        height = max(ymax - ymin, min_cell)
        inner_cols = int(min(max(np.sqrt(cells * width / height), 1.0), cells,
                             max(width / min_cell, 1.0)))
        inner_rows = int(min(max(cells // inner_cols, 1), cells, max(height / min_cell, 1.0)))
        # with the ring of margin cells, at most `cap` cells in all (thin envelopes too)
        while (inner_cols + 2) * (inner_rows + 2) > cap:
            if inner_cols >= inner_rows:
                inner_cols = max(cap // (inner_rows + 2) - 2, 1)
            else:
                inner_rows = max(cap // (inner_cols + 2) - 2, 1)
        # the envelope, padded by 1/1000 cell, then a ring of one margin cell on every side
        cw, ch = width / inner_cols, height / inner_rows
        ncols, nrows = inner_cols + 2, inner_rows + 2
        x0, y0 = xmin - cw * 1.001, ymin - ch * 1.001
        sx = ncols / (width + 2.002 * cw)
        sy = nrows / (height + 2.002 * ch)
        # the exactness argument, checked: the rounding of a cell index (a few ulps of the
        # largest grid coordinate, in cells, plus a few ulps of the index itself) is far
        # below the margin
        top = max(abs(x0), abs(y0), abs(x0 + ncols / sx), abs(y0 + nrows / sy))
        rounding = float(np.spacing(top)) * max(sx, sy) + 4.0 * float(np.spacing(1.0)) * max(
            ncols, nrows)
        if not (np.isfinite([x0, y0, sx, sy, top]).all() and _ULP_CELLS * rounding <= _MARGIN):
            return "coarser"
        grid = np.array([x0, y0, sx, sy], dtype=np.float64)

        warm_up()
        counts = np.zeros(ncols * nrows, dtype=np.int32)
        no_i32 = np.zeros(0, dtype=np.int32)
        total = _rasterise(edges, grid, ncols, nrows, False, limit, counts, no_i32,
                           np.zeros(1, dtype=np.int64), no_i32, no_i32)
        if total < 0:
            return "coarser"  # the edge lists would exceed their cap
        is_edge = counts > 0
        nboundary = int(is_edge.sum())
        if total > _MAX_LIST * nboundary:
            return "no"  # long lists per cell: GEOS's own index is faster
        bid = np.full(ncols * nrows, -1, dtype=np.int32)
        bid[is_edge] = np.arange(nboundary, dtype=np.int32)
        bstart = np.zeros(nboundary + 1, dtype=np.int64)
        np.cumsum(counts[is_edge], out=bstart[1:])
        del counts
        if int(bstart[-1]) != total:
            return "no"
        ent_edge = np.empty(total, dtype=np.int32)
        ent_first = np.empty(total, dtype=np.int32)
        if _rasterise(edges, grid, ncols, nrows, True, limit, no_i32, bid, bstart, ent_edge,
                      ent_first) != total:
            return "no"

        status = np.where(is_edge, _EDGE, _OUT).astype(np.uint8)
        runs = _runs(status, ncols, nrows)
        # one GEOS call per run of clean cells: its first cell's centre
        cx = x0 + (runs[:, 1] + 0.5) / sx
        cy = y0 + (runs[:, 0] + 0.5) / sy
        inside = shapely.contains_xy(geometry, cx, cy)
        _fill_runs(status, runs[inside], ncols)
        grid2d = status.reshape(nrows, ncols)
        ring = np.concatenate([grid2d[0], grid2d[-1], grid2d[:, 0], grid2d[:, -1]])
        # clamped points (off the grid, NaN) land in the ring: it must all be "outside"
        if not (ring == _OUT).all():
            return "coarser"
        # boundary cells: GEOS's answer at each centre (2 where the centre is on the
        # boundary: in the closure, not in the interior)
        edge_cells = np.flatnonzero(is_edge)
        crow, ccol = np.divmod(edge_cells, ncols)
        centres = np.column_stack([x0 + (ccol + 0.5) / sx, y0 + (crow + 0.5) / sy])
        interior = shapely.contains_xy(geometry, centres[:, 0], centres[:, 1])
        closure = shapely.intersects_xy(geometry, centres[:, 0], centres[:, 1])
        centre_in = interior.astype(np.uint8)
        centre_in[closure & ~interior] = _UNSURE
        self._env = np.array([xmin, ymin, xmax, ymax], dtype=np.float64)
        self._grid = grid
        self._ncols, self._nrows = ncols, nrows
        self._edges = edges
        self._centres, self._centre_in = np.ascontiguousarray(centres), centre_in
        self._status, self._bid, self._bstart = status, bid, bstart
        self._ent_edge, self._ent_first = ent_edge, ent_first
        self._indexed = True
        return "built"

    @property
    def indexed(self) -> bool:
        """True if the grid answers (False: GEOS answers every point)."""
        return self._indexed

    @property
    def nbytes(self) -> int:
        """Memory held by the index (not counting the geometry)."""
        if not self._indexed:
            return 0
        parts = (self._status, self._bid, self._bstart, self._ent_edge, self._ent_first,
                 self._edges, self._centres, self._centre_in)
        return sum(a.nbytes for a in parts)

    def frame(self) -> GridFrame | None:
        """Where the grid lies (None when GEOS answers every point): a point's cell is
        computed from it exactly as the kernels compute it."""
        if not self._indexed:
            return None
        x0, y0, sx, sy = (float(v) for v in self._grid)
        return GridFrame(x0, y0, sx, sy, self._ncols, self._nrows)

    def grid_info(self) -> dict[str, int]:
        """The index's shape (for benchmarks and tuning)."""
        if not self._indexed:
            return {"ncols": 0, "nrows": 0, "edges": 0, "boundary_cells": 0, "entries": 0}
        return {"ncols": self._ncols, "nrows": self._nrows, "edges": len(self._edges),
                "boundary_cells": len(self._bstart) - 1, "entries": len(self._ent_edge)}

    def contains(self, xs: npt.ArrayLike, ys: npt.ArrayLike, *,
                 threads: int | None = None) -> BoolArray:
        """True where (x, y) is in the interior; same shape as the broadcast inputs."""
        x = np.ascontiguousarray(xs, dtype=np.float64)
        y = np.ascontiguousarray(ys, dtype=np.float64)
        x, y = np.broadcast_arrays(x, y)
        shape = x.shape
        x = np.ascontiguousarray(x).ravel()
        y = np.ascontiguousarray(y).ravel()
        if not self._indexed:
            return np.asarray(shapely.contains_xy(self.geometry, x, y), dtype=bool).reshape(shape)
        out = np.empty(x.shape[0], dtype=np.uint8)
        unsure = self._run(x, y, out, threads)
        if unsure:
            # the few points within rounding distance of an edge: GEOS decides
            for lo in range(0, len(out), 1 << 20):
                part = out[lo:lo + (1 << 20)]
                idx = np.flatnonzero(part == _UNSURE)
                if len(idx):
                    part[idx] = shapely.contains_xy(self.geometry, x[lo + idx], y[lo + idx])
        return out.view(np.bool_).reshape(shape)

    def _run(self, x: FloatArray, y: FloatArray, out: npt.NDArray[np.uint8],
             threads: int | None) -> int:
        previous = numba.get_num_threads()
        if threads is not None:
            available = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
            numba.set_num_threads(max(1, min(threads, available)))
        try:
            return int(_classify(x, y, out, self._grid, self._ncols, self._nrows,
                                 self._status, self._bid, self._bstart, self._ent_edge,
                                 self._ent_first, self._edges, self._centres,
                                 self._centre_in))
        finally:
            if threads is not None:
                numba.set_num_threads(previous)


_CACHE: OrderedDict[bytes, Classifier] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 16


def classifier_for(geometry: shapely.Geometry) -> Classifier:
    """A shared classifier for this geometry, keyed by a hash of its WKB (kept for the 16
    most recently used geometries)."""
    key = hashlib.blake2b(shapely.to_wkb(geometry), digest_size=16).digest()
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    built = Classifier(geometry)
    with _CACHE_LOCK:
        _CACHE[key] = built
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built
