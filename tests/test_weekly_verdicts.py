"""Windows beyond one fixed pair: a lag before the after window, and a verdict for each week
from its start, so that "not kept in the first two weeks, kept from week three" shows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from cli_inprocess import copy_example
from test_event_warnings import _run
from treatyline import SpecError, load_bundle
from treatyline.commitments import CommitmentResult, measure_commitments
from treatyline.incidents import Incidents
from treatyline.territory import Territory

START = date(2022, 3, 29)
PER_DAY = [12] * 14 + [10] * 14 + [3] * 14  # baseline, two weeks barely lower, then far lower


def _folder(tmp_path: Path, extra: str) -> Path:
    """The Istanbul example with `extra` lines added to the de-escalation's measure."""
    folder = copy_example(tmp_path, "istanbul-2022")
    treaty = folder / "treaty.yaml"
    text = treaty.read_text(encoding="utf-8")
    anchor = "      at_least_pct: 50\n      min_events: 10\n"
    assert anchor in text
    treaty.write_text(text.replace(anchor, anchor + extra), encoding="utf-8")
    return folder


def _log() -> Incidents:
    days = [START + timedelta(days=offset - 14) for offset, n in enumerate(PER_DAY)
            for _ in range(n)]
    n = len(days)
    return Incidents.from_columns(id=[f"e{i}" for i in range(n)], time=days,
                                  kind=["shelling"] * n, longitude=[30.52] * n,
                                  latitude=[50.45] * n, radius_km=[1.0] * n)


def _measured(folder: Path, as_of: date = date(2022, 6, 1)) -> CommitmentResult:
    bundle = load_bundle(folder)
    [result] = [r for r in measure_commitments(
        bundle.treaty, bundle.record, as_of, events=_log(),
        territory=Territory.for_treaty(bundle.treaty))
        if r.provision == "de-escalation-kyiv-chernihiv"]
    return result


def test_each_week_has_its_own_verdict(tmp_path: Path) -> None:
    result = _measured(_folder(tmp_path, "      weekly: 4\n"))
    assert result.verdict == "not_kept"  # the 14 days after: 10 a day against 12
    assert [w.verdict for w in result.weeks] == ["not_kept", "not_kept", "kept", "kept"]
    assert [w.start for w in result.weeks] == [START + timedelta(days=7 * k) for k in range(4)]
    assert result.weeks[0].rate == pytest.approx(10.0)
    assert result.weeks[0].fall_pct == pytest.approx((12 - 10) / 12 * 100)
    assert result.weeks[2].fall_pct == pytest.approx((12 - 3) / 12 * 100)
    assert result.weeks[0].describe("per day") == (
        "week 1 (2022-03-29..2022-04-04): 10.0 per day, fell 17%: not kept")
    # a week not over by the as-of date is undetermined, and says why
    early = _measured(_folder(tmp_path / "early", "      weekly: 4\n"), date(2022, 4, 20))
    assert early.weeks[2].verdict == "kept" and early.weeks[3].verdict == "undetermined"
    assert "after the as-of date 2022-04-20" in early.weeks[3].reason
    assert json.loads(json.dumps(result.to_json(), allow_nan=False))["weeks"][3] == {
        "week": 4, "start": "2022-04-19", "end": "2022-04-25", "total": 21.0, "rate": 3.0,
        "fall_pct": pytest.approx(75.0), "verdict": "kept", "reason": ""}



def test_several_after_windows_each_with_its_verdict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`windows`: days 1-14 and 15-28 after the start, judged against the same baseline
    (12 a day): 10 a day for the first 14 days, 3 a day for the next 14."""
    spec = "      windows: [{days: 14}, {from_day: 14, days: 14}, {from_day: 60, days: 7}]\n"
    result = _measured(_folder(tmp_path, spec))
    first, second, late = result.windows
    assert (first.label, first.start, first.end) == ("days 1-14", START,
                                                     START + timedelta(days=13))
    assert first.rate == pytest.approx(10.0) and first.verdict == "not_kept"
    assert second.rate == pytest.approx(3.0) and second.verdict == "kept"
    assert second.fall_pct == pytest.approx(75.0)
    assert late.verdict == "undetermined" and "after the as-of date 2022-06-01" in late.reason
    assert second.describe("per day") == (
        "days 15-28 (2022-04-12..2022-04-25): 3.0 per day, fell 75%: kept")
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert [w["label"] for w in data["windows"]] == ["days 1-14", "days 15-28", "days 61-67"]
    with pytest.raises(SpecError, match="windows"):
        load_bundle(_folder(tmp_path / "bad", "      windows: [{from_day: -1, days: 7}]\n"))

def test_a_lag_moves_the_after_window(tmp_path: Path) -> None:
    result = _measured(_folder(tmp_path, "      lag_days: 14\n"))
    assert result.after is not None and result.after.start == START + timedelta(days=14)
    assert result.verdict == "kept"  # 3 a day against 12
    assert result.figures["fall_pct"] == pytest.approx(75.0)
    assert any("lag_days" in line for line in result.because)
    assert not any("spanning a window's edge" in w for w in result.warnings)
    plain = _measured(_folder(tmp_path / "plain", ""))
    assert plain.verdict == "not_kept" and plain.weeks == ()


def test_a_lag_needs_an_after_window_in_days(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "      lag_days: 3\n")
    treaty = folder / "treaty.yaml"
    treaty.write_text(treaty.read_text(encoding="utf-8").replace(
        "after: {days: 14}", "after: {start: 2022-04-01, end: 2022-04-14}"), encoding="utf-8")
    with pytest.raises(SpecError, match="lag_days applies to an after window given in days"):
        load_bundle(folder)


def test_the_weeks_show_in_console_json_and_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, "      weekly: 3\n")
    events = folder / "log.csv"
    rows = [f"e{i}-{k},{START + timedelta(days=i - 14)},shelling,30.52,50.45,1"
            for i, n in enumerate(PER_DAY) for k in range(n)]
    events.write_text("id,date,kind,longitude,latitude,radius\n" + "\n".join(rows) + "\n",
                      encoding="utf-8")
    args = ("--events", events, "--as-of", "2022-06-01")
    data = json.loads(_run(capsys, "assess", folder, *args, "--json").out)
    [result] = [c for c in data["commitments"] if c["weeks"]]
    assert [w["verdict"] for w in result["weeks"]] == ["not_kept", "not_kept", "kept"]
    console = " ".join(_run(capsys, "assess", folder, *args).out.split())
    _run(capsys, "report", folder, *args, "-o", folder / "r.html")
    html = (folder / "r.html").read_text(encoding="utf-8")
    for line in ("week 1 (2022-03-29..2022-04-04): 10.0 per day, fell 17%: not kept",
                 "week 3 (2022-04-12..2022-04-18): 3.0 per day, fell 75%: kept"):
        assert line in console and line in html
