"""`read_events`: one entry point that tells the format from the file and reads it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ..errors import Diagnostic, EventDataError, Position, UsageError, did_you_mean
from ..incidents import KindMapping
from ..inputs import check_regular_file
from ._build import EventFile, Progress
from ._csvfile import describe_header, read_header
from .acled import ACLED, from_acled_csv
from .csvfile import as_mapping, from_csv, is_treatyline_header
from .geojson import from_geojson
from .mapping import ColumnMapping, load_mapping
from .parquet import from_parquet
from .ucdp import UCDP_GED, from_ucdp_csv

__all__ = ["FORMATS", "PRESETS", "column_mapping", "detect_format", "detect_preset",
           "read_events"]

PRESETS: Final[Mapping[str, ColumnMapping]] = {"ucdp": UCDP_GED, "acled": ACLED}
"""Preset mappings by name (a mapping file may start from one with `preset:`)."""

FORMATS: Final[tuple[str, ...]] = ("ucdp", "acled", "csv", "geojson", "parquet")
"""Formats `read_events` accepts: 'ucdp' and 'acled' are CSV files with those datasets'
columns; 'csv' is any CSV with a mapping, or treatyline's own CSV."""

_SIGNATURES: Final[dict[str, frozenset[str]]] = {
    "ucdp": frozenset({"id", "date_start", "date_end", "type_of_violence", "where_prec"}),
    "acled": frozenset({"event_id_cnty", "event_date", "event_type"}),
}


def detect_preset(names: list[str]) -> str | None:
    """'ucdp' or 'acled' when the column names are that dataset's, else None."""
    folded = {name.strip().casefold() for name in names}
    for preset, signature in _SIGNATURES.items():
        if signature <= folded:
            return preset
    return None


def detect_format(path: str | Path) -> str:
    """The format of an events file, from its first bytes, its extension and its header:
    'parquet', 'geojson', 'ucdp', 'acled', 'treatyline-csv' or 'csv'."""
    path = Path(path)
    # before any open: a FIFO would block for ever, a device never end
    check_regular_file(path, "events file", UsageError)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise UsageError([Diagnostic(f"cannot read the events file: {error.strerror}",
                                     Position(str(path)))]) from None
    suffix = path.suffix.lower()
    if head[:4] == b"PAR1" or suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".geojson", ".json") or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "geojson"
    header, _ = read_header(path)
    if is_treatyline_header(header):
        return "treatyline-csv"
    return detect_preset(header) or "csv"


def _by_name(header: list[str]) -> ColumnMapping | None:
    """A mapping for a CSV whose columns are named like ColumnMapping's fields (id, date,
    longitude, latitude, and any of kind, actor1, target, radius, fatalities, ...)."""
    fields = set(ColumnMapping.__dataclass_fields__) - {"kinds", "radius_km", "time_windows",
                                                        "dataset", "citation", "date_format",
                                                        "utc_offset", "delimiter"}
    named = {name: name for name in header if name in fields}
    if not {"id", "date", "longitude", "latitude"} <= set(named):
        return None
    return as_mapping(named)


def column_mapping(mapping: ColumnMapping | Mapping[str, Any] | str | Path | None
                   ) -> ColumnMapping | None:
    """A mapping argument as a ColumnMapping: a preset name, a YAML file, a dict or None."""
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, (str, Path)):
        if isinstance(mapping, str) and mapping in PRESETS and not Path(mapping).exists():
            return PRESETS[mapping]
        check_regular_file(Path(mapping), "mapping file", UsageError)
        return load_mapping(mapping, PRESETS)
    return as_mapping(mapping)


def read_events(
    path: str | Path,
    format: str | None = None,
    mapping: ColumnMapping | Mapping[str, Any] | str | Path | None = None,
    *,
    kinds: KindMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read an events file in any supported format.

    `format`: one of `FORMATS`, or None to detect it. `mapping`: a `ColumnMapping`, a
    dict of its fields, a preset name ('ucdp', 'acled') or a YAML mapping file; needed
    only for files whose columns are not UCDP's, ACLED's or treatyline's. `kinds` is laid
    over the mapping's kinds. Rows that cannot be used are in `.rejected`; a file that
    cannot be read at all raises EventDataError (or UsageError for a bad argument).
    """
    path = Path(path)
    chosen = column_mapping(mapping)
    detected = detect_format(path)
    if format is None:
        format = "csv" if detected == "treatyline-csv" else detected
    if format not in FORMATS:
        raise UsageError([Diagnostic(f"unknown events format {format!r} "
                                     f"(known: {', '.join(FORMATS)})", None,
                                     did_you_mean(format, FORMATS))])
    if format == "ucdp":
        return from_ucdp_csv(path, kinds=kinds, mapping=chosen, progress=progress)
    if format == "acled":
        return from_acled_csv(path, kinds=kinds, mapping=chosen, progress=progress)
    if format == "geojson":
        return from_geojson(path, chosen, kinds=kinds, progress=progress)
    if format == "parquet":
        return from_parquet(path, chosen, kinds=kinds, progress=progress)
    if chosen is None and detected in PRESETS:
        chosen = PRESETS[detected]
    if chosen is None and detected != "treatyline-csv":
        header, _ = read_header(path)
        chosen = _by_name(header)
    if chosen is None and detected != "treatyline-csv":
        raise EventDataError([Diagnostic(
            "cannot tell which columns hold what: the header is not UCDP's, ACLED's or "
            "treatyline's; give a column mapping (id, date, longitude, latitude, ...); "
            f"{describe_header(header)}",
            Position(str(path), 1))])
    return from_csv(path, chosen, kinds=kinds, progress=progress)
