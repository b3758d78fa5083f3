"""docs/mapping.md is run, not just read: its files are written and inspected, its output
must be what the command prints, every mapping key is in its reference with an example
that loads, and its mapping measures a commitment on a 5,000-row log of the same shape."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml

from cli_inprocess import run_cli_output
from treatyline.sources import ColumnMapping

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
ISTANBUL = ROOT / "examples" / "istanbul-2022"
BASE = {"id": "i", "date": "d", "longitude": "x", "latitude": "y"}


def _files() -> dict[str, str]:
    return {name: body for name, body in re.findall(r"```\S+ file=(\S+)\n(.*?)```", DOC, re.S)}


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    return run_cli_output(capsys, *args)


def _write_example(folder: Path) -> None:
    for name, body in _files().items():
        (folder / name).write_text(body, encoding="utf-8")


def test_the_worked_example_prints_what_the_doc_shows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(_files()) == {"monitor-log.csv", "monitor-log.mapping.yaml"}
    _write_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "events", "inspect", "monitor-log.csv")
    (shown,) = re.findall(r"```text output=inspect\n(.*?)```", DOC, re.S)
    assert out == shown
    assert code == 1  # rows were set aside, as the doc says
    code, out, _ = _run(capsys, "events", "inspect", "monitor-log.csv", "--json")
    found = json.loads(out)
    assert code == 1
    assert (found["events"], found["rows_set_aside"]) == (8, 2)
    assert found["date_kinds"] == {"was documented": 8}
    assert [s["rows"] for s in found["set_aside"]] == [1, 1]


def test_the_worked_example_assesses_as_the_doc_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _write_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "assess", ISTANBUL, "--events", "monitor-log.csv",
                        "--as-of", "2022-05-01", "--json")
    measured = {c["provision"]: c for c in json.loads(out)["commitments"]}
    assert measured["de-escalation-kyiv-chernihiv"]["verdict"] == "undetermined"
    assert "too little evidence" in " ".join(
        measured["de-escalation-kyiv-chernihiv"]["warnings"])
    assert code == 1  # the two rows set aside


def _reference_rows() -> dict[str, str]:
    """Key → its example cell, from the reference tables."""
    rows = re.findall(r"^\| `(\w+)` \|.*\| (`[^|]*`(?: or `[^|]*`)?) \|$", DOC, re.M)
    return dict(rows)


def test_every_mapping_key_is_in_the_reference_with_an_example_that_loads() -> None:
    internal = {"optional_columns", "origins"}
    keys = {f.name for f in dataclasses.fields(ColumnMapping)} - internal
    examples = _reference_rows()
    assert keys <= set(examples), sorted(keys - set(examples))
    for key, cell in examples.items():
        for example in re.findall(r"`([^`]*)`", cell):
            data = yaml.safe_load(example)
            assert isinstance(data, dict) and key in data, example
            ColumnMapping.from_dict({**BASE, **data})  # raises if the example is wrong


def _monitor_log(path: Path, rows: int, seed: int) -> tuple[int, int]:
    """A log shaped like the doc's (ids missing or repeated on some rows, categories
    embedding the month, no precision column); returns the events placed in the areas
    in the baseline and after windows that the reader keeps."""
    rng = np.random.default_rng(seed)
    places = [(50.45, 30.52, "Kyiv", True), (51.49, 31.29, "Chernihiv", True),
              (49.99, 36.23, "Kharkiv", False), (46.48, 30.73, "Odesa", False)]
    lines = ["event_no,documented_on,latitude,longitude,province,category"]
    start = date(2022, 3, 1)
    baseline = after = 0
    seen: set[str] = set()
    for n in range(rows):
        day = start + timedelta(days=int(rng.integers(0, 61)))
        # activity in the areas falls after 29 March by a factor drawn per run
        lat, lon, province, in_area = places[int(rng.integers(0, 4))]
        if in_area and day >= date(2022, 3, 29) and rng.random() < 0.7:
            lat, lon, province, in_area = places[2]
        what = ["Shelling", "Civilian Infrastructure Damage"][int(rng.integers(0, 2))]
        event_id = f"E{n}"
        roll = rng.random()
        if roll < 0.02:
            event_id = ""
        elif roll < 0.04 and n:
            event_id = f"E{int(rng.integers(0, n))}"
        lines.append(f"{event_id},{day},{lat},{lon},{province},{what} {day:%B} 2022")
        if event_id and event_id not in seen and in_area:
            if date(2022, 3, 15) <= day < date(2022, 3, 29):
                baseline += 1
            elif date(2022, 3, 29) <= day < date(2022, 4, 12):
                after += 1
        if event_id:
            seen.add(event_id)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return baseline, after


@pytest.mark.parametrize("seed", [1, 2])
def test_the_doc_mapping_measures_a_commitment_on_a_log_of_5000_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int) -> None:
    mapping = tmp_path / "log.mapping.yaml"
    mapping.write_text(_files()["monitor-log.mapping.yaml"], encoding="utf-8")
    baseline, after = _monitor_log(tmp_path / "log.csv", 5000, seed)
    code, out, _ = _run(capsys, "assess", ISTANBUL, "--events", tmp_path / "log.csv",
                        "--as-of", "2022-05-01", "--json")
    result = {c["provision"]: c for c in json.loads(out)["commitments"]}[
        "de-escalation-kyiv-chernihiv"]
    figures = result["figures"]
    assert (figures["baseline_events"], figures["after_events"]) == (baseline, after)
    fall = 100 * (1 - after / baseline)
    assert result["verdict"] == ("kept" if fall >= 50 else "not_kept")
    assert code == 1  # ids missing or repeated: rows set aside
    code, out, _ = _run(capsys, "events", "inspect", tmp_path / "log.csv", "--mapping",
                        mapping, "--json")
    found = json.loads(out)
    assert found["kinds"] == {"shelling": found["events"]}
    assert found["location_precision"] == [{"placed": "within 1 km",
                                            "events": found["events"]}]
    assert {s["reason"] for s in found["set_aside"]} == {
        "event_no: no event id", "event_no: the id is used again (first at line …)"}


def test_a_5000_row_log_reaches_a_verdict_with_its_coverage_and_warnings_everywhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9's end-to-end case: a generic log (ids missing or repeated, categories with
    the month in them, documentation dates, no precision column) through the documented
    mapping (constants and patterns); one row in 2024 and one unmapped category added.
    The verdict, the coverage and the warnings must agree in the console, the JSON and
    the report."""
    mapping = tmp_path / "log.mapping.yaml"
    mapping.write_text(_files()["monitor-log.mapping.yaml"], encoding="utf-8")
    log = tmp_path / "log.csv"
    baseline, after = _monitor_log(log, 5000, 3)
    with log.open("a", encoding="utf-8") as extra:
        extra.write("X1,2024-03-01,46.48,30.73,Odesa,Shelling March 2024\n")
        extra.write("X2,2022-04-02,46.48,30.73,Odesa,Looting April 2022\n")
    args = (ISTANBUL, "--events", log, "--mapping", mapping, "--as-of", "2022-05-01")
    code, out, err = _run(capsys, "assess", *args, "--json")
    found = json.loads(out)  # strict JSON: no NaN can be in it (json.loads would accept it)
    assert "NaN" not in out and "Infinity" not in out
    result = {c["provision"]: c for c in found["commitments"]}["de-escalation-kyiv-chernihiv"]
    fall = 100 * (1 - after / baseline)
    assert result["verdict"] == ("kept" if fall >= 50 else "not_kept")
    assert result["figures"]["fall_pct"] == pytest.approx(fall, abs=0.05)
    coverage = result["coverage"]
    assert coverage["counted"] == {"baseline_events": baseline, "after_events": after}
    assert coverage["undetermined"]["no_location_precision"] == 0
    assert coverage["dates"].startswith("when the incidents were documented")
    assert any("documented" in w for w in result["warnings"])
    codes = {w["code"] for w in found["warnings"]}
    assert {"date-outlier", "category-not-mapped"} <= codes
    assert code == 1  # ids missing or repeated: rows set aside, in every output
    rejected = found["events_rejected"]
    assert rejected and all(r["position"] for r in rejected)
    # the console: the verdict, the coverage line and each warning with its code
    code_text, _, err_text = _run(capsys, "assess", *args)
    assert code_text == 1
    for warning in found["warnings"]:
        assert f"[{warning['code']}]" in err + err_text
    # the report: the same verdict, coverage and warnings, and the same exit code
    page = tmp_path / "report.html"
    code_report, _, _ = _run(capsys, "report", *args, "-o", page)
    html = page.read_text(encoding="utf-8")
    assert code_report == 1
    assert f"{baseline:,}" in html or str(baseline) in html
    assert "were documented" in html
    assert "date-outlier" in html or "2024-03-01" in html
    assert "Looting April 2022" in html
    assert "no event id" in html  # rows set aside are listed in the page too
