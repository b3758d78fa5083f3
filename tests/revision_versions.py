"""Two versions of the Minsk II example's UCDP events, the second revised by the test.

The revision is made here from the bundled rows with the test's own reading of the CSV
(no treatyline code), so that what changed, and what the verdicts must then be, is
known independently of the module under test. Measured as of 2015-03-31, against the
ceasefire that starts at 00:00 Kyiv time on 2015-02-15 with a 14-day baseline:

- relocated: every row whose dates reach 2015-02-15..2015-03-31 is moved to Lviv (far
  outside the Donetsk and Luhansk oblasts, the ceasefire's area), placed exactly;
- re-dated: every row wholly inside the baseline window 2015-02-01..2015-02-14 is moved
  21 days earlier, out of every window;
- deleted: ten rows of early January (before every window);
- added: three rows copied from early January under new ids, and one copied from the
  ceasefire's first week placed in Kharkiv (outside the ceasefire's area, placed exactly);
- re-dated in precision only: three rows of April (after the as-of day) get another UCDP
  date_prec code, their dates as they were;
- otherwise changed: three more rows of April get one more death (`best`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from cli_inprocess import EXAMPLES

MINSK_EVENTS = EXAMPLES / "minsk-2015" / "events.csv"
AS_OF = date(2015, 3, 31)
CEASEFIRE_DAY = date(2015, 2, 15)
BASELINE = (date(2015, 2, 1), date(2015, 2, 14))
LVIV = (24.03, 49.84)  # longitude, latitude
KHARKIV = (36.23, 49.99)
ADDED_IN_KHARKIV = "9100001"
REDATE_DAYS = 21
EARLY = date(2015, 1, 10)  # rows ending on or before it lie before every window


def ucdp_day(text: str) -> date:
    """A UCDP date cell as the bundled extract writes it ('01/06/2015 00:00' or
    '1/22/2015 12:00:00 AM'): month first."""
    for pattern in ("%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise AssertionError(f"unexpected UCDP date {text!r}")


def _cell(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year} 00:00"


@dataclass(frozen=True)
class Revision:
    header: list[str]
    original: list[dict[str, str]]
    revised: list[dict[str, str]]
    relocated: frozenset[str]
    redated: frozenset[str]
    """Rows whose dates, or only their date precision, changed."""
    deleted: frozenset[str]
    added: frozenset[str]
    otherwise: frozenset[str]


def revise() -> Revision:
    with MINSK_EVENTS.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        original = list(reader)
    relocated: set[str] = set()
    redated: set[str] = set()
    early = [row for row in original if ucdp_day(row["date_end"]) <= EARLY]
    deleted = {row["id"] for row in early[:10]}
    late = [row for row in original if ucdp_day(row["date_start"]) > AS_OF]
    precision_only = {row["id"] for row in late[:3]}
    otherwise = {row["id"] for row in late[3:6]}
    revised: list[dict[str, str]] = []
    for row in original:
        first, last = ucdp_day(row["date_start"]), ucdp_day(row["date_end"])
        if row["id"] in deleted:
            continue
        new = dict(row)
        if last >= CEASEFIRE_DAY and first <= AS_OF:
            new.update(longitude=str(LVIV[0]), latitude=str(LVIV[1]), where_prec="1",
                       geom_wkt=f"POINT ({LVIV[0]} {LVIV[1]})", adm_1="Lviv oblast",
                       where_coordinates="Lviv town")
            relocated.add(row["id"])
        elif BASELINE[0] <= first and last <= BASELINE[1]:
            shift = timedelta(days=-REDATE_DAYS)
            new.update(date_start=_cell(first + shift), date_end=_cell(last + shift))
            redated.add(row["id"])
        elif row["id"] in precision_only:
            new["date_prec"] = str(int(row["date_prec"]) % 5 + 1)
            redated.add(row["id"])
        elif row["id"] in otherwise:
            new["best"] = str(int(row["best"]) + 1)
        revised.append(new)
    added: set[str] = set()
    for number, row in enumerate(early[10:13], start=1):
        copy = dict(row, id=f"9{number:06d}")
        added.add(copy["id"])
        revised.append(copy)
    in_first_week = next(row for row in original
                         if CEASEFIRE_DAY < ucdp_day(row["date_start"])
                         == ucdp_day(row["date_end"]) < CEASEFIRE_DAY + timedelta(days=7))
    revised.append(dict(in_first_week, id=ADDED_IN_KHARKIV, longitude=str(KHARKIV[0]),
                        latitude=str(KHARKIV[1]), where_prec="1", adm_1="Kharkiv oblast",
                        geom_wkt=f"POINT ({KHARKIV[0]} {KHARKIV[1]})"))
    added.add(ADDED_IN_KHARKIV)
    return Revision(header, original, revised, frozenset(relocated), frozenset(redated),
                    frozenset(deleted), frozenset(added), frozenset(otherwise))


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def version_folder(root: Path, revision: Revision) -> Path:
    """ged@2015-05-01.csv (the bundled rows) and obtained=2015-07-01/ (the revised rows,
    in two partitions)."""
    folder = root / "ged"
    write_rows(folder / "ged@2015-05-01.csv", revision.header, revision.original)
    half = len(revision.revised) // 2
    write_rows(folder / "obtained=2015-07-01" / "part-0.csv", revision.header,
               revision.revised[:half])
    write_rows(folder / "obtained=2015-07-01" / "part-1.csv", revision.header,
               revision.revised[half:])
    return folder
