"""The real UCDP GED file: every row, every date spelling, read month first."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from treatyline.errors import EventDataError
from treatyline.incidents import KINDS, Incidents, TimePrecision
from treatyline.sources import (
    UCDP_WHERE_PREC_RADIUS_KM,
    EventFile,
    detect_format,
    from_ucdp_csv,
    read_events,
)

GED = (Path(__file__).resolve().parents[1] / "src" / "treatyline" / "data" / "ucdp"
       / "ged-ukraine.csv")
# 1/22/2014 12:00:00 AM and 05/02/2014 00:00
SPELLING_A = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")
SPELLING_B = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


@pytest.fixture(scope="module")
def ged() -> EventFile:
    return from_ucdp_csv(GED)


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, str]]:
    with GED.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def month_first(text: str) -> date:
    month, day, year = text.split(" ")[0].split("/")
    return date(int(year), int(month), int(day))


def test_every_row_loads(ged: EventFile) -> None:
    assert ged.format == "ucdp"
    assert len(ged.incidents) == 3883
    assert ged.rejected == ()
    assert ged.warnings == ()
    assert detect_format(GED) == "ucdp"


def test_both_spellings_are_present_and_read_month_first(
    ged: EventFile, raw_rows: list[dict[str, str]]
) -> None:
    spellings = Counter()
    for row in raw_rows:
        for column in ("date_start", "date_end"):
            value = row[column]
            spelling = "A" if SPELLING_A.match(value) else "B" if SPELLING_B.match(value) else "?"
            spellings[(column, spelling)] += 1
    assert spellings == {("date_start", "A"): 2446, ("date_start", "B"): 1437,
                         ("date_end", "A"): 2484, ("date_end", "B"): 1399}
    # every date equals an independent month-first reading of the raw text
    expected_start = np.array([month_first(r["date_start"]) for r in raw_rows], "datetime64[D]")
    expected_end = np.array([month_first(r["date_end"]) for r in raw_rows], "datetime64[D]")
    assert (ged.incidents.day == expected_start).all()
    last_day = (ged.incidents.time_end - np.timedelta64(1, "s")).astype("datetime64[D]")
    assert (last_day == expected_end).all()
    # and the month-first reading is the right one: the 'B' spelling never has a second
    # field above 12, so only the file's other columns can tell - the year matches
    assert all(int(r["year"]) == d.astype(object).year
               for r, d in zip(raw_rows, expected_start, strict=True))


def test_05_02_2014_is_the_second_of_may(ged: EventFile) -> None:
    row = next(r for r in ged.incidents.rows() if r.id == "153030")  # Odessa, 2 May 2014
    assert row.place == "Odessa town"
    assert row.day == date(2014, 5, 2)


def test_known_event_147997(ged: EventFile) -> None:
    row = ged.incidents.row(0)  # the file's first row
    assert row.id == "147997"
    assert row.day == date(2014, 1, 22)
    assert row.time == datetime(2014, 1, 22, tzinfo=UTC)
    assert row.time_precision == TimePrecision.DAY
    assert row.time_precision_source == 1
    assert row.place == "Kiev city"
    assert row.admin1 == "Kiev Special Republican city"
    assert (row.latitude, row.longitude) == (50.45, 30.52333)
    assert row.target == "UA"
    assert row.kind == "clash"
    assert (row.category, row.subcategory) == ("1", "")
    assert (row.actor1, row.actor2) == ("Government of Ukraine", "Maidan")
    assert (row.fatalities_best, row.fatalities_low, row.fatalities_high) == (5.0, 5.0, 5.0)
    assert (row.location_precision, row.radius_km) == (1, 1.0)
    assert row.source.startswith('"Agence France Presse,2014-01-22,Police disperse Kiev protest')
    assert row.dataset == "UCDP GED"


def test_fighting_around_debaltseve_after_the_minsk_ii_ceasefire(
    ged: EventFile, raw_rows: list[dict[str, str]]
) -> None:
    after = ged.incidents.between(date(2015, 2, 15), date(2015, 2, 21))
    near = (np.abs(after.latitude - 48.2) < 0.25) & (np.abs(after.longitude - 38.4) < 0.3)
    around = after.filter(near)
    expected = [r["id"] for r in raw_rows
                if date(2015, 2, 15) <= month_first(r["date_start"]) <= date(2015, 2, 20)
                and abs(float(r["latitude"]) - 48.2) < 0.25
                and abs(float(r["longitude"]) - 38.4) < 0.3]
    assert [row.id for row in around.rows()] == expected
    assert len(expected) == 19
    days = set(around.day.astype(object))
    assert {date(2015, 2, 15), date(2015, 2, 18)} <= days
    assert "Debaltseve town" in {row.place for row in around.rows()}


def test_periods_keep_their_window_and_code(ged: EventFile) -> None:
    row = next(r for r in ged.incidents.rows() if r.id == "154734")  # 07/01..08/03/2014
    assert row.time_precision == TimePrecision.PERIOD
    assert row.time_precision_source == 5
    assert (row.day, row.last_day) == (date(2014, 7, 1), date(2014, 8, 3))
    assert row.when() == "2014-07-01..2014-08-03"
    codes = ged.incidents.time_precision_source
    assert dict(Counter(codes.tolist())) == {1: 2809, 2: 819, 3: 87, 4: 116, 5: 52}


def test_where_prec_is_carried_and_gives_the_radius(
    ged: EventFile, raw_rows: list[dict[str, str]]
) -> None:
    incidents = ged.incidents
    assert incidents.location_precision.tolist() == [int(r["where_prec"]) for r in raw_rows]
    expected = [UCDP_WHERE_PREC_RADIUS_KM[int(r["where_prec"])] for r in raw_rows]
    assert incidents.radius_km.tolist() == expected
    assert UCDP_WHERE_PREC_RADIUS_KM == {1: 1.0, 2: 25.0, 3: 50.0, 4: 150.0, 5: 300.0,
                                         6: 600.0, 7: 100.0}


def test_default_kinds_and_an_override(ged: EventFile) -> None:
    counts = Counter(KINDS[c] for c in ged.incidents.kind_codes)
    assert counts == {"clash": 3877, "violence_against_civilians": 6}
    override = from_ucdp_csv(GED, kinds={"1": "armed_attack"})
    counts = Counter(KINDS[c] for c in override.incidents.kind_codes)
    assert counts == {"armed_attack": 3876, "clash": 1, "violence_against_civilians": 6}
    assert len(ged.incidents.of_kinds("armed_attack")) == 0


def test_progress_is_reported_in_bytes() -> None:
    calls: list[tuple[int, int]] = []
    read_events(GED, progress=lambda done, total: calls.append((done, total)))
    size = GED.stat().st_size
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_iso_dates_of_other_ged_releases(tmp_path: Path, raw_rows: list[dict[str, str]]) -> None:
    path = tmp_path / "ged-iso.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(raw_rows[0]))
        writer.writeheader()
        for row in raw_rows[:200]:
            writer.writerow({**row, "date_start": month_first(row["date_start"]).isoformat(),
                             "date_end": month_first(row["date_end"]).isoformat()})
    iso = read_events(path)
    assert iso.rejected == ()
    original = from_ucdp_csv(GED).incidents.take(np.arange(200))
    assert (iso.incidents.time == original.time).all()
    assert (iso.incidents.time_end == original.time_end).all()


def test_a_missing_column_is_one_error_with_a_suggestion(tmp_path: Path) -> None:
    text = GED.read_text(encoding="utf-8")
    path = tmp_path / "ged.csv"
    path.write_text(text.replace(",latitude,", ",lattitude,", 1), encoding="utf-8")
    with pytest.raises(EventDataError) as caught:
        from_ucdp_csv(path)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:1: error: no column 'latitude' (the latitude of each event) "
        "(did you mean 'lattitude'?)"]


def test_the_package_copy_is_the_one_read() -> None:
    # the package ships its own copy (with attribution) and never reads ../shared
    assert (GED.parent / "ATTRIBUTION.md").is_file()
    assert isinstance(from_ucdp_csv(GED).incidents, Incidents)
