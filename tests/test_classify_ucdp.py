"""Real events: UCDP's own first-level unit (adm_1) against the bundled ISO 3166-2 units."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources

import numpy as np
import shapely

from treatyline.territory import Classifier, boundaries

# UCDP's adm_1 spellings -> ISO 3166-2:UA
ADM1_TO_ISO = {
    "Donetsk oblast": "UA-14",
    "Luhansk oblast": "UA-09",
    "Kharkiv Oblast": "UA-63",
    "Kherson oblast": "UA-65",
    "Zaporizhzhya oblast": "UA-23",
    "Dnipropetrovsk oblast": "UA-12",
    "Mykolayiv oblast": "UA-48",
    "Kiev Special Republican city": "UA-30",
    "Odessa oblast": "UA-51",
    "Sumy oblast": "UA-59",
    "Chernihiv oblast": "UA-74",
    "Cherkasy oblast": "UA-71",
    "Khmelnytskyi oblast": "UA-68",
}


def exact_events() -> tuple[np.ndarray, np.ndarray, list[str]]:
    ref = resources.files("treatyline").joinpath("data", "ucdp", "ged-ukraine.csv")
    with ref.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["where_prec"] == "1" and r["adm_1"]]
    lon = np.array([float(r["longitude"]) for r in rows])
    lat = np.array([float(r["latitude"]) for r in rows])
    return lon, lat, [r["adm_1"] for r in rows]


def test_ucdp_adm1_agrees_with_bundled_units() -> None:
    lon, lat, adm1 = exact_events()
    assert len(adm1) == 1055  # where_prec 1: the exact location is known
    assert set(adm1) <= set(ADM1_TO_ISO), set(adm1) - set(ADM1_TO_ISO)
    data = boundaries()
    found = np.full(len(lon), "", dtype=object)
    for code in data.units_of("UA"):
        inside = Classifier(data.geometry(code)).contains(lon, lat)
        assert not (inside & (found != "")).any(), "units overlap"
        found[inside] = code
    expected = np.array([ADM1_TO_ISO[a] for a in adm1], dtype=object)
    agree = float((found == expected).mean())
    misses = Counter(zip(expected[found != expected], found[found != expected], strict=True))
    print(f"UCDP adm_1 agreement on {len(adm1)} exact events: {agree:.2%}; "
          f"disagreements (UCDP, bundled): {dict(misses)}")
    # Measured: 98.2% (1036 of 1055). Every event that lies in a Ukrainian unit at all lies
    # in the unit UCDP names (no event is put in a wrong oblast); the 19 exceptions are
    # points that Natural Earth's 1:10m lines leave outside Ukraine:
    # - 15 events geocoded to one point in Kherson city (32.61458 E, 46.63695 N), ~100 m
    #   into the Dnipro at 1:10m (the river bank is generalised);
    # - 1 Mykolaiv oblast event ~400 m into the Dnipro-Buh estuary (coastline detail);
    # - 1 Donetsk oblast event ~4 km across the border in Russia (Rostov oblast), at a
    #   border crossing that UCDP geocodes to the Ukrainian side;
    # - 1 Sumy oblast event ~20 m across the Russian border.
    # So the threshold is set from the data: >= 97%, and every disagreement is "in no unit".
    assert agree >= 0.97
    assert set(found[found != expected]) == {""}


def test_every_exact_event_is_in_ukraine_or_on_its_edge() -> None:
    lon, lat, _ = exact_events()
    ukraine = boundaries().geometry("UA")
    inside = Classifier(ukraine).contains(lon, lat)
    near = shapely.dwithin(ukraine, shapely.points(lon[~inside], lat[~inside]), 0.1)
    assert near.all()  # within ~10 km: coastline and border detail
