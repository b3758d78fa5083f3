"""Treaty time arithmetic: the one place where "N days after", "N months after"
and "the first day of the month following" are computed.

Conventions (see shared/reference/treaties.md):
- "N days after D" is D + N calendar days.
- "N months after D" keeps the day of the month; when that day does not exist
  in the target month, the offset declares how it rounds: `clip` to the last
  day of the month (31 January + 1 month = 28/29 February) or `roll_over` to the
  first day of the next month (= 1 March).
- "the first day of the month following the expiry of N days after D":
  X = D + N days, then the first day of the month after X's month.
- "the first day of the Nth month after the month in which D falls":
  months=N, then first_day_of_month.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from .errors import Diagnostic, TreatylineError

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_PERIOD_YEARS",
    "DateRangeError",
    "DayOrTime",
    "Offset",
    "add_days",
    "add_months",
    "check_day",
    "day_of",
    "first_day_of_next_month",
    "parse_day",
    "parse_day_or_time",
]

MonthOverflow = Literal["clip", "roll_over"]
Then = Literal["first_day_of_next_month", "first_day_of_month"]

DayOrTime = date | datetime
"""A fact's time: a calendar day, or a timezone-aware instant."""


FIRST_DAY = date(1000, 1, 1)
LAST_DAY = date(8999, 12, 31)
"""Dates a treaty or a record may name. With periods of at most `MAX_PERIOD_YEARS`, every
day the engine computes from them stays inside what `datetime.date` can hold (years 1 to
9999), with room for the windows counted before a start."""

MAX_PERIOD_YEARS = 1000
"""The longest period (days, months and years together) a treaty may name."""

_MAX_PERIOD_DAYS = round(MAX_PERIOD_YEARS * 365.2425)


class DateRangeError(TreatylineError, ValueError):
    """Date arithmetic that would leave the calendar (before year 1 or after 9999). A
    treaty's own dates and periods are range-checked when it is loaded, so this is raised
    only for days that come from elsewhere (an as-of date, an event) near the ends."""

    def __init__(self, message: str) -> None:
        super().__init__([Diagnostic(message)])


def check_day(day: date) -> date:
    """`day`, if it lies from FIRST_DAY to LAST_DAY; otherwise ValueError saying so."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is outside the dates treatyline accepts "
                         f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})")
    return day


def add_days(day: date, days: int) -> date:
    """`day` moved by `days` (negative: back); DateRangeError past the calendar's ends."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise DateRangeError(f"{abs(days)} day(s) {'after' if days >= 0 else 'before'} "
                             f"{day.isoformat()} is outside the calendar (years 1 to "
                             "9999)") from None


def add_months(day: date, months: int, overflow: MonthOverflow = "clip") -> date:
    """`day` moved by whole months, rounding a missing day as `overflow` says;
    DateRangeError past the calendar's ends."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise DateRangeError(f"{months} month(s) after {day.isoformat()} is outside the "
                             "calendar (years 1 to 9999)")
    last = _stdlib_calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    if overflow == "clip":
        return date(year, month, last)
    return add_days(date(year, month, last), 1)


def first_day_of_next_month(day: date) -> date:
    """The first day of the month after the month of `day`."""
    return add_months(day.replace(day=1), 1)


@dataclass(frozen=True, slots=True)
class Offset:
    """A period counted from a day, with its rounding declared."""

    days: int = 0
    months: int = 0
    years: int = 0
    then: Then | None = None
    month_overflow: MonthOverflow = "clip"

    def __post_init__(self) -> None:
        for name in ("days", "months", "years"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number, not {_shown(value)}")
        if self.then not in (None, "first_day_of_next_month", "first_day_of_month"):
            raise ValueError(f"then must be first_day_of_next_month or first_day_of_month, "
                             f"not {_shown(self.then)}")
        if self.month_overflow not in ("clip", "roll_over"):
            raise ValueError(f"month_overflow must be clip or roll_over, not "
                             f"{_shown(self.month_overflow)}")
        if min(self.days, self.months, self.years) < 0:
            raise ValueError("an offset counts forward: days, months and years must be >= 0")
        if self.then == "first_day_of_month" and (self.days or not (self.months or self.years)):
            # "the first day of the Nth month after the month in which D falls": whole months
            # only, at least one, so that the result never falls before D
            raise ValueError("first_day_of_month takes whole months (at least one) and no days")
        if (self.years > MAX_PERIOD_YEARS or self.months > 12 * MAX_PERIOD_YEARS
                or self.days > _MAX_PERIOD_DAYS
                or self.years * 12 + self.months + self.days * 12 / 365.2425
                > 12 * MAX_PERIOD_YEARS):
            raise ValueError(f"a period of more than {MAX_PERIOD_YEARS} years is not accepted "
                             f"(got {self.describe().removesuffix(' after')})")

    @property
    def is_zero(self) -> bool:
        return self.days == 0 and self.months == 0 and self.years == 0 and self.then is None

    def after(self, day: date) -> date:
        """The day this offset leads to from `day` (years, then months, then days);
        DateRangeError when that day is past the end of the calendar (year 9999)."""
        moved = add_months(day, 12 * self.years + self.months, self.month_overflow)
        moved = add_days(moved, self.days)
        if self.then == "first_day_of_next_month":
            return first_day_of_next_month(moved)
        if self.then == "first_day_of_month":
            return moved.replace(day=1)
        return moved

    def describe(self) -> str:
        parts = []
        for amount, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day")):
            if amount:
                parts.append(f"{amount} {unit}{'s' if amount != 1 else ''}")
        span = " ".join(parts) if parts else "0 days"
        if self.then == "first_day_of_next_month":
            return f"the first day of the month following {span}"
        if self.then == "first_day_of_month":
            return f"the first day of the month reached after {span}"
        return "the same day" if not parts else f"{span} after"

    @classmethod
    def parse(cls, text: str) -> Offset:
        """Read the short spelling used in treaty files.

        Accepted: "30 days", "1 year", "6 months", "1 year 6 months",
        "first day of the month following 90 days", "on the same day".
        """
        cleaned = " ".join(text.strip().lower().split())
        if cleaned in {"0 days", "same day", "on the same day", "on the date", "immediately"}:
            return cls()
        then: Then | None = None
        for prefix in ("first day of the month following the expiry of ",
                       "first day of the month following "):
            if cleaned.startswith(prefix):
                then = "first_day_of_next_month"
                cleaned = cleaned[len(prefix) :]
                break
        amounts = {"day": 0, "month": 0, "year": 0}
        tokens = re.findall(r"(\d+)\s+(day|month|year)s?", cleaned)
        rest = re.sub(r"(\d+)\s+(day|month|year)s?", "", cleaned).replace("and", "").strip(" ,")
        if not tokens or rest:
            raise ValueError(
                f"cannot read {text!r} as a period; expected e.g. '30 days', '1 year', "
                "'6 months' or 'first day of the month following 90 days'"
            )
        for amount, unit in tokens:
            if len(amount) > 12:
                raise ValueError(f"a period of more than {MAX_PERIOD_YEARS} years is not "
                                 f"accepted (got {text.strip()[:40]!r})")
            amounts[unit] += int(amount)
        return cls(days=amounts["day"], months=amounts["month"], years=amounts["year"], then=then)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_day(text: str) -> date:
    """An ISO 8601 calendar day (YYYY-MM-DD), strictly; raises ValueError with the reason."""
    if not _ISO_DAY.match(text.strip()):
        raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date: {exc}") from None


def parse_day_or_time(text: str) -> DayOrTime:
    """A day (YYYY-MM-DD) or a timezone-aware ISO 8601 instant."""
    stripped = text.strip()
    if _ISO_DAY.match(stripped):
        return parse_day(stripped)
    try:
        if not _ISO_TIME.match(stripped):
            raise ValueError(stripped)
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 time "
            "with a timezone (e.g. 2015-02-15T00:00+02:00)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone; write e.g. {stripped}+02:00 or {stripped}Z")
    return moment


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def day_of(moment: DayOrTime) -> date:
    """The calendar day of a fact, in the fact's own timezone."""
    return moment.date() if isinstance(moment, datetime) else moment
