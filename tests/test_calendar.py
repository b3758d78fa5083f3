"""Treaty time arithmetic (treatyline.calendar): unit tests and properties.

Conventions under test are those of shared/reference/treaties.md, "How real
treaties count time".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline.calendar import (
    Offset,
    add_months,
    day_of,
    first_day_of_next_month,
    parse_day,
    parse_day_or_time,
)

# Keep every computed day far from date.max: offsets below add at most ~60 years.
DAYS = st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))
SETTINGS = settings(max_examples=300, deadline=None)



@st.composite
def offsets(draw: st.DrawFn) -> Offset:
    """Any valid offset. `then: first_day_of_month` takes whole months only (at least one)."""
    then = draw(st.sampled_from([None, "first_day_of_next_month", "first_day_of_month"]))
    months = draw(st.integers(0, 60))
    years = draw(st.integers(0, 30))
    days = draw(st.integers(0, 400))
    if then == "first_day_of_month":
        days = 0
        if not (months or years):
            months = draw(st.integers(1, 60))
    overflow = draw(st.sampled_from(["clip", "roll_over"]))
    return Offset(days=days, months=months, years=years, then=then,  # type: ignore[arg-type]
                  month_overflow=overflow)  # type: ignore[arg-type]


OFFSETS = offsets()


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- add_months ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "overflow", "expected"),
    [
        ("2015-01-31", 1, "clip", "2015-02-28"),
        ("2016-01-31", 1, "clip", "2016-02-29"),  # leap year
        ("2015-01-31", 1, "roll_over", "2015-03-01"),
        ("2016-01-31", 1, "roll_over", "2016-03-01"),
        ("2016-01-30", 1, "roll_over", "2016-03-01"),
        ("2016-01-29", 1, "roll_over", "2016-02-29"),
        ("2015-03-31", 1, "clip", "2015-04-30"),
        ("2015-03-31", 1, "roll_over", "2015-05-01"),
        ("2015-08-31", 6, "clip", "2016-02-29"),
        ("2015-12-15", 1, "clip", "2016-01-15"),
        ("2015-11-30", 3, "clip", "2016-02-29"),
        ("2015-01-15", 0, "clip", "2015-01-15"),
        ("2015-01-31", 0, "roll_over", "2015-01-31"),
        ("2015-03-31", -1, "clip", "2015-02-28"),
        ("2016-03-31", -1, "roll_over", "2016-03-01"),
        ("2016-01-15", -13, "clip", "2014-12-15"),
        ("2015-05-31", 12, "clip", "2016-05-31"),
    ],
)
def test_add_months(start: str, months: int, overflow: str, expected: str) -> None:
    assert add_months(d(start), months, overflow) == d(expected)  # type: ignore[arg-type]


def test_add_months_defaults_to_clip() -> None:
    assert add_months(d("2015-01-31"), 1) == d("2015-02-28")


@pytest.mark.parametrize(
    ("start", "overflow", "expected"),
    [
        ("2016-02-29", "clip", "2017-02-28"),
        ("2016-02-29", "roll_over", "2017-03-01"),
        ("2000-02-29", "clip", "2001-02-28"),
        ("2015-02-28", "clip", "2016-02-28"),
    ],
)
def test_leap_day_plus_one_year(start: str, overflow: str, expected: str) -> None:
    assert add_months(d(start), 12, overflow) == d(expected)  # type: ignore[arg-type]
    assert Offset(years=1, month_overflow=overflow).after(d(start)) == d(expected)  # type: ignore[arg-type]


def test_leap_day_plus_four_years_is_exact() -> None:
    assert Offset(years=4).after(d("2016-02-29")) == d("2020-02-29")
    # 1900 was not a leap year, 2000 was
    assert Offset(years=4).after(d("1896-02-29")) == d("1900-02-28")
    assert Offset(years=4, month_overflow="roll_over").after(d("1896-02-29")) == d("1900-03-01")
    assert Offset(years=4).after(d("1996-02-29")) == d("2000-02-29")


# --- first_day_of_next_month ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2015-01-01", "2015-02-01"),
        ("2015-01-31", "2015-02-01"),
        ("2015-02-28", "2015-03-01"),
        ("2016-02-29", "2016-03-01"),
        ("2015-12-01", "2016-01-01"),
        ("2015-12-31", "2016-01-01"),
    ],
)
def test_first_day_of_next_month(day: str, expected: str) -> None:
    assert first_day_of_next_month(d(day)) == d(expected)


# --- Offset.after ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "start", "expected"),
    [
        (Offset(), "2015-01-31", "2015-01-31"),
        (Offset(days=30), "2015-01-31", "2015-03-02"),
        (Offset(days=30), "2016-01-31", "2016-03-01"),
        (Offset(days=1), "2015-12-31", "2016-01-01"),
        (Offset(days=365), "2016-01-01", "2016-12-31"),
        # "the first day of the month following the expiry of N days after D"
        (Offset(days=30, then="first_day_of_next_month"), "2015-01-31", "2015-04-01"),
        (Offset(days=90, then="first_day_of_next_month"), "2015-01-31", "2015-06-01"),
        (Offset(days=90, then="first_day_of_next_month"), "2015-01-01", "2015-05-01"),
        (Offset(days=0, then="first_day_of_next_month"), "2015-12-31", "2016-01-01"),
        (Offset(days=30, then="first_day_of_next_month"), "2015-12-01", "2016-01-01"),
        (Offset(days=30, then="first_day_of_next_month"), "2015-12-02", "2016-02-01"),
        # "the first day of the sixth month after the month in which D falls"
        (Offset(months=6, then="first_day_of_month"), "2015-01-31", "2015-07-01"),
        (Offset(months=6, then="first_day_of_month"), "2015-01-01", "2015-07-01"),
        (Offset(months=6, then="first_day_of_month"), "2015-08-31", "2016-02-01"),
        (Offset(months=6, then="first_day_of_month"), "2015-07-15", "2016-01-01"),
        # years, then months, then days
        (Offset(years=1, months=1, days=1), "2015-01-31", "2016-03-01"),
        (Offset(months=1, days=1), "2015-01-31", "2015-03-01"),
        (Offset(months=1, days=1, month_overflow="roll_over"), "2015-01-31", "2015-03-02"),
        (Offset(years=20), "1949-08-24", "1969-08-24"),
    ],
)
def test_offset_after(offset: Offset, start: str, expected: str) -> None:
    assert offset.after(d(start)) == d(expected)


def test_offset_rejects_negative_amounts() -> None:
    for kwargs in ({"days": -1}, {"months": -1}, {"years": -1}):
        with pytest.raises(ValueError, match="counts forward"):
            Offset(**kwargs)  # type: ignore[arg-type]


def test_offset_is_zero() -> None:
    assert Offset().is_zero
    assert not Offset(days=1).is_zero
    assert not Offset(then="first_day_of_next_month").is_zero


def test_first_day_of_month_takes_whole_months_only() -> None:
    """"The first day of the Nth month after the month in which D falls" needs
    N >= 1 and no days: otherwise the day reached could fall before D."""
    for kwargs in ({}, {"days": 3}, {"days": 3, "months": 1}, {"years": 1, "days": 1}):
        with pytest.raises(ValueError, match="whole months"):
            Offset(then="first_day_of_month", **kwargs)  # type: ignore[arg-type]
    start = d("2020-05-15")
    assert Offset(months=1, then="first_day_of_month").after(start) == d("2020-06-01")
    assert Offset(years=1, then="first_day_of_month").after(start) == d("2021-05-01")


def test_offset_describe() -> None:
    assert Offset().describe() == "the same day"
    assert Offset(days=30).describe() == "30 days after"
    assert Offset(years=1).describe() == "1 year after"
    assert Offset(years=1, months=6).describe() == "1 year 6 months after"
    assert (
        Offset(days=90, then="first_day_of_next_month").describe()
        == "the first day of the month following 90 days"
    )
    assert (
        Offset(months=6, then="first_day_of_month").describe()
        == "the first day of the month reached after 6 months"
    )


# --- Offset.parse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 days", Offset(days=30)),
        ("1 day", Offset(days=1)),
        ("1 year", Offset(years=1)),
        ("20 years", Offset(years=20)),
        ("6 months", Offset(months=6)),
        ("1 month", Offset(months=1)),
        ("1 year 6 months", Offset(years=1, months=6)),
        ("1 year and 6 months", Offset(years=1, months=6)),
        ("1 year, 6 months", Offset(years=1, months=6)),
        ("  30   Days ", Offset(days=30)),
        ("0 days", Offset()),
        ("same day", Offset()),
        ("on the same day", Offset()),
        ("immediately", Offset()),
        ("On the Date", Offset()),
        (
            "first day of the month following 90 days",
            Offset(days=90, then="first_day_of_next_month"),
        ),
        (
            "First day of the month following 30 days",
            Offset(days=30, then="first_day_of_next_month"),
        ),
    ],
)
def test_offset_parse(text: str, expected: Offset) -> None:
    assert Offset.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "soon", "thirty days", "30 dayz", "2 weeks", "30days", "-5 days", "30", "days",
     "first day of the month following", "1 year or so"],
)
def test_offset_parse_rejects_with_a_helpful_message(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Offset.parse(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "'30 days'" in message  # shows what is expected
    assert "first day of the month following 90 days" in message


def test_offset_parse_round_trips_describe_for_plain_periods() -> None:
    for offset in (Offset(days=30), Offset(years=1), Offset(years=1, months=6, days=2)):
        assert Offset.parse(offset.describe().removesuffix(" after")) == offset
    special = Offset(days=90, then="first_day_of_next_month")
    assert Offset.parse(special.describe().removeprefix("the ")) == special


# --- parse_day and parse_day_or_time --------------------------------------------------------


def test_parse_day_accepts_iso_days() -> None:
    assert parse_day("2022-02-24") == d("2022-02-24")
    assert parse_day("2024-02-29") == d("2024-02-29")
    assert parse_day(" 2022-02-24 ") == d("2022-02-24")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2022-02-30", "not a real date"),
        ("2023-02-29", "not a real date"),
        ("2022-13-01", "not a real date"),
        ("2022-00-10", "not a real date"),
        ("22-02-2022", "YYYY-MM-DD"),
        ("2022-2-3", "YYYY-MM-DD"),
        ("2022/02/03", "YYYY-MM-DD"),
        ("20220203", "YYYY-MM-DD"),
        ("2022-02-03T00:00Z", "YYYY-MM-DD"),
        ("24 February 2022", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_parse_day_is_strict(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_day(text)
    assert repr(text) in str(caught.value)


def test_parse_day_or_time_day() -> None:
    day = parse_day_or_time("2015-02-15")
    assert day == d("2015-02-15")
    assert not isinstance(day, datetime)


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("2015-02-15T00:00+02:00", 2),
        ("2015-02-15T00:00:00+02:00", 2),
        ("2015-02-15T23:30-05:00", -5),
        ("2015-02-15T00:00Z", 0),
        ("2015-02-15T00:00+00:00", 0),
    ],
)
def test_parse_day_or_time_instant(text: str, offset_hours: int) -> None:
    moment = parse_day_or_time(text)
    assert isinstance(moment, datetime)
    assert moment.utcoffset() == timedelta(hours=offset_hours)
    # the day of a fact is the day in its own timezone
    assert day_of(moment) == d("2015-02-15")


def test_parse_day_or_time_requires_a_timezone() -> None:
    with pytest.raises(ValueError, match="no timezone") as caught:
        parse_day_or_time("2015-02-15T00:00")
    assert "+02:00" in str(caught.value)  # shows how to write one


@pytest.mark.parametrize(
    "text", ["2015-02-30", "15-02-2015", "yesterday", "2015-02-15T25:00+02:00", "2015-02-15 noon"]
)
def test_parse_day_or_time_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_day_or_time(text)
    assert repr(text) in str(caught.value)


def test_day_of() -> None:
    assert day_of(d("2015-02-15")) == d("2015-02-15")
    moment = datetime(2015, 2, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert day_of(moment) == d("2015-02-15")  # not the UTC day (16 February)


# --- properties ------------------------------------------------------------------------------


@SETTINGS
@given(OFFSETS, DAYS)
def test_offset_after_never_goes_back(offset: Offset, day: date) -> None:
    assert offset.after(day) >= day


@SETTINGS
@given(OFFSETS, DAYS, DAYS)
def test_offset_after_is_monotone(offset: Offset, first: date, second: date) -> None:
    early, late = sorted((first, second))
    assert offset.after(early) <= offset.after(late)


@SETTINGS
@given(OFFSETS, DAYS, st.integers(0, 40))
def test_offset_after_is_monotone_for_near_days(offset: Offset, day: date, gap: int) -> None:
    # near days exercise the month ends, where clipping and rolling over happen
    assert offset.after(day) <= offset.after(day + timedelta(days=gap))


@SETTINGS
@given(st.integers(0, 5000), st.integers(0, 5000), DAYS)
def test_days_offsets_compose_additively(a: int, b: int, day: date) -> None:
    assert Offset(days=a).after(Offset(days=b).after(day)) == Offset(days=a + b).after(day)
    assert Offset(days=a).after(day) == day + timedelta(days=a)


@SETTINGS
@given(DAYS)
def test_first_day_of_next_month_properties(day: date) -> None:
    result = first_day_of_next_month(day)
    assert result.day == 1
    assert day < result <= day + timedelta(days=31)
    assert (result - timedelta(days=1)).month == day.month  # no month skipped


@SETTINGS
@given(DAYS, st.integers(-1200, 1200))
def test_add_months_clip_stays_in_the_target_month(day: date, months: int) -> None:
    result = add_months(day, months, "clip")
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    assert (result.year, result.month) == (year, month0 + 1)
    assert result.day == min(day.day, (first_day_of_next_month(result) - timedelta(days=1)).day)


@SETTINGS
@given(DAYS, st.integers(-1200, 1200))
def test_add_months_roll_over_is_clip_or_the_next_day(day: date, months: int) -> None:
    clipped = add_months(day, months, "clip")
    rolled = add_months(day, months, "roll_over")
    if clipped.day == day.day:
        assert rolled == clipped
    else:
        assert rolled == clipped + timedelta(days=1)
        assert rolled.day == 1


@SETTINGS
@given(DAYS.filter(lambda x: x.day <= 28), st.integers(-1200, 1200),
       st.sampled_from(["clip", "roll_over"]))
def test_add_months_is_exact_and_invertible_for_early_days(
    day: date, months: int, overflow: str
) -> None:
    moved = add_months(day, months, overflow)  # type: ignore[arg-type]
    assert moved.day == day.day
    assert add_months(moved, -months, overflow) == day  # type: ignore[arg-type]


@SETTINGS
@given(DAYS, st.integers(0, 600), st.integers(0, 600))
def test_add_months_clip_composes_for_early_days(day: date, a: int, b: int) -> None:
    early = day.replace(day=min(day.day, 28))
    assert add_months(add_months(early, a), b) == add_months(early, a + b)
