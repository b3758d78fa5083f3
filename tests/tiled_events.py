"""Large event files for the report's size tests and its benchmark: the bundled UCDP GED
extract (about 3,900 real events in Ukraine) tiled to any size, each copy with its own ids
and its coordinates jittered so that copies do not sit on the same points."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["write_tiled_events"]


def write_tiled_events(path: Path, count: int, *, seed: int = 9,
                       jitter_degrees: float = 0.08) -> Path:
    """Write `count` UCDP-format events to `path` (CSV) and return it."""
    source = resources.files("treatyline").joinpath("data", "ucdp", "ged-ukraine.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rng = np.random.default_rng(seed)
    shifts = rng.normal(0.0, jitter_degrees, size=(count, 2))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in range(count):
            copy, row = divmod(i, len(rows))
            out = dict(rows[row])
            out["id"] = f"{out['id']}-{copy}" if copy else out["id"]
            lat = float(out["latitude"]) + shifts[i, 1] * (copy > 0)
            lon = float(out["longitude"]) + shifts[i, 0] * (copy > 0)
            out["latitude"], out["longitude"] = f"{lat:.5f}", f"{lon:.5f}"
            if "geom_wkt" in out:
                out["geom_wkt"] = f"POINT ({lon:.5f} {lat:.5f})"
            writer.writerow(out)
    return path
