"""ACLED (Armed Conflict Location & Event Data) exports, as CSV.

Column names are ACLED's published ones (lower case in current exports; upper case
in old ones, which match too). `event_date` is ISO (``2022-03-29``) in current
exports and ``29 March 2022`` in old ones; a slash date is rejected rather than
guessed, because ACLED's own files never use one and its order would be a guess.

Cite: Raleigh, Clionadh, Andrew Linke, Håvard Hegre and Joakim Karlsen (2010)
"Introducing ACLED: An Armed Conflict Location and Event Dataset", Journal of
Peace Research 47(5); and the ACLED terms of use for the export used.
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
    "ACLED",
    "ACLED_CITATION",
    "ACLED_GEO_PRECISION_RADIUS_KM",
    "ACLED_KINDS",
    "ACLED_TIME_WINDOWS",
    "from_acled_csv",
]

ACLED_CITATION: Final = (
    "ACLED: Raleigh, Linke, Hegre & Karlsen (2010), Journal of Peace Research 47(5)"
)

ACLED_KINDS: Final[KindMapping] = MappingProxyType({
    "Battles": {
        "Armed clash": "clash",
        "Government regains territory": "ground_assault",
        "Non-state actor overtakes territory": "ground_assault",
        "*": "clash",
    },
    "Explosions/Remote violence": {
        # ACLED folds missiles into shelling and drones into air strikes; the finer
        # kinds (missile_strike, drone_strike) need a source that separates them
        "Shelling/artillery/missile attack": "shelling",
        "Air/drone strike": "airstrike",
        "Remote explosive/landmine/IED": "explosion",
        "Grenade": "explosion",
        "Suicide bomb": "explosion",
        # a chemical weapon is remote violence but not an explosion: kept apart
        "Chemical weapon": "other",
        "*": "explosion",
    },
    "Violence against civilians": "violence_against_civilians",
    "Riots": {
        "Violent demonstration": "protest_violence",
        "Mob violence": "protest_violence",
        "*": "protest_violence",
    },
    "Protests": {
        "Excessive force against protesters": "protest_violence",
        "Excessive force against protestors": "protest_violence",  # older spelling
        "Protest with intervention": "protest_violence",
        "Peaceful protest": "other",
        "*": "other",
    },
    # agreements, arrests, base establishment, looting, non-violent transfers, ...
    "Strategic developments": "other",
})
"""event_type (→ sub_event_type) → kind. Nothing maps to armed_attack (a legal
characterisation ACLED does not make); override with e.g.
kinds={"Explosions/Remote violence": {"*": "armed_attack"}}."""

ACLED_GEO_PRECISION_RADIUS_KM: Final[dict[int, float]] = {
    # 1: the source names a town and ACLED codes its coordinates: the town's extent.
    1: 2.0,
    # 2: "near" a town or a small part of a region, coded to the nearest town: the
    #    same order as UCDP's "within ca 25 km of a known point".
    2: 25.0,
    # 3: only a larger region is named and its capital is coded: a province's reach,
    #    as UCDP where_prec 4 (a Ukrainian oblast's corner is ~150 km from its centre).
    3: 150.0,
}
"""geo_precision → uncertainty radius in km."""

ACLED_TIME_WINDOWS: Final[dict[int, tuple[int, int]]] = {
    # 2: only the week is known and the date is a day inside it: ±3 days.
    2: (3, 3),
    # 3: only the month is known and the date is a day inside it (its middle): ±15 days.
    3: (15, 15),
}
"""time_precision → days before and after event_date that the event may fall on, so that
a week- or month-level event is not placed on one side of a ceasefire with false
confidence. Precision 1 (the day) is not widened."""

ACLED: Final = as_preset(ColumnMapping(
    id="event_id_cnty",
    date="event_date",
    date_format="iso+named",
    time_precision="time_precision",
    time_precision_codes=(1, 2, 3),
    time_windows=ACLED_TIME_WINDOWS,
    category="event_type",
    subcategory="sub_event_type",
    actor1="actor1",
    actor2="actor2",
    target="iso",  # ISO 3166-1 numeric
    longitude="longitude",
    latitude="latitude",
    location_precision="geo_precision",
    fatalities="fatalities",
    place="location",
    admin1="admin1",
    notes="notes",
    source="source",
    kinds=ACLED_KINDS,
    radius_km=ACLED_GEO_PRECISION_RADIUS_KM,
    dataset="ACLED",
    citation=ACLED_CITATION,
))
"""The preset for ACLED CSV exports."""


def from_acled_csv(
    path: str | Path,
    *,
    kinds: KindMapping | None = None,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read an ACLED CSV export. `kinds` is laid over `ACLED_KINDS` category by category;
    `mapping` replaces the preset altogether."""
    chosen = (mapping or ACLED).with_kinds(kinds)
    return read_mapped_csv(Path(path), chosen, "acled", progress)
