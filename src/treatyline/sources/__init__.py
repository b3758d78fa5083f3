"""Readers and writers of conflict-event data (I/O at the edge of treatyline).

Every reader returns an `EventFile`: the `Incidents` it accepted, the rows it set
aside (`rejected`, each a Diagnostic naming file:line, the event id and the reason)
and `warnings`. A file that cannot be read at all raises `EventDataError`.

    from treatyline.sources import read_events
    events = read_events("ged-ukraine.csv")            # format detected: 'ucdp'
    events.incidents.of_kinds("clash").between(date(2015, 2, 15), date(2015, 2, 21))

Readers: `from_ucdp_csv`, `from_acled_csv`, `from_csv` (any CSV with a
`ColumnMapping`), `from_geojson`, `from_parquet`; writers: `to_parquet`, `to_csv`,
`to_geojson`. Readers take `progress(done, total)` for a progress bar.
"""

from ._build import EventFile, Progress
from .acled import (
    ACLED,
    ACLED_GEO_PRECISION_RADIUS_KM,
    ACLED_KINDS,
    ACLED_TIME_WINDOWS,
    from_acled_csv,
)
from .csvfile import from_csv, to_csv
from .detect import FORMATS, PRESETS, detect_format, read_events
from .geojson import from_geojson, to_geojson
from .mapping import ColumnMapping, load_mapping
from .parquet import from_parquet, to_parquet
from .ucdp import UCDP_GED, UCDP_KINDS, UCDP_WHERE_PREC_RADIUS_KM, from_ucdp_csv

__all__ = [
    "ACLED",
    "ACLED_GEO_PRECISION_RADIUS_KM",
    "ACLED_KINDS",
    "ACLED_TIME_WINDOWS",
    "FORMATS",
    "PRESETS",
    "UCDP_GED",
    "UCDP_KINDS",
    "UCDP_WHERE_PREC_RADIUS_KM",
    "ColumnMapping",
    "EventFile",
    "Progress",
    "detect_format",
    "from_acled_csv",
    "from_csv",
    "from_geojson",
    "from_parquet",
    "from_ucdp_csv",
    "load_mapping",
    "read_events",
    "to_csv",
    "to_geojson",
    "to_parquet",
]
