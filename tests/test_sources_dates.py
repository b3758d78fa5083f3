"""Date spellings of event files: every spelling of a moment reads back as that moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from treatyline.sources._dates import explain, parse_times, spellings_of

AUTO = spellings_of("auto")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def seconds(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())


def spellings(day: date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.month}/{day.day}/{day.year} 12:00:00 AM",
        f"{day.month:02d}/{day.day:02d}/{day.year} 00:00",
        f"{day.day} {MONTHS[day.month - 1]} {day.year}",
        f"{day.day:02d}-{MONTHS[day.month - 1][:3]}-{day.year}",
    ]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_spelling_of_a_day_is_that_day(day: date) -> None:
    parsed = parse_times(pa.array(spellings(day)), AUTO)
    assert (parsed.problem == 0).all()
    assert not parsed.timed.any()
    expected = seconds(datetime(day.year, day.month, day.day, tzinfo=UTC))
    assert parsed.seconds.tolist() == [expected] * 5
    assert parsed.spelling.tolist() == [0, 1, 1, 2, 2]


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
       st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_times_of_day_and_offsets(moment: datetime, offset_minutes: int) -> None:
    moment = moment.replace(microsecond=0)
    hour12 = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    zone = timezone(timedelta(minutes=offset_minutes))
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    values = [
        f"{moment.month}/{moment.day}/{moment.year} {hour12}:{moment.minute:02d}:"
        f"{moment.second:02d} {half}",
        moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z",
        moment.strftime("%Y-%m-%d %H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}",
    ]
    parsed = parse_times(pa.array(values), AUTO)
    assert (parsed.problem == 0).all()
    utc = seconds(moment.replace(tzinfo=UTC))
    assert parsed.seconds.tolist() == [utc, utc, seconds(moment.replace(tzinfo=zone))]


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1950, 2050))
def test_slash_dates_are_month_first_never_day_first(first: int, second: int, year: int) -> None:
    parsed = parse_times(pa.array([f"{first:02d}/{second:02d}/{year} 00:00"]), AUTO)
    assert parsed.problem.tolist() == [0]
    day = np.datetime64(int(parsed.seconds[0]), "s").astype("datetime64[D]").astype(object)
    assert (day.month, day.day) == (first, second)


@given(st.integers(13, 31), st.integers(1, 12), st.integers(1950, 2050))
def test_a_day_first_date_is_rejected_not_turned_round(first: int, second: int,
                                                       year: int) -> None:
    text = f"{first}/{second}/{year}"
    parsed = parse_times(pa.array([text]), AUTO)
    assert parsed.problem.tolist() == [3]
    assert explain(text, AUTO) == (f"{text!r} has no month {first}: dates here are read "
                                   "month first (M/D/YYYY), never day first")


def test_strptime_patterns_and_explicit_day_first() -> None:
    parsed = parse_times(pa.array(["15.02.2015", "31.02.2015", ""]), spellings_of("%d.%m.%Y"))
    assert parsed.problem.tolist() == [0, 4, 1]  # 31 February is no day, not 3 March
    assert parsed.seconds[0] == seconds(datetime(2015, 2, 15, tzinfo=UTC))
    day_first = parse_times(pa.array(["05/02/2014"]), spellings_of("dmy"))
    assert day_first.seconds[0] == seconds(datetime(2014, 2, 5, tzinfo=UTC))


def test_long_columns_parse_each_distinct_value_once_with_the_same_result() -> None:
    values = ["2015-02-15", "2/15/2015 12:00:00 AM", "22/01/2014", "", "15 February 2015",
              "2015-02-15T10:00+02:00", "2/30/2015"] * 3_000  # 21,000 rows, 7 distinct
    whole = parse_times(pa.array(values), AUTO)
    one_each = parse_times(pa.array(values[:7]), AUTO)
    assert whole.problem.tolist() == one_each.problem.tolist() * 3_000
    assert whole.seconds.tolist() == one_each.seconds.tolist() * 3_000
    assert whole.timed.tolist() == one_each.timed.tolist() * 3_000
    assert one_each.problem.tolist() == [0, 0, 3, 1, 0, 0, 4]
