"""ACLED exports: published column names, both date spellings, precision codes, kinds."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from treatyline.incidents import TimePrecision
from treatyline.sources import (
    ACLED_GEO_PRECISION_RADIUS_KM,
    ACLED_TIME_WINDOWS,
    detect_format,
    from_acled_csv,
    read_events,
)

Write = Callable[[str, str], Path]
SAMPLE = Path(__file__).resolve().parent / "data" / "acled-sample.csv"


def test_the_sample_export_reads_whole() -> None:
    assert detect_format(SAMPLE) == "acled"
    found = read_events(SAMPLE)
    assert (found.format, found.rejected, found.warnings) == ("acled", (), ())
    rows = list(found.incidents.rows())
    assert [(r.id, r.kind) for r in rows] == [
        ("UKR900001", "shelling"),
        ("UKR900002", "clash"),
        ("UKR900003", "airstrike"),
        ("UKR900004", "violence_against_civilians"),
        ("UKR900005", "other"),
        ("UKR900006", "other"),
    ]
    first = rows[0]
    assert (first.category, first.subcategory) == (
        "Explosions/Remote violence", "Shelling/artillery/missile attack")
    assert first.actor1 == "Military Forces of Russia (2000-)" and first.actor2 == ""
    assert first.target == "UA"  # from the numeric ISO code 804
    assert (first.place, first.admin1) == ("Chernihiv", "Chernihiv")
    assert first.fatalities_best == 0.0 and first.fatalities_high is None
    assert first.source == "Synthetic source A"
    assert first.dataset == "ACLED"
    assert rows[1].notes == "Synthetic test event, with a note\nthat runs over two lines."
    assert rows[3].day == date(2022, 3, 29)  # '29 March 2022'


def test_precision_codes_give_windows_and_radii() -> None:
    incidents = from_acled_csv(SAMPLE).incidents
    assert incidents.time_precision_source.tolist() == [1, 2, 3, 1, 1, 1]
    assert incidents.location_precision.tolist() == [1, 2, 3, 1, 1, 2]
    assert incidents.radius_km.tolist() == [
        ACLED_GEO_PRECISION_RADIUS_KM[code] for code in (1, 2, 3, 1, 1, 2)]
    assert ACLED_GEO_PRECISION_RADIUS_KM == {1: 2.0, 2: 25.0, 3: 150.0}
    assert ACLED_TIME_WINDOWS == {2: (3, 3), 3: (15, 15)}
    week, month = incidents.row(1), incidents.row(2)
    assert week.time_precision == TimePrecision.PERIOD
    assert (week.day, week.last_day) == (date(2022, 3, 27), date(2022, 4, 2))
    assert (month.day, month.last_day) == (date(2022, 3, 16), date(2022, 4, 15))
    assert incidents.row(0).time_precision == TimePrecision.DAY
    # the window is what a ceasefire test needs: the week-level event may fall on the 29th
    assert incidents.overlap_mask(date(2022, 3, 29), date(2022, 3, 30)).tolist() == [
        True, True, True, True, False, False]


def test_kind_override_for_one_category() -> None:
    found = from_acled_csv(SAMPLE, kinds={"Battles": "ground_assault",
                                          "Protests": {"*": "protest_violence"}})
    assert [r.kind for r in found.incidents.rows()] == [
        "shelling", "ground_assault", "airstrike", "violence_against_civilians",
        "protest_violence", "other"]


def test_old_upper_case_headers_match(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path = tmp_path / "old.csv"
    path.write_text(header.upper() + "\n" + rest, encoding="utf-8")
    found = read_events(path)
    assert found.format == "acled" and len(found.incidents) == 6 and found.rejected == ()


def test_slash_dates_are_not_guessed(write: Write) -> None:
    header = SAMPLE.read_text(encoding="utf-8").split("\n", 1)[0]
    row = ("UKR1,{date},2022,1,Political violence,Battles,Armed clash,A,,1,B,,1,11,,804,"
           "Europe,Ukraine,Kyiv,,,Irpin,50.5,30.2,1,src,National,notes,0,,1")
    path = write("acled.csv", "\n".join(
        [header, row.format(date="03/04/2022"), row.replace("UKR1", "UKR2").format(
            date="2022-03-04"), row.replace("UKR1", "UKR3").format(date="29-Mar-2022")]) + "\n")
    found = from_acled_csv(path)
    assert [r.id for r in found.incidents.rows()] == ["UKR2", "UKR3"]
    assert [re.sub(r"^\S*/", "", str(d)) for d in found.rejected] == [
        "acled.csv:2: error: event UKR1: event_date: '03/04/2022' is not a date in a known "
        "spelling (expected YYYY-MM-DD (optionally THH:MM[:SS] and Z or +HH:MM) or D Month "
        "YYYY (e.g. 29 March 2022))"]
    assert found.incidents.day.tolist() == [date(2022, 3, 4), date(2022, 3, 29)]
    assert np.isnan(found.incidents.fatalities_low).all()
