"""Every warning about the event data, and every row set aside, reaches the user: on the
console (stderr), in `assess --json` and in the report; `assess` and `report` agree on
the exit code for the same data.

The events are a generic CSV written by the test (Kyiv, around Russia's announcement of
2022-03-29): categories with the month in them, one not in the kind mapping, an unknown
country, rows without an id, and one row dated two years after the rest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from cli_inprocess import copy_example, run_cli_output
from treatyline.event_warnings import WARNING_CODES, date_outliers
from treatyline.incidents import Incidents

START = date(2022, 3, 29)
MAPPING = """\
id: event_id
date: date
category: category
kinds: {"Shelling March 2022": shelling, "Shelling April 2022": shelling}
target: country
longitude: lon
latitude: lat
radius: radius
"""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Run:
    return Run(*run_cli_output(capsys, *args))


def _rows(per_day_before: int, per_day_after: int, *, radius: str = "1") -> list[str]:
    """Events in Kyiv: 14 days before the start and 14 days from it."""
    rows = []
    for offset in range(-14, 14):
        day = START + timedelta(days=offset)
        # 'Apr.' is not how the mapping spells April
        category = "Shelling March 2022" if day.month == 3 else "Shelling Apr. 2022"
        for k in range(per_day_before if offset < 0 else per_day_after):
            rows.append(f"e{offset + 14}-{k},{day},{category},Ukraine,30.52,50.45,{radius}")
    return rows


def _write(folder: Path, rows: list[str], mapping: str = MAPPING) -> Path:
    events = folder / "log.csv"
    events.write_text("event_id,date,category,country,lon,lat,radius\n" + "\n".join(rows)
                      + "\n", encoding="utf-8")
    (folder / "log.mapping.yaml").write_text(mapping, encoding="utf-8")
    return events


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """The Istanbul example with a messy log: 224 rows, of which 2 have no id."""
    folder = copy_example(tmp_path, "istanbul-2022")
    rows = _rows(12, 4)
    rows[5] = ",".join(["", *rows[5].split(",")[1:]])  # no id: set aside
    rows[40] = ",".join(["", *rows[40].split(",")[1:]])
    rows.append("late-1,2024-03-01,Shelling March 2022,Ukraine,30.52,50.45,1")  # a typo?
    rows.append("far-1,2022-03-20,Shelling March 2022,Ruritania,30.52,50.45,1")
    _write(folder, rows)
    return folder


def test_warnings_and_rows_set_aside_reach_json_console_and_report(
        messy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = messy / "log.csv"
    assessed = _run(capsys, "assess", messy, "--events", events, "--as-of", "2022-05-17",
                    "--json")
    data = json.loads(assessed.out)
    codes = [w["code"] for w in data["warnings"]]
    assert set(codes) == {"category-not-mapped", "unknown-country", "date-outlier"}
    assert set(codes) <= set(WARNING_CODES)
    by_code = {w["code"]: w for w in data["warnings"]}
    assert "'Shelling Apr. 2022'" in by_code["category-not-mapped"]["message"]
    assert by_code["category-not-mapped"]["place"].startswith(f"{events}:")
    assert "2024-03-01" in by_code["date-outlier"]["message"]
    assert "late-1" in by_code["date-outlier"]["message"]
    assert "'Ruritania'" in by_code["unknown-country"]["message"]
    assert len(data["events_rejected"]) == 2
    # the console: each warning with its place and code, on stderr
    for warning in data["warnings"]:
        assert f"[{warning['code']}]" in assessed.err
    assert "3 warning(s) about the event data" in assessed.err
    assert "2 event row(s) rejected" in assessed.err

    html_file = messy / "report.html"
    reported = _run(capsys, "report", messy, "--events", events, "--as-of", "2022-05-17",
                    "-o", html_file)
    assert reported.code == assessed.code == 1  # the same data, the same exit code
    assert "3 warning(s) about the event data" in reported.err
    html = html_file.read_text(encoding="utf-8")
    section = html[html.index('<section id="event-data">'):]
    section = section[:section.index("</section>")]
    assert "2 row(s) set aside" in section
    for warning in data["warnings"]:
        assert f"<code>{warning['code']}</code>" in section
    assert "no event id" in section and "log.csv:7" in section

    tables = _run(capsys, "assess", messy, "--events", events, "--as-of", "2022-05-17")
    assert tables.code == 1
    assert "Event rows set aside (2)" in tables.out
    assert "[date-outlier]" in tables.err


def test_clean_data_exit_zero_from_both_commands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    mapping = MAPPING.replace('"Shelling April 2022"', '"Shelling Apr. 2022"')
    events = _write(folder, _rows(12, 4), mapping)
    assessed = _run(capsys, "assess", folder, "--events", events, "--as-of", "2022-05-17",
                    "--json")
    reported = _run(capsys, "report", folder, "--events", events, "--as-of", "2022-05-17",
                    "-o", folder / "r.html")
    assert assessed.code == reported.code == 0, assessed.err + reported.err
    assert json.loads(assessed.out)["warnings"] == []
    assert "warning" not in assessed.err + reported.err
    html = (folder / "r.html").read_text(encoding="utf-8")
    assert "no row set aside" in html


def _incidents(days: list[date]) -> Incidents:
    return Incidents.from_columns(
        id=[f"e{i}" for i in range(len(days))], time=days, kind=["clash"] * len(days),
        longitude=[30.5] * len(days), latitude=[50.4] * len(days))


def test_a_date_far_from_the_rest_is_named_and_a_long_log_is_not() -> None:
    log = [date(2022, 3, 1) + timedelta(days=i % 300) for i in range(300)]
    assert date_outliers(_incidents(log), "f.csv") == []
    [warning] = date_outliers(_incidents([*log, date(2024, 3, 1)]), "f.csv")
    assert warning.code == "date-outlier" and warning.place == "f.csv"
    assert "1 event(s) dated 2024-03-01" in warning.message
    assert "(2022-03-01..2022-12-25)" in warning.message and "e300" in warning.message
    # two years with a gap between them: two halves, no outlier
    halves = log + [date(2024, 3, 1) + timedelta(days=i % 200) for i in range(300)]
    assert date_outliers(_incidents(halves), "f.csv") == []
    early = date_outliers(_incidents([date(2002, 1, 1), *log]), "f.csv")
    assert "before all the others" in early[0].message


def test_every_warning_code_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(
        encoding="utf-8")
    for code in WARNING_CODES:
        assert f"| `{code}` |" in doc
