"""The HTML report: self-contained, well formed, escaped, and showing what it says."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from treatyline.bundle import load_bundle
from treatyline.cli import app
from treatyline.commitments import CommitmentResult, DailyCount, ViolatingIncident, Window
from treatyline.monitor import default_event_files, load_events
from treatyline.norms import assess, event_columns
from treatyline.report import build_report
from treatyline.report.charts import count_chart
from treatyline.territory import Territory

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

AS_OF = date(2025, 1, 1)


class _Collect(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    parser.close()
    return parser


def _violation_result(incident_id: str = "v<1>") -> CommitmentResult:
    start = datetime(2022, 3, 29, tzinfo=UTC)
    series = tuple(DailyCount(date(2022, 3, d), events=d % 7, fatalities=float(d))
                   for d in range(15, 32))
    return CommitmentResult(
        provision="de-escalation", title="Reduced activity <Kyiv>", article="Art. 1 & 2",
        text="Cut activity <radically>.", expectation="reduction", bearers=("RU",),
        area="kyiv_direction", start=start, verdict="not_kept",
        summary="events fell 10% (7 → 6 per week)", measure="events per day",
        baseline=Window(date(2022, 3, 15), date(2022, 3, 28)),
        after=Window(date(2022, 3, 29), date(2022, 3, 31)),
        figures={"baseline_rate": 7.0, "after_rate": 6.3, "fall_pct": -10.0},
        series=series,
        violations=(ViolatingIncident(incident_id, date(2022, 3, 30), "shelling", 30.5, 50.4,
                                      "Irpin", "UCDP GED 1234", 2.0, "inside the area"),),
        coverage={"events_in_area": 40, "datasets": "ucdp-ged"},
        warnings=("only 3 days after the start",), because=("baseline 2022-03-15..28",))


def istanbul_report(commitments: tuple[CommitmentResult, ...] = ()) -> str:
    bundle = load_bundle(EXAMPLES / "istanbul-2022", scenario=True)
    incidents, _ = load_events(default_event_files(bundle, scenario=True), None, None)
    territory = Territory.for_treaty(bundle.treaty)
    assessment = assess(bundle.treaty, bundle.record, AS_OF, events=event_columns(incidents),
                        scope=territory)
    return build_report(bundle, AS_OF, assessment, commitments, incidents, territory)


@pytest.fixture(scope="module")
def report() -> str:
    return istanbul_report((_violation_result(),))


def test_report_parses_and_is_self_contained(report: str) -> None:
    parsed = _parse(report)
    assert parsed.tags[0][0] == "html"
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*"""
                          r"""(?:https?:)?//|@import""", report, flags=re.IGNORECASE)
    assert external == []
    for tag, attrs in parsed.tags:
        assert tag not in {"iframe", "object", "embed", "img"}
        if tag in {"script", "link"}:
            assert not attrs.get("src"), attrs
            assert (attrs.get("href") or "data:").startswith("data:"), attrs


def test_report_shows_the_excluded_areas_under_both_readings(report: str) -> None:
    areas = [a["data-area"] for t, a in _parse(report).tags if t == "path" and "data-area" in a]
    assert "certain_areas_donetsk_luhansk:ua" in areas
    assert "certain_areas_donetsk_luhansk:ru" in areas
    assert {"crimea", "sevastopol", "guarantee_scope"} <= set(areas)
    assert "reading &#x27;ua&#x27; (held by UA)" in report


def test_obligation_links_resolve_to_markers(report: str) -> None:
    tags = _parse(report).tags
    ids = {a["id"] for t, a in tags if t == "circle" and a.get("id")}
    links = [a for t, a in tags if t == "a" and "inc-link" in (a.get("class") or "")]
    assert links
    for link in links:
        assert link["href"] == f"#{link['data-marker']}"
        assert link["data-marker"] in ids
    rows = [a for t, a in tags if t == "tr" and "obligation" in (a.get("class") or "")]
    bundle = load_bundle(EXAMPLES / "istanbul-2022", scenario=True)
    incidents, _ = load_events(default_event_files(bundle, scenario=True), None, None)
    assessment = assess(bundle.treaty, bundle.record, AS_OF, events=event_columns(incidents),
                        scope=Territory.for_treaty(bundle.treaty))
    assert len(rows) == len(assessment.obligations) > 0


def test_commitment_result_is_rendered_and_escaped(report: str) -> None:
    assert "Reduced activity &lt;Kyiv&gt;" in report
    assert "Cut activity &lt;radically&gt;." in report and "Art. 1 &amp; 2" in report
    assert "<Kyiv>" not in report and "v<1>" not in report
    # the violating incident is not in the event table: it gets its own marker
    assert 'id="inc-v_1_"' in report and 'class="incident cat-violation"' in report
    assert 'class="win-baseline"' in report and 'class="win-after"' in report
    assert report.count('class="bar"') == 17
    assert "only 3 days after the start" in report


def test_hypothetical_data_has_a_banner(report: str) -> None:
    assert 'class="banner"' in report and "Hypothetical scenario data shown" in report
    assert 'class="badge hyp"' in report


def test_report_size_is_bounded(report: str) -> None:
    assert len(report.encode()) < 2_500_000


def test_empty_chart_says_so() -> None:
    assert "No daily counts" in count_chart((), start=date(2022, 1, 1), baseline=None,
                                            after=None)


def test_cli_report_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "nato.html"
    result = CliRunner().invoke(app, ["report", str(EXAMPLES / "nato-1949"), "--as-of",
                                      "2025-01-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report written to {out}" in " ".join(result.output.split())
    html = out.read_text(encoding="utf-8")
    assert "The North Atlantic Treaty" in html and html.count('<circle id="inc-') == 2
