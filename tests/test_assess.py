"""`assess` end to end on the bundled examples: real geography, the scenario's events,
the real UCDP file; the command line run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

from treatyline import load_bundle
from treatyline.monitor import monitor
from treatyline.norms import Assessment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
UCDP = ROOT / "src" / "treatyline" / "data" / "ucdp" / "ged-ukraine.csv"
TREATYLINE = str(Path(sys.executable).with_name("treatyline"))


@cache
def istanbul(as_of: str) -> Assessment:
    bundle = load_bundle(EXAMPLES / "istanbul-2022", scenario=True)
    return monitor(bundle, date.fromisoformat(as_of), scenario=True).assessment


def test_kharkiv_attack_obliges_every_bound_guarantor_to_consult() -> None:
    result = istanbul("2023-12-31")
    first = [o for o in result.obligations
             if o.provision == "consultation" and o.occasion == "consultation#1"]
    # bound on 2023-10-03: the P5, TR, DE, PL and IT (Canada only from 2024-02-01, Israel never)
    assert {o.bearer for o in first} == {"GB", "CN", "RU", "US", "FR", "TR", "DE", "PL", "IT"}
    assert {o.deadline for o in first} == {date(2023, 10, 6)}
    states = {o.bearer: o.state for o in first}
    assert states["CN"] == "violated"  # consulted on 10-08: late
    assert states["RU"] == "violated"  # never consulted
    assert {s for b, s in states.items() if b not in ("CN", "RU")} == {"fulfilled"}
    china = next(o for o in first if o.bearer == "CN")
    assert any("came after the deadline" in r.statement for r in china.because)


def test_excluded_places_and_the_day_before_entry_into_force_trigger_nothing() -> None:
    result = istanbul("2024-06-30")
    aside = {s.reason: s.examples for s in result.set_aside}
    assert aside["outside guarantee scope under every reading"] == (
        "hyp-2023-11-05-donetsk", "hyp-2023-11-12-simferopol")
    assert aside["the treaty was not in force for any bearer on that day"] == (
        "hyp-2023-02-10-kharkiv",)
    undetermined = [s for s in result.set_aside if "undetermined" in s.reason]
    assert undetermined[0].examples == ("hyp-2024-03-01-kharkiv-oblast",)


def test_coverage_that_depends_on_the_reading_is_flagged() -> None:
    result = istanbul("2024-06-30")
    assert result.reading_dependent == ("hyp-2023-10-20-kramatorsk",)
    kramatorsk = next(o for o in result.occasions if o.day == date(2023, 10, 20))
    assert kramatorsk.covered_under == ("ua",)
    assert kramatorsk.depends_on_reading
    owed = [o for o in result.obligations if o.occasion == kramatorsk.id]
    assert owed and {o.only_under for o in owed} == {("ua",)}


def test_disputed_decision_rule_shows_both_outcomes() -> None:
    result = istanbul("2023-12-31")
    assistance = [o for o in result.obligations
                  if o.provision == "assistance" and o.occasion == "consultation#1"]
    # Ukraine's reading (encoded): each guarantor owes it; Russia's: its objection blocks all
    assert Counter(o.state for o in assistance) == {"fulfilled": 5, "pending": 4}
    assert {o.under_other_rule for o in assistance} == {"blocked"}


def test_summit_condition_met_in_the_scenario() -> None:
    assert istanbul("2024-06-30").violations == ()


def test_real_ucdp_events_against_a_treaty_never_in_force() -> None:
    bundle = load_bundle(EXAMPLES / "istanbul-2022")
    result = monitor(bundle, date(2023, 12, 31), events=[UCDP]).assessment
    assert result.events_read == 3883
    assert result.obligations == ()
    # UCDP's categories map to clash and violence against civilians, not the trigger's kinds
    assert all(s.count > 0 for s in result.set_aside)


def test_nato_article_6_excludes_hawaii() -> None:
    bundle = load_bundle(EXAMPLES / "nato-1949")
    result = monitor(bundle, date(2001, 12, 31)).assessment
    assert [s.examples for s in result.set_aside] == [("hyp-hawaii",)]
    assert result.set_aside[0].reason == "outside north atlantic area"
    bearers = {o.bearer for o in result.obligations}
    assert "US" not in bearers  # the Party attacked is owed assistance, it does not owe it
    assert {"CA", "GB", "FR", "TR", "GR"} <= bearers


def test_cli_assess_json() -> None:
    run = subprocess.run([TREATYLINE, "assess", str(EXAMPLES / "istanbul-2022"), "--scenario",
                          "--as-of", "2023-12-31", "--json"], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["events_read"] == 7
    assert {o["state"] for o in data["obligations"]} >= {"fulfilled", "violated", "pending"}
    assert data["reading_dependent"] == ["hyp-2023-10-20-kramatorsk"]


def test_cli_assess_bad_events_file(tmp_path: Path) -> None:
    bad = tmp_path / "events.csv"
    bad.write_text("id,date,kind,target,longitude,latitude,radius\n"
                   "a,2023-10-03,armed_attack,UA,36.2,49.9,0\n"
                   "b,2023-13-03,armed_attack,UA,36.2,49.9,0\n"
                   "c,2023-10-04,armed_attack,UA,,49.9,0\n"
                   "d,2023-10-04,protest_violence,UA,36.2,49.9,0\n", encoding="utf-8")
    run = subprocess.run([TREATYLINE, "assess", str(EXAMPLES / "istanbul-2022"), "--scenario",
                          "--events", str(bad), "--as-of", "2023-12-31"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert "events.csv:3" in run.stdout and "events.csv:4" in run.stdout
    assert "consultation#1" in run.stdout  # the good rows were still assessed
    assert "not a trigger" in run.stdout
