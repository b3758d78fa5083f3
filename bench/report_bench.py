"""Benchmark of the HTML report at real sizes: page size, build time and render time.

    .venv/bin/python bench/report_bench.py            # 10^3, 10^4 and 10^5 events
    .venv/bin/python bench/report_bench.py --quick    # 10^3 only, for CI

Events are the bundled UCDP GED extract tiled and jittered to each size (the helper the
tests use), read once per size for the Minsk II example as of 2025-01-01, so every event
is drawn. For each size it prints:

- the time to read the file, assess and measure the commitments (not the report's own);
- the report's build time (`build_report`, median of a few runs) and page size;
- the same with density switched off (one circle per incident, as the map drew them
  before), and the ratios: what density saves;
- with Chromium installed, the time to load and render the page headless (median of
  fresh browser processes, minus an empty page's, so the browser's own start-up is out).

Always exits 0 when the report builds: the figures are for reading, the CI run only
checks that the script still works.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' event tiler: one copy of it

import treatyline.report.mapview as mapview  # noqa: E402
from tiled_events import write_tiled_events  # noqa: E402
from treatyline.bundle import load_bundle  # noqa: E402
from treatyline.monitor import Monitoring, monitor  # noqa: E402
from treatyline.report import build_report  # noqa: E402

EXAMPLE = ROOT / "examples" / "minsk-2015"
AS_OF = date(2025, 1, 1)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--proxy-server=127.0.0.1:9", "--window-size=1400,2600"]


def _median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _build(seen: Monitoring, density: bool) -> str:
    bundle = load_bundle(EXAMPLE)
    saved = mapview.DENSITY_FROM
    if not density:  # the map as it was: one circle per incident at every size
        mapview.DENSITY_FROM = sys.maxsize
    try:
        a = seen.assessment
        return build_report(bundle, a.as_of, a, list(a.commitments), seen.incidents,
                            seen.territory)
    finally:
        mapview.DENSITY_FROM = saved


def _render_seconds(page: Path, profile: Path, runs: int) -> float:
    assert CHROMIUM is not None

    def run() -> None:
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                        "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
                       capture_output=True, timeout=600, check=True)

    return _median_seconds(run, runs)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10^3 events only (for CI)")
    parser.add_argument("--runs", type=int, default=3, help="runs per median (default 3)")
    args = parser.parse_args()
    sizes = [1_000] if args.quick else [1_000, 10_000, 100_000]
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = folder / "empty.html"
        empty.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
        if CHROMIUM:  # a first start (profile created) is slower: not counted
            _render_seconds(empty, folder / "profile", 1)
        floor = _render_seconds(empty, folder / "profile", runs) if CHROMIUM else 0.0
        print(f"report of {EXAMPLE.name} as of {AS_OF}; build: median of {runs} run(s)"
              + (f"; render: Chromium, minus an empty page's {floor:.2f} s" if CHROMIUM
                 else "; render: Chromium not installed, not measured"))
        header = (f"{'events':>8} {'read+assess':>11} {'build':>8} {'page':>9} "
                  f"{'build 1-by-1':>12} {'page 1-by-1':>11} {'size ratio':>10} "
                  f"{'render':>8} {'render 1-by-1':>13}")
        print(header)
        for count in sizes:
            events = write_tiled_events(folder / f"events-{count}.csv", count)
            start = time.perf_counter()
            seen = monitor(load_bundle(EXAMPLE), AS_OF, events=[events])
            read = time.perf_counter() - start
            build, html = _median_seconds(partial(_build, seen, True), runs)
            build_old, html_old = _median_seconds(partial(_build, seen, False), runs)
            size, size_old = len(str(html).encode()), len(str(html_old).encode())
            render = render_old = float("nan")
            if CHROMIUM:
                page, page_old = folder / f"density-{count}.html", folder / f"circles-{count}.html"
                page.write_text(str(html), encoding="utf-8")
                page_old.write_text(str(html_old), encoding="utf-8")
                render = _render_seconds(page, folder / "profile", runs) - floor
                render_old = _render_seconds(page_old, folder / "profile", runs) - floor
            print(f"{count:>8,} {read:>10.2f}s {build:>7.2f}s {size / 1e6:>7.2f}MB "
                  f"{build_old:>11.2f}s {size_old / 1e6:>9.2f}MB {size_old / size:>9.1f}x "
                  f"{render:>7.2f}s {render_old:>12.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
