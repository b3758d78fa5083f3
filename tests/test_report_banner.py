"""The hypothetical banner: shown only when hypothetical data are shown; a proposal (a
treaty that was never concluded) is a real text and gets a plain note instead."""

from __future__ import annotations

from datetime import date

from test_report import EXAMPLES
from treatyline.bundle import load_bundle
from treatyline.monitor import monitor
from treatyline.report import build_report


def _report(folder: str, *, scenario: bool = False) -> str:
    bundle = load_bundle(EXAMPLES / folder, scenario=scenario)
    seen = monitor(bundle, date(2025, 1, 1), scenario=scenario)
    assessment = seen.assessment
    return build_report(bundle, assessment.as_of, assessment, list(assessment.commitments),
                        seen.incidents, seen.territory)


def test_a_proposal_without_scenario_data_has_no_hypothetical_banner() -> None:
    html = _report("istanbul-2022")
    assert 'class="banner"' not in html and "Hypothetical scenario data" not in html
    assert 'class="badge hyp"' not in html
    assert 'class="proposal-note"' in html and "never concluded" in html


def test_a_proposal_with_scenario_data_has_the_banner_and_the_note() -> None:
    html = _report("istanbul-2022", scenario=True)
    banner = html[html.index('class="banner"'):]
    assert "hypothetical scenario acts" in banner[:600]
    assert 'class="proposal-note"' in html


def test_a_concluded_treaty_with_real_events_has_neither() -> None:
    html = _report("minsk-2015")
    assert 'class="banner"' not in html and 'class="proposal-note"' not in html


def test_a_concluded_treaty_with_a_hypothetical_event_has_the_banner() -> None:
    html = _report("nato-1949")
    assert "1 incident(s) are hypothetical scenario events" in html
    assert 'class="proposal-note"' not in html
