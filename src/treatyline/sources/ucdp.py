"""UCDP Georeferenced Event Dataset (GED) and UCDP Candidate events, as CSV.

Columns follow the GED codebook. Dates are read in the three spellings GED files
use: ISO (``2014-01-22``) and, in files that passed through a spreadsheet, month
first (``1/22/2014 12:00:00 AM``, ``05/02/2014 00:00``); never day first.

Cite: Sundberg, Ralph and Erik Melander (2013) "Introducing the UCDP Georeferenced
Event Dataset", Journal of Peace Research 50(4); Davies, Shawn, Therese Pettersson
and Magnus Öberg (2022) "Organized violence 1989-2021 and drone warfare", Journal
of Peace Research 59(4).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Final

from ..incidents import KindMapping
from ._build import EventFile, Progress
from ._csvfile import read_mapped_csv
from .mapping import ColumnMapping, as_preset

__all__ = [
    "UCDP_CITATION",
    "UCDP_GED",
    "UCDP_KINDS",
    "UCDP_TIME_PRECISION",
    "UCDP_WHERE_PREC_RADIUS_KM",
    "from_ucdp_csv",
]

UCDP_CITATION: Final = (
    "UCDP Georeferenced Event Dataset: Sundberg & Melander (2013), Journal of Peace "
    "Research 50(4); Davies, Pettersson & Öberg (2022), Journal of Peace Research 59(4)"
)

UCDP_KINDS: Final[KindMapping] = MappingProxyType({
    # UCDP records who fought and the type of conflict, not the means (shelling, air
    # strike, ...), so the finer kinds cannot be inferred; 'clash' says what UCDP says:
    # organised armed force between two sides.
    "1": "clash",  # state-based: at least one side is a state's government
    "2": "clash",  # non-state: organised groups, no government on either side
    "3": "violence_against_civilians",  # one-sided: an organised actor against civilians
})
"""type_of_violence → kind. None maps to armed_attack: whether a state-based event is an
armed attack in law is for the user (or the treaty's trigger) to decide, e.g. with
kinds={"1": "armed_attack"}."""

UCDP_WHERE_PREC_RADIUS_KM: Final[dict[int, float]] = {
    # 1: the exact place (a village or a town's centroid): the settlement's own extent.
    1: 1.0,
    # 2: "within ca 25 km of a known point", the codebook's own figure.
    2: 25.0,
    # 3: only the second-order unit (district/raion) is known; its centroid is coded.
    #    Ukraine's ~490 pre-2020 raions average ~1,200 km2 (equal-area radius ~20 km),
    #    the 136 since 2020 ~4,400 km2 (~37 km); a centroid can be ~1.5x that from the
    #    edge: 50 km.
    3: 50.0,
    # 4: only the first-order unit (oblast/province) is known; its centroid is coded.
    #    A Ukrainian oblast averages ~25,000 km2 (equal-area radius ~90 km); the
    #    farthest corner of a typical oblast is ~150 km from its centroid.
    4: 150.0,
    # 5: a part of the country larger than a province, a point between two named
    #    places, or a vaguely located area: a few provinces across, 300 km.
    5: 300.0,
    # 6: only the country is known; its centroid is coded. Ukraine's farthest border
    #    is ~650 km from its centroid. The point says "somewhere in the country".
    6: 600.0,
    # 7: over water or in international airspace: the centroid of a sea area or an
    #    estimate; the Sea of Azov is ~350 km long, so 100 km around the coded point.
    7: 100.0,
}
"""where_prec → uncertainty radius in km (typical values for Ukraine-sized units; a
mapping may override them)."""

UCDP_TIME_PRECISION: Final[dict[int, str]] = {
    1: "the exact day",
    2: "within 2-6 days (date_start..date_end)",
    3: "a week",
    4: "a month (8-30 days)",
    5: "more than a month, within a year",
}
"""date_prec codes (kept as time_precision_source; the window is date_start..date_end)."""

UCDP_GED: Final = as_preset(ColumnMapping(
    id="id",
    date="date_start",
    date_end="date_end",
    date_format="auto",
    time_precision="date_prec",
    time_precision_codes=(1, 2, 3, 4, 5),
    category="type_of_violence",
    actor1="side_a",
    actor2="side_b",
    target="country",
    longitude="longitude",
    latitude="latitude",
    location_precision="where_prec",
    fatalities="best",
    fatalities_low="low",
    fatalities_high="high",
    place="where_coordinates",
    admin1="adm_1",
    source="source_article",
    kinds=UCDP_KINDS,
    radius_km=UCDP_WHERE_PREC_RADIUS_KM,
    dataset="UCDP GED",
    citation=UCDP_CITATION,
))
"""The preset for GED and Candidate CSV files (GED codebook column names)."""


def from_ucdp_csv(
    path: str | Path,
    *,
    kinds: KindMapping | None = None,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read a UCDP GED (or Candidate) CSV file.

    `kinds` is laid over `UCDP_KINDS` (e.g. {"1": "armed_attack"}); `mapping` replaces
    the preset altogether. Bad rows are in `.rejected` with their line; a missing
    required column raises EventDataError.
    """
    chosen = (mapping or UCDP_GED).with_kinds(kinds)
    return read_mapped_csv(Path(path), chosen, "ucdp", progress)
