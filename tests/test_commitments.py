"""Measured commitments: ceasefires, reductions and withdrawal distances on event data.

The Minsk II case runs on the real UCDP events of the example folder; the other cases run
on small made-up tables whose answers can be worked out by hand."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline import SpecError, load_bundle, load_treaty
from treatyline.commitments import CommitmentResult, measure_commitments
from treatyline.incidents import Incidents
from treatyline.record import Record
from treatyline.sources import read_events
from treatyline.spec.model import Treaty
from treatyline.territory import Territory

ROOT = Path(__file__).resolve().parents[1]
MINSK = ROOT / "examples" / "minsk-2015"
ISTANBUL = ROOT / "examples" / "istanbul-2022"
UCDP = ROOT / "src" / "treatyline" / "data" / "ucdp" / "ged-ukraine.csv"


@cache
def _minsk() -> dict[str, CommitmentResult]:
    bundle = load_bundle(MINSK)
    events = read_events(MINSK / "events.csv").incidents
    results = measure_commitments(bundle.treaty, bundle.record, date(2015, 3, 31), events=events,
                                  territory=Territory.for_treaty(bundle.treaty))
    return {r.provision: r for r in results}


# --- Minsk II on the real UCDP events ----------------------------------------------------------


def test_minsk_ceasefire_lists_the_debaltseve_fighting_after_the_start() -> None:
    result = _minsk()["ceasefire"]
    assert result.verdict == "violated"
    assert result.start.isoformat() == "2015-02-15T00:00:00+02:00"
    by_id = {v.id: v for v in result.violations}
    debaltseve = {"203403", "424251", "424297", "424322", "424333", "424335", "203406"}
    assert debaltseve <= set(by_id)
    for uid in debaltseve:
        v = by_id[uid]
        assert date(2015, 2, 15) <= v.day <= date(2015, 2, 20)
        assert v.place == "Debaltseve town" and v.note == "in debaltseve"
        assert v.source  # every listed event names its source
    assert by_id["203406"].fatalities == 21.0  # 2015-02-18, the day of the withdrawal
    # nothing dated before the ceasefire's day is a violation
    assert min(v.day for v in result.violations) == date(2015, 2, 15)
    assert result.figures["violations"] == len(result.violations) == 68
    assert result.coverage["by_precision"]["±25 km"] > 0
    assert result.figures["undetermined_location"] > 0  # e.g. 'Donets Basin Area', ±300 km
    json.dumps(result.to_json())


def test_minsk_ceasefire_on_the_whole_bundled_file_finds_the_same_first_days() -> None:
    bundle = load_bundle(MINSK)
    events = read_events(UCDP).incidents
    [result, *_] = measure_commitments(bundle.treaty, bundle.record, date(2015, 2, 20),
                                       events=events,
                                       territory=Territory.for_treaty(bundle.treaty))
    ids = [v.id for v in result.violations]
    assert {"203403", "424251", "424297", "424322", "203406"} <= set(ids)
    assert all(date(2015, 2, 15) <= v.day <= date(2015, 2, 20) for v in result.violations)


def test_minsk_daily_events_fell_after_the_ceasefire() -> None:
    result = _minsk()["ceasefire-reduction"]
    f = result.figures
    assert (f["baseline_events"], f["after_events"]) == (88, 34)
    assert f["baseline_rate"] == pytest.approx(88 / 14)
    assert f["after_rate"] == pytest.approx(34 / 14)
    assert f["fall_pct"] == pytest.approx((88 - 34) / 88 * 100)
    assert result.verdict == "kept"
    assert result.baseline is not None and result.after is not None
    assert (result.baseline.start, result.baseline.end) == (date(2015, 2, 1), date(2015, 2, 14))
    assert (result.after.start, result.after.end) == (date(2015, 2, 15), date(2015, 2, 28))
    assert sum(d.events for d in result.series if d.day < date(2015, 2, 15)) == 88


def test_minsk_withdrawal_is_undetermined_because_ucdp_records_no_weapons() -> None:
    for pid in ("withdrawal-artillery", "withdrawal-mlrs", "withdrawal-heavy-systems"):
        result = _minsk()[pid]
        assert result.verdict == "undetermined"
        assert "do not record the means used" in result.warnings[0]
        assert result.figures["qualifying_kinds_in_data"] == 0
        assert result.after is not None and result.after.start == date(2015, 3, 3)
    assert _minsk()["withdrawal-mlrs"].figures["other_kinds_within"] > 0


def test_istanbul_de_escalation_says_the_bundled_data_are_too_thin() -> None:
    bundle = load_bundle(ISTANBUL)
    [result] = measure_commitments(bundle.treaty, bundle.record, date(2022, 5, 1),
                                   events=read_events(UCDP).incidents,
                                   territory=Territory.for_treaty(bundle.treaty))
    assert result.provision == "de-escalation-kyiv-chernihiv"
    assert result.verdict == "undetermined"
    assert "too little evidence" in result.warnings[0]
    assert result.area == "kyiv_direction ∪ chernihiv_direction"  # noqa: RUF001


# --- made-up events -----------------------------------------------------------------------------

DONETSK = (37.80, 48.00)  # well inside Donetsk oblast (UA-14)
KYIV = (30.52, 50.45)  # far outside it

TREATY = """
id: t
title: Test
parties: [{{code: UA}}, {{code: RU}}]
procedure: {{signature: {{definitive: true}}}}
entry_into_force: {{when: {{including: {{instruments: [signature], parties: [parties]}}}}}}
areas:
  donetsk: {{iso: [UA-14]}}
  line: {{geojson: line.geojson}}
provisions:
  - id: c
    kind: commitment
    bearers: [UA, RU]
    areas: [donetsk]
    start: 2020-03-01T00:00+02:00
    measure:
{measure}
"""

LINE = {"type": "LineString", "coordinates": [[37.0, 48.5], [39.0, 48.5]]}


def _treaty(tmp_path: Path, measure: str, areas: str = "[donetsk]") -> Treaty:
    (tmp_path / "line.geojson").write_text(json.dumps(LINE), encoding="utf-8")
    body = "\n".join("      " + line for line in measure.strip().splitlines())
    text = TREATY.format(measure=body).replace("areas: [donetsk]", f"areas: {areas}")
    path = tmp_path / "treaty.yaml"
    path.write_text(text, encoding="utf-8")
    return load_treaty(path)


def _events(days: list[date], *, where: list[tuple[float, float]] | None = None,
            radius: list[float] | None = None, kind: str = "clash",
            deaths: list[float] | None = None) -> Incidents:
    # a last event far away and late: the data cover the whole period (the measurement
    # treats the day of a file's last event as the end of its coverage)
    days = [*days, _day(60)]
    where = [*(where or [DONETSK] * (len(days) - 1)), KYIV]
    radius = [*(radius or [1.0] * (len(days) - 1)), 1.0]
    deaths = [*(deaths or [1.0] * (len(days) - 1)), 0.0]
    n = len(days)
    points = where
    return Incidents.from_columns(
        id=[f"e{i}" for i in range(n)], time=days, kind=[kind] * n,
        longitude=[p[0] for p in points], latitude=[p[1] for p in points],
        radius_km=radius, fatalities_best=deaths,
        source=["made up"] * n, dataset=["test"] * n)


def _run(treaty: Treaty, events: Incidents | None, as_of: date) -> CommitmentResult:
    [result] = measure_commitments(treaty, Record(acts=()), as_of, events=events,
                                   territory=Territory.for_treaty(treaty))
    return result


START = date(2020, 3, 1)


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


REDUCTION = """
expectation: reduction
baseline: {days: 7}
after: {days: 7}
at_least_pct: 50
min_events: 5
"""


def test_reduction_matches_a_hand_calculation(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION)
    # 14 events in the 7 days before, 4 in the 7 days after (the start day counts after)
    days = [_day(-1 - i % 7) for i in range(14)] + [_day(0), _day(2), _day(3), _day(6)]
    days += [_day(7), _day(-8)]  # outside both windows
    result = _run(treaty, _events(days), date(2020, 4, 1))
    assert result.figures["baseline_rate"] == pytest.approx(2.0)
    assert result.figures["after_rate"] == pytest.approx(4 / 7)
    assert result.figures["fall_pct"] == pytest.approx((2 - 4 / 7) / 2 * 100)  # 71.4%
    assert result.verdict == "kept"
    assert "fell 71%" in result.summary


def test_reduction_of_fatalities_per_week(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION.replace("expectation: reduction",
                                                 "expectation: reduction\ncount: fatalities"
                                                 "\nper: week"))
    days = [_day(-1 - i) for i in range(6)] + [_day(1)]
    result = _run(treaty, _events(days, deaths=[10.0] * 6 + [45.0]), date(2020, 4, 1))
    assert result.figures["baseline_rate"] == pytest.approx(60.0)
    assert result.figures["after_rate"] == pytest.approx(45.0)
    assert result.verdict == "not_kept"  # 25% fewer, 50% promised


@settings(max_examples=40, deadline=None)
@given(before=st.integers(min_value=5, max_value=40), after=st.integers(min_value=0, max_value=40))
def test_reduction_percentage_is_b_minus_a_over_b(tmp_path_factory: pytest.TempPathFactory,
                                                   before: int, after: int) -> None:
    treaty = _cached_treaty(tmp_path_factory)
    days = [_day(-1 - i % 7) for i in range(before)] + [_day(i % 7) for i in range(after)]
    result = _run(treaty, _events(days), date(2020, 4, 1))
    assert result.figures["fall_pct"] == pytest.approx((before - after) / before * 100)
    assert result.verdict == ("kept" if (before - after) / before >= 0.5 else "not_kept")


_TREATIES: dict[str, Treaty] = {}


def _cached_treaty(factory: pytest.TempPathFactory) -> Treaty:
    if "r" not in _TREATIES:
        _TREATIES["r"] = _treaty(factory.mktemp("reduction"), REDUCTION)
    return _TREATIES["r"]


def test_thin_evidence_is_undetermined_with_a_warning(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION)
    result = _run(treaty, _events([_day(-1), _day(-2), _day(3)]), date(2020, 4, 1))
    assert result.verdict == "undetermined"
    assert result.warnings[0].startswith("too little evidence: 2 qualifying event(s)")
    assert "at least 5" in result.warnings[0]


def test_reduction_before_the_after_window_ends_is_undetermined(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION)
    days = [_day(-1 - i % 7) for i in range(14)]
    result = _run(treaty, _events(days), _day(3))
    assert result.verdict == "undetermined"
    assert any("after the as-of date" in w for w in result.warnings)


def test_ceasefire_with_no_events_after_the_start_is_kept(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    # the day before the start (local), and an event outside the area after it
    events = _events([_day(-1), _day(2)], where=[DONETSK, KYIV])
    result = _run(treaty, events, _day(10))
    assert result.verdict == "kept"
    assert result.violations == ()
    assert result.coverage["outside_area"] == 1


def test_ceasefire_violation_lists_the_event(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    result = _run(treaty, _events([_day(-1), _day(0), _day(4)]), _day(10))
    assert result.verdict == "violated"
    assert [v.id for v in result.violations] == ["e1", "e2"]
    assert result.violations[0].source == "made up"


def test_ceasefire_events_after_as_of_are_not_known(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    result = _run(treaty, _events([_day(5)]), _day(4))
    assert result.verdict == "kept"


def test_timed_events_are_compared_as_instants(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    # 21:30Z on the day before is 23:30 Kyiv time: before the 00:00+02:00 start
    before = datetime.fromisoformat("2020-02-29T21:30:00+00:00")
    after = datetime.fromisoformat("2020-02-29T22:30:00+00:00")
    events = Incidents.from_columns(id=["a", "b"], time=[before, after], kind=["clash"] * 2,
                                    longitude=[DONETSK[0]] * 2, latitude=[DONETSK[1]] * 2,
                                    radius_km=[1.0, 1.0])
    result = _run(treaty, events, _day(3))
    assert [v.id for v in result.violations] == ["b"]


def test_imprecise_events_are_undetermined_never_inside(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    # placed in Donetsk but known only to within 300 km: may lie outside the oblast
    events = _events([_day(2), _day(3)], radius=[300.0, float("nan")])
    result = _run(treaty, events, _day(10))
    assert result.violations == ()
    assert result.verdict == "undetermined"
    assert result.figures["undetermined_location"] == 2
    assert result.coverage["undetermined_location"] == 2
    assert result.coverage["by_precision"] == {"±300 km": 1, "unknown": 1}


def test_imprecise_events_widen_a_reduction_into_a_range(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION)
    days = [_day(-1 - i % 7) for i in range(10)] + [_day(1)] * 3 + [_day(2)] * 4
    radius = [1.0] * 10 + [1.0] * 3 + [300.0] * 4
    result = _run(treaty, _events(days, radius=radius), date(2020, 4, 1))
    assert result.figures["after_events"] == 3  # the imprecise four are not counted inside
    assert result.figures["fall_pct"] == pytest.approx(70.0)
    assert result.figures["fall_pct_low"] == pytest.approx(30.0)
    assert result.verdict == "undetermined"
    assert any("could not be placed" in w for w in result.warnings)


WITHDRAWAL = """
expectation: withdrawal_distance
events: [shelling]
weapons: artillery of 100 mm and above
line: line
distance_km: 25
deadline: 14 days
"""


def test_withdrawal_distance_on_a_made_up_line(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, WITHDRAWAL, areas="[]")
    near = (38.0, 48.55)  # about 5 km north of the line
    far = (38.0, 47.5)  # ~111 km south of it
    events = _events([_day(20), _day(20), _day(5), _day(21)], where=[near, far, near, near],
                     kind="shelling", radius=[1.0, 1.0, 1.0, 30.0])
    result = _run(treaty, events, _day(30))
    assert result.verdict == "violated"
    assert [v.id for v in result.violations] == ["e0"]  # e2 is before the deadline
    assert result.violations[0].note == "5 km from line"
    assert result.figures["undetermined_location"] == 1  # e3: ±30 km around a point 6 km off
    assert result.after is not None and result.after.start == _day(15)


def test_withdrawal_before_the_deadline_and_without_weapon_data(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, WITHDRAWAL, areas="[]")
    events = _events([_day(20)], where=[(38.0, 48.55)])  # a clash: no weapon named
    early = _run(treaty, events, _day(10))
    assert early.verdict == "undetermined" and "has not passed" in early.summary
    late = _run(treaty, events, _day(30))
    assert late.verdict == "undetermined"
    assert late.figures["other_kinds_within"] == 1
    assert "cannot show" in late.warnings[0]


def test_not_started_before_the_start(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, "expectation: ceasefire")
    result = _run(treaty, _events([_day(-3)]), _day(-1))
    assert result.verdict == "not_started"


def test_no_event_data(tmp_path: Path) -> None:
    result = _run(_treaty(tmp_path, "expectation: ceasefire"), None, _day(3))
    assert result.verdict == "undetermined"


def test_result_series_counts_each_day(tmp_path: Path) -> None:
    treaty = _treaty(tmp_path, REDUCTION)
    result = _run(treaty, _events([_day(-1), _day(-1), _day(2)]), date(2020, 4, 1))
    counts = {d.day: d.events for d in result.series}
    assert counts[_day(-1)] == 2 and counts[_day(2)] == 1 and counts[_day(0)] == 0
    assert len(result.series) == 14
    assert np.isclose(sum(d.fatalities for d in result.series), 3.0)


# --- spec errors ----------------------------------------------------------------------------------


def _errors(tmp_path: Path, measure: str, start: str = "2020-03-01T00:00+02:00",
            kind: str = "commitment") -> list[str]:
    (tmp_path / "line.geojson").write_text(json.dumps(LINE), encoding="utf-8")
    body = "\n".join("      " + line for line in measure.strip().splitlines())
    text = TREATY.format(measure=body).replace("2020-03-01T00:00+02:00", start)
    text = text.replace("kind: commitment", f"kind: {kind}")
    path = tmp_path / "treaty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_treaty(path)
    return [str(d).replace(str(path), "treaty.yaml") for d in caught.value.diagnostics]


def test_spec_unknown_event_kind_and_area_have_positions(tmp_path: Path) -> None:
    errors = _errors(tmp_path, WITHDRAWAL.replace("[shelling]", "[sheling]")
                     .replace("line: line", "line: lnie"))
    assert errors == [
        "treaty.yaml:18:16: error: unknown incident kind 'sheling' (did you mean 'shelling'?)",
        "treaty.yaml:20:13: error: unknown area 'lnie' (did you mean 'line'?)",
    ]


def test_spec_reduction_without_its_threshold(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "expectation: reduction\nbaseline: 7")
    assert errors == ["treaty.yaml:17:7: error: provisions.0.measure: a reduction needs "
                      "at_least_pct: the promised fall in per cent"]


def test_spec_fields_of_another_expectation(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "expectation: ceasefire\ndistance_km: 5")
    assert errors == ["treaty.yaml:17:7: error: provisions.0.measure: distance_km do(es) not "
                      "apply to a ceasefire measure"]


def test_spec_unknown_measure_field_suggests(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "expectation: ceasefire\nbaselin: 7")
    assert errors == ["treaty.yaml:18:7: error: unknown field 'baselin' "
                      "(did you mean 'baseline'?)"]


def test_spec_bad_window_and_deadline(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "expectation: reduction\nat_least_pct: 50\n"
                               "baseline: {start: 2020-02-01, end: 2020-03-05}")
    assert errors == ["treaty.yaml:19:17: error: the baseline window must end before the "
                      "commitment's start (2020-03-01)"]
    errors = _errors(tmp_path, WITHDRAWAL.replace("14 days", "2020-01-01"))
    assert errors == ["treaty.yaml:22:17: error: the deadline 2020-01-01 is before the "
                      "commitment's start (2020-03-01)"]


def test_spec_measure_needs_a_commitment_with_a_start(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "expectation: ceasefire", kind="assurance")
    assert errors == ["treaty.yaml:16:5: error: only a commitment can be measured (this "
                      "provision's kind is assurance)"]


def test_minsk_example_validates_against_the_exported_schema() -> None:
    import jsonschema

    from treatyline.schema import treaty_schema
    from treatyline.sourcemap import load_yaml

    jsonschema.validate(load_yaml(MINSK / "treaty.yaml").data, treaty_schema())
    assert not load_bundle(MINSK).record.rejected
