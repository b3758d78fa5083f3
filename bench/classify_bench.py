"""Benchmark: which of many points lie in the Istanbul 2022 guarantee scope?

    python bench/classify_bench.py            # 10 million points per set (about 2 minutes)
    python bench/classify_bench.py --quick    # 200,000 points: a CI smoke run

The scope, at Natural Earth 1:10m detail from the bundled boundaries: Ukraine (its 27
first-level units) minus Crimea (UA-43), Sevastopol (UA-40) and the whole Donetsk (UA-14) and
Luhansk (UA-09) oblasts - the "Russian reading" approximation of the example treaty.

Three point sets: uniform over the scope's bounding box; clustered within 500 m of the
scope's boundary; the real UCDP event coordinates (3,883 events, tiled to the set's size).
For each: points/second of treatyline's classifier (1 and 2 cores), of
`shapely.contains_xy` on the prepared geometry, of a geopandas spatial join (in a separate
process, on fewer points, with its peak memory), and of a NumPy pass that only reads the
two coordinate arrays (the memory-bandwidth ceiling); the ratios; the extra memory of a
treatyline call; and whether treatyline's answers are identical to contains_xy's on every
point. Prints; asserts nothing.

Then membership with radius (`Territory.membership`, as the minsk-2015 assess asks it): the
build time and memory of each example area's classifier, boundary index and border
clearance, and on the UCDP extract tiled to 10^5 and 10^6 points (quick: 20,000) the time
of the reference (every point with a radius measured) and of the border clearance, their
ratio, the time once the clearance is built, the share of points settled by their cell and
by their planar distance, how many are measured, and whether every answer is identical.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt
import shapely

from treatyline.territory import Classifier, boundaries

ROOT = Path(__file__).resolve().parent.parent
UCDP = ROOT / "src" / "treatyline" / "data" / "ucdp" / "ged-ukraine.csv"
FloatArray = npt.NDArray[np.float64]
KM_PER_DEGREE = 111.32


def scope() -> shapely.Geometry:
    data = boundaries()
    ukraine = shapely.union_all([data.geometry(c) for c in data.units_of("UA")])
    excluded = shapely.union_all([data.geometry(c) for c in ("UA-43", "UA-40", "UA-14", "UA-09")])
    return shapely.difference(ukraine, excluded)


def uniform(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> tuple[FloatArray,
                                                                                FloatArray]:
    xmin, ymin, xmax, ymax = geom.bounds
    return rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)


def near_boundary(geom: shapely.Geometry, n: int, rng: np.random.Generator,
                  within_m: float = 500.0) -> tuple[FloatArray, FloatArray]:
    """Points on the boundary (edges picked in proportion to their length), then moved by
    less than `within_m` metres in a random direction."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    a, b = coords[:-1][same], coords[1:][same]
    length = np.hypot(*(b - a).T)
    edge = rng.choice(len(a), size=n, p=length / length.sum())
    t = rng.uniform(0, 1, n)
    x = a[edge, 0] + t * (b[edge, 0] - a[edge, 0])
    y = a[edge, 1] + t * (b[edge, 1] - a[edge, 1])
    dist_km = rng.uniform(0, within_m / 1000.0, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    y_out = y + dist_km * np.cos(angle) / KM_PER_DEGREE
    x_out = x + dist_km * np.sin(angle) / (KM_PER_DEGREE * np.cos(np.radians(y)))
    return x_out, y_out


def ucdp(n: int) -> tuple[FloatArray, FloatArray, int]:
    with UCDP.open(encoding="utf-8", newline="") as f:
        rows = [(float(r["longitude"]), float(r["latitude"])) for r in csv.DictReader(f)]
    base = np.array(rows)
    reps = -(-n // len(base))
    tiled = np.tile(base, (reps, 1))[:n]
    return np.ascontiguousarray(tiled[:, 0]), np.ascontiguousarray(tiled[:, 1]), len(base)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def geopandas_worker(path: str) -> None:
    """Run in a fresh process, so that its peak memory (VmHWM) is the join's own."""
    import geopandas as gpd

    data = np.load(path)
    x, y = data["x"], data["y"]
    geom = shapely.from_wkb(bytes(data["wkb"]))
    polygons = gpd.GeoDataFrame({"name": ["scope"]}, geometry=[geom], crs="EPSG:4326")
    before = vm_hwm_kb()
    start = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    built = time.perf_counter()
    joined = gpd.sjoin(points, polygons, how="left", predicate="within")
    done = time.perf_counter()
    inside = joined["index_right"].notna().to_numpy()
    agree = bool(np.array_equal(inside, shapely.contains_xy(geom, x, y)))
    print(json.dumps({"build_s": built - start, "sjoin_s": done - built,
                      "peak_mb": (vm_hwm_kb() - before) / 1024, "agree": agree}))


def run_geopandas(geom: shapely.Geometry, x: FloatArray, y: FloatArray) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "points.npz")
        np.savez(path, x=x, y=y, wkb=np.frombuffer(shapely.to_wkb(geom), dtype=np.uint8))
        out = subprocess.run([sys.executable, __file__, "--geopandas-worker", path],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stderr[-2000:])
        return {}
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200,000 points per set")
    parser.add_argument("--points", type=int, default=None)
    parser.add_argument("--geopandas-points", type=int, default=None,
                        help="points for the geopandas join (default: 1M, quick: all)")
    parser.add_argument("--no-geopandas", action="store_true")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--geopandas-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.geopandas_worker:
        geopandas_worker(args.geopandas_worker)
        return 0
    n = args.points or (200_000 if args.quick else 10_000_000)
    n_gpd = min(n, args.geopandas_points or 1_000_000)
    rng = np.random.default_rng(args.seed)

    print(f"treatyline classifier benchmark: {n:,} points per set; "
          f"{numba.config.NUMBA_NUM_THREADS} cores available")
    start = time.perf_counter()
    geom = scope()
    print(f"scope: Ukraine minus UA-43, UA-40, UA-14, UA-09 at 1:10m: "
          f"{shapely.get_num_coordinates(geom):,} vertices, {len(geom.geoms)} polygons "
          f"(built in {time.perf_counter() - start:.2f} s)")
    start = time.perf_counter()
    warm = Classifier(shapely.box(0, 0, 1, 1))
    warm.contains(np.zeros(4), np.zeros(4))
    print(f"numba kernels: loaded or compiled in {time.perf_counter() - start:.2f} s "
          "(cache=True: compiled once per machine)")
    start = time.perf_counter()
    classifier = Classifier(geom)
    precompute = time.perf_counter() - start
    state = classifier.grid_info()
    print(f"precomputation: {precompute * 1000:.0f} ms; grid {state['ncols']} x {state['nrows']}"
          f", {state['boundary_cells']:,} boundary cells, index {classifier.nbytes / 2**20:.1f} MB")
    shapely.prepare(geom)
    try:
        import geopandas  # noqa: F401

        has_geopandas = not args.no_geopandas
    except ImportError:
        has_geopandas = False
        print("geopandas not installed (pip install -e '.[bench]'): join not measured")

    sets: dict[str, Callable[[], tuple[FloatArray, FloatArray]]] = {
        "uniform over the bounding box": lambda: uniform(geom, n, rng),
        "within 500 m of the boundary": lambda: near_boundary(geom, n, rng),
    }
    ucdp_x, ucdp_y, n_events = ucdp(n)
    sets[f"UCDP events ({n_events:,} tiled x{-(-n // n_events):,})"] = lambda: (ucdp_x, ucdp_y)

    for label, make in sets.items():
        x, y = make()
        print(f"\n== {label}: {n:,} points ({(x.nbytes + y.nbytes) / 2**20:.0f} MB of input)")
        ceiling = n / best_of(lambda x=x, y=y: x.sum() + y.sum())
        rates = {}
        for threads in (1, 2):
            rates[threads] = n / best_of(lambda t=threads, x=x, y=y: classifier.contains(
                x, y, threads=t))
        start = time.perf_counter()
        reference = shapely.contains_xy(geom, x, y)
        shapely_rate = n / (time.perf_counter() - start)
        ours = classifier.contains(x, y)
        identical = bool(np.array_equal(ours, reference))
        tracemalloc.start()
        tracemalloc.reset_peak()
        result = classifier.contains(x, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        extra = peak - result.nbytes
        del result
        print(f"  inside: {reference.mean():.1%}")
        print(f"  numpy read of x and y (bandwidth ceiling): {ceiling / 1e6:10.1f} M points/s")
        print(f"  treatyline, 1 core:                        {rates[1] / 1e6:10.1f} M points/s")
        print(f"  treatyline, 2 cores:                       {rates[2] / 1e6:10.1f} M points/s")
        print(f"  shapely.contains_xy (prepared):            {shapely_rate / 1e6:10.1f} M points/s")
        best = max(rates.values())
        gpd_rate = gpd_total = None
        if has_geopandas:
            g = run_geopandas(geom, x[:n_gpd], y[:n_gpd])
            if g:
                gpd_rate = n_gpd / g["sjoin_s"]
                total = gpd_total = n_gpd / (g["sjoin_s"] + g["build_s"])
                print(f"  geopandas sjoin (on {n_gpd:,} points):     {gpd_rate / 1e6:10.2f} M "
                      f"points/s ({total / 1e6:.2f} M/s with building the points frame); "
                      f"peak memory +{g['peak_mb']:.0f} MB; same answers: "
                      f"{'yes' if g['agree'] else 'NO'}")
        print(f"  ratios (best of 1/2 cores): treatyline/contains_xy {best / shapely_rate:.1f}x "
              f"(1 core {rates[1] / shapely_rate:.1f}x); "
              f"treatyline/bandwidth ceiling {best / ceiling:.0%} "
              f"(1 core {rates[1] / ceiling:.0%})"
              + (f"; treatyline/geopandas {best / gpd_rate:.0f}x "
                 f"(1 core {rates[1] / gpd_rate:.0f}x against the sjoin call alone, "
                 f"{rates[1] / gpd_total:.0f}x against building the points frame and joining)"
                 if gpd_rate and gpd_total else ""))
        print(f"  extra memory of a call: {extra / 2**20:.2f} MB scratch + "
              f"{n / 2**20:.1f} MB result, against {(x.nbytes + y.nbytes) / 2**20:.0f} MB input "
              f"({(extra + n) / (x.nbytes + y.nbytes):.1%} with the result)")
        print(f"  identical answers to contains_xy on all {n:,} points: "
              f"{'yes' if identical else 'NO (' + str(int((ours != reference).sum())) + ')'}")
    membership_section([20_000] if args.quick else [100_000, 1_000_000])
    return 0


# The minsk-2015 assess asks these areas about every event, with the event's radius.
MEMBERSHIP_AREAS = (("minsk-2015", "conflict_zone"), ("minsk-2015", "debaltseve"))
BUILD_EXAMPLES = ("nato-1949", "istanbul-2022", "minsk-2015")


def membership_section(sizes: list[int]) -> None:
    """Membership with radii: the border clearance (territory/nearness.py) against the
    reference that measures every point's distance to the border, measured in this run."""
    from assess_bench import tiled_table
    from treatyline.sources.ucdp import UCDP_WHERE_PREC_RADIUS_KM
    from treatyline.spec import load_treaty
    from treatyline.territory import Territory, geodesy, nearness

    print("\n== membership with radius (UCDP tiled, radii from where_prec as the minsk-2015 "
          "assess uses them)")
    print("  index build per area (classifier grid, the exact path's boundary index, border "
          "clearance), first use:")
    for example in BUILD_EXAMPLES:
        treaty = load_treaty(ROOT / "examples" / example / "treaty.yaml")
        territory = Territory.for_treaty(treaty)
        for area in territory.areas():
            for reading in territory.readings(area) or [None]:
                geom = territory.geometry(area, reading=reading)
                start = time.perf_counter()
                classifier = territory.classifier(area, reading=reading)
                built = time.perf_counter()
                geodesy.boundary_index(geom)  # the exact path's index, which the bound reads
                indexed = time.perf_counter()
                clearance = nearness.BorderClearance(geom, classifier)
                done = time.perf_counter()
                name = area + (f" ({reading})" if reading else "")
                print(f"    {example:14} {name:34} classifier {(built - start) * 1000:5.0f} ms"
                      f"  boundary index {(indexed - built) * 1000:5.0f} ms  clearance "
                      f"{(done - indexed) * 1000:5.0f} ms {clearance.nbytes / 2**20:5.1f} MB  "
                      f"(h/2 {clearance.loss_km:.2f} km)")
    for n in sizes:
        table = tiled_table(n)
        x = table.column("longitude").to_numpy().astype(np.float64)
        y = table.column("latitude").to_numpy().astype(np.float64)
        codes = table.column("where_prec").to_numpy()
        r = np.array([UCDP_WHERE_PREC_RADIUS_KM[int(c)] for c in codes.tolist()])
        print(f"  {n:,} points:")
        for example, area in MEMBERSHIP_AREAS:
            territory = Territory.for_treaty(load_treaty(ROOT / "examples" / example /
                                                         "treaty.yaml"))
            geom = territory.geometry(area)
            territory.classifier(area)  # built outside the timings (both paths use it)
            start = time.perf_counter()
            inside = territory.contains(area, x, y)
            expected = nearness.reference_membership(geom, inside, x, y, r)
            before = time.perf_counter() - start
            start = time.perf_counter()
            got = territory.membership(area, x, y, r)  # includes the clearance's build
            after = time.perf_counter() - start
            clearance = territory._clearance(area, None, None, build=True)
            assert clearance is not None
            start = time.perf_counter()
            again = territory.membership(area, x, y, r)  # the clearance built
            warm = time.perf_counter() - start
            clear, crossing = clearance.settle(x, y, r)
            open_ = np.flatnonzero(~(clear | crossing) & ~(r == 0))
            lower, upper = clearance.bracket_km(x[open_], y[open_])
            measured = int((~((lower > r[open_]) | (upper <= r[open_]))).sum())
            differ = int((got != expected).sum()) + int((again != expected).sum())
            print(f"    {example} {area:14} reference {before:7.2f} s  clearance {after:6.2f} s"
                  f" (once built: {warm:5.2f} s)  ratio {before / after:5.1f}x  settled by their "
                  f"cell: clear {clear.mean():6.1%}, crossing {crossing.mean():6.1%}; by the "
                  f"planar distance {(len(open_) - measured) / n:6.1%}; measured {measured:,}"
                  f"  identical: {'yes' if not differ else f'NO ({differ})'}")


if __name__ == "__main__":
    sys.exit(main())
