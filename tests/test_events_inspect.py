"""`treatyline events inspect`: what the reader sees, in text and JSON, for every format;
a mapping with errors exits 1 with each error located, in JSON too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_inprocess import run_cli_output
from treatyline.sources import read_events, to_geojson, to_parquet

DATA = Path(__file__).resolve().parent / "data"
MINSK = Path(__file__).resolve().parents[1] / "examples" / "minsk-2015" / "events.csv"


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    return run_cli_output(capsys, "events", "inspect", *args)


def test_a_ucdp_file_is_described_from_its_own_counts(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code, out, _ = _run(capsys, MINSK, "--json")
    found = json.loads(out)
    incidents = read_events(MINSK).incidents
    assert code == 0
    assert (found["format"], found["mapping"]) == ("ucdp", "the ucdp preset")
    assert found["columns"]["location_precision"] == "column 'where_prec'"
    assert found["events"] == len(incidents) == sum(found["kinds"].values())
    assert found["date_range"]["first"] == str(incidents.day.min())
    codes = incidents.location_precision
    assert [p["events"] for p in found["location_precision"]] == [
        int((codes == c).sum()) for c in sorted(set(codes.tolist()))]
    assert found["warnings"] == [] and found["set_aside"] == []


def test_the_text_lists_columns_kinds_dates_and_precision(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, DATA / "monitoring.csv", "--mapping",
                        DATA / "monitoring-mapping.yaml")
    assert code == 0
    assert "  location_precision  ← column 'precision'" in out
    assert "  code 2, within 10 km" in out
    assert "dates: 2015-02-15 .. 2015-02-17; dates are when the event occurred (3)" in out
    assert "category 'Heavy weapons seen' are not in the kind mapping" in out


def test_a_mapping_with_errors_exits_1_and_says_where_in_json_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text((DATA / "monitoring-mapping.yaml").read_text(encoding="utf-8")
                       .replace("actor1: side", "actor1: sides"), encoding="utf-8")
    code, out, err = _run(capsys, DATA / "monitoring.csv", "--mapping", mapping)
    assert code == 1 and out == ""
    assert f"{mapping}:8:9: error: mapping key 'actor1': no column 'sides'" in err
    assert err.rstrip().endswith("(did you mean 'side'?)")
    code, out, _ = _run(capsys, DATA / "monitoring.csv", "--mapping", mapping, "--json")
    assert code == 1
    (error,) = json.loads(out)["errors"]
    assert error["position"] == f"{mapping}:8:9"


@pytest.mark.parametrize("suffix", [".parquet", ".geojson"])
def test_treatyline_own_files_are_described(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    incidents = read_events(MINSK).incidents
    path = tmp_path / f"events{suffix}"
    (to_parquet if suffix == ".parquet" else to_geojson)(incidents, path)
    code, out, _ = _run(capsys, path, "--json")
    found = json.loads(out)
    assert code == 0
    assert found["events"] == len(incidents)
    assert found["kinds"] == {"clash": len(incidents)}
