"""A verdict a monitor can defend: each commitment states its coverage (events counted,
undetermined and why, precision, the data's dates) in the console, the JSON and the
report alike; an undetermined verdict for want of location precision says so and how to
fix it; the JSON is strict, and the change is named for its sign (`fall_pct`)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from cli_inprocess import copy_example
from test_event_warnings import MAPPING, _rows, _run, _write
from treatyline import load_bundle
from treatyline.commitments import CommitmentResult, measure_commitments
from treatyline.coverage import coverage_sentence, documented_mask
from treatyline.incidents import SCHEMA, Incidents
from treatyline.territory import Territory

ISTANBUL = Path(__file__).resolve().parents[1] / "examples" / "istanbul-2022"

AS_OF = "2022-05-17"
CLEAN = MAPPING.replace('"Shelling April 2022"', '"Shelling Apr. 2022"')


def _no_nan(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def _outputs(folder: Path, events: Path, capsys: pytest.CaptureFixture[str]) -> tuple[
        dict[str, Any], str, str]:
    """(the commitment in --json, the console tables, the report) for the same data."""
    data = _no_nan(_run(capsys, "assess", folder, "--events", events, "--as-of", AS_OF,
                        "--json").out)
    [result] = [c for c in data["commitments"] if c["provision"] == "de-escalation-kyiv-chernihiv"]
    console = _run(capsys, "assess", folder, "--events", events, "--as-of", AS_OF).out
    _run(capsys, "report", folder, "--events", events, "--as-of", AS_OF, "-o",
         folder / "r.html")
    html = (folder / "r.html").read_text(encoding="utf-8")
    start = html.index('id="commitment-de-escalation-kyiv-chernihiv"')
    return result, " ".join(console.split()), html[start:html.index("</section>", start)]


def test_no_location_precision_says_so_and_how_to_fix_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    rows = _rows(12, 4, radius="")  # the file gives no radius: no event can be placed
    events = _write(folder, rows, CLEAN)
    result, console, html = _outputs(folder, events, capsys)
    assert result["verdict"] == "undetermined"
    unplaced = len(rows)  # every row is a qualifying event in the measured period
    said = f"{unplaced:,} qualifying event(s) have no location precision; set their radius"
    assert result["summary"].startswith(f"undetermined: {said}")
    assert "`constants: {radius: 1}`" in result["summary"]
    assert result["warnings"][0].startswith(f"{unplaced:,} qualifying event(s) have no "
                                            "location precision")
    assert "`radius: COLUMN`" in result["warnings"][0]
    assert "no qualifying events inside the area" not in result["summary"]
    assert result["coverage"]["undetermined"]["no_location_precision"] == unplaced
    assert result["coverage"]["by_precision"] == {"unknown": unplaced}
    # no baseline inside the area: the fall is undefined, null with its reason
    assert result["figures"]["fall_pct"] is None
    assert "baseline rate is zero" in result["undefined_figures"]["fall_pct"]
    assert said in console and said in html
    sentence = coverage_sentence(result["coverage"])
    assert f"{unplaced:,} no location precision" in sentence
    assert sentence in console and sentence in html


def test_coverage_and_the_fall_agree_in_every_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    events = _write(folder, _rows(12, 4), CLEAN)
    result, console, html = _outputs(folder, events, capsys)
    assert result["verdict"] == "kept"
    fall = (12 - 4) / 12 * 100
    assert result["figures"]["fall_pct"] == pytest.approx(fall)
    assert "change_pct" not in result["figures"] and result["undefined_figures"] == {}
    assert f"fell {fall:.0f}%" in result["summary"] and f"fell {fall:.0f}%" in console
    assert f"<th>fall pct</th><td>{fall:,.4g}</td>" in html
    coverage = result["coverage"]
    assert coverage["counted"] == {"baseline_events": 14 * 12, "after_events": 14 * 4}
    assert coverage["data_first_day"] == "2022-03-15"
    assert coverage["data_last_day"] == "2022-04-11"
    assert coverage["undetermined"] == {"no_location_precision": 0, "location_near_border": 0,
                                        "dates_span_an_edge": 0}
    assert coverage["dates"] == "when the incidents happened"
    sentence = coverage_sentence(coverage)
    assert "data 2022-03-15..2022-04-11 (224 events)" in sentence
    assert "counted: 168 baseline events, 56 after events" in sentence
    assert sentence in console and sentence in html


def test_the_console_names_a_few_ids_and_where_the_rest_are(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    events = tmp_path / "attacks.csv"
    events.write_text("id,date,kind,target,longitude,latitude,radius\n" + "".join(
        f"attack-{i},2023-10-03,armed_attack,UA,36.2,49.9,0\n" for i in range(300)),
        encoding="utf-8")
    args = ("assess", folder, "--scenario", "--events", events, "--as-of", "2023-12-31")
    tables = _run(capsys, *args)
    assert "attack-299" not in tables.out and "attack-150" not in tables.out
    assert "attack-0, attack-1, attack-2, attack-3, attack-4 and 295 more" in " ".join(
        tables.out.split())
    assert max(len(line) for line in tables.out.splitlines()) <= 160
    data = _no_nan(_run(capsys, *args, "--json").out)
    [occasion] = [o for o in data["occasions"] if "attack-0" in o["incidents"]]
    assert len(occasion["incidents"]) == 300


def _kyiv_log(*, documented_from: date | None = None) -> Incidents:
    """12 events a day in Kyiv in the 14 days before 2022-03-29, 4 a day in the 14 after;
    those from `documented_from` on dated by when they were documented."""
    days = [date(2022, 3, 29) + timedelta(days=offset) for offset in range(-14, 14)
            for _ in range(12 if offset < 0 else 4)]
    n = len(days)
    date_kind = ["documented" if documented_from is not None and day >= documented_from
                 else "occurred" for day in days]
    return Incidents.from_columns(id=[f"e{i}" for i in range(n)], time=days,
                                  kind=["shelling"] * n, longitude=[30.52] * n,
                                  latitude=[50.45] * n, radius_km=[1.0] * n,
                                  date_kind=date_kind)


def _measured(events: Incidents) -> CommitmentResult:
    bundle = load_bundle(ISTANBUL)
    [result] = [r for r in measure_commitments(
        bundle.treaty, bundle.record, date(2022, 5, 17), events=events,
        territory=Territory.for_treaty(bundle.treaty))
        if r.provision == "de-escalation-kyiv-chernihiv"]
    return result


def test_documentation_dates_after_the_start_carry_the_caveat() -> None:
    plain = _measured(_kyiv_log())
    assert plain.coverage["dates"] == "when the incidents happened"
    assert not any("documented" in w for w in plain.warnings)
    # the after-start events dated by when they were documented (a mapping's date_kind)
    events = _kyiv_log(documented_from=date(2022, 3, 29))
    after = events.day >= np.datetime64("2022-03-29")
    result = _measured(events)
    assert result.verdict == plain.verdict == "kept"
    [caveat] = [w for w in result.warnings if "documented" in w]
    assert caveat.startswith(f"{int(after.sum())} qualifying event(s) after the start are "
                             "dated by when they were documented")
    assert "not activity in the window" in caveat
    assert result.coverage["dates"] == (f"when the incidents were documented, for "
                                        f"{int(after.sum())} of the {len(events)} events in "
                                        "the period")


@pytest.mark.skipif("date_kind" not in SCHEMA.names,
                    reason="the event table carries date_kind once the mappings change is in")
def test_documented_mask_reads_the_event_tables_date_kind() -> None:
    events = _kyiv_log()
    kinds = ["documented" if i % 3 == 0 else "occurred" for i in range(len(events))]
    table = events.to_arrow()
    table = table.set_column(table.schema.get_field_index("date_kind"), "date_kind",
                             pa.array(kinds).dictionary_encode())
    marked = documented_mask(Incidents.from_arrow(table))
    assert marked.tolist() == [k == "documented" for k in kinds]


def test_a_few_events_without_precision_are_named_but_not_made_the_reason() -> None:
    events = _kyiv_log()
    radius = events.radius_km.copy()
    radius[:3] = np.nan  # three baseline events with no precision among 224
    table = events.to_arrow()
    table = table.set_column(table.schema.get_field_index("radius_km"), "radius_km",
                             pa.array(radius))
    bundle = load_bundle(ISTANBUL)
    [result] = [r for r in measure_commitments(
        bundle.treaty, bundle.record, date(2022, 4, 5), events=Incidents.from_arrow(table),
        territory=Territory.for_treaty(bundle.treaty))
        if r.provision == "de-escalation-kyiv-chernihiv"]
    assert result.verdict == "undetermined"  # the after window has not ended by 2022-04-05
    assert "no location precision" not in result.summary
    assert result.warnings[0].startswith("3 qualifying event(s) have no location precision")
    assert any("after the as-of date" in w for w in result.warnings)
