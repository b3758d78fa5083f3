"""The report as a person sees it: opened in headless Chromium, offline.

Chromium is driven by command-line flags only (no extra dependency): `--screenshot`
for a picture to look at, `--dump-dom` for the DOM after the scripts ran. The page's
own self-check script writes the script errors and every resource it loaded into
attributes of <body>, which the dumped DOM shows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from test_report import _violation_result, istanbul_report
from tiled_events import write_tiled_events
from treatyline.bundle import load_bundle
from treatyline.cli import app
from treatyline.monitor import default_event_files, load_events
from treatyline.norms import assess, event_columns
from treatyline.report.run import write_report
from treatyline.territory import Territory

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(.ci/run installs it: apt-get install chromium)")

# No network at all: proxy everything to a closed port and turn off every background
# service, so a request leaving the machine would fail and show up as an error/resource.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--proxy-server=127.0.0.1:9", "--window-size=1400,2600"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


class _Body(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] = {}
        self.markers = 0
        self.rows = 0
        self.bars = 0
        self.paths = 0
        self.hexes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        css = found.get("class") or ""
        if tag == "body":
            self.body = found
        elif tag == "circle" and (found.get("id") or "").startswith("inc-"):
            self.markers += 1
        elif tag == "tr" and "obligation" in css.split():
            self.rows += 1
        elif tag == "rect" and css == "bar":
            self.bars += 1
        elif tag == "path" and "area" in css.split():
            self.paths += 1
        elif tag == "path" and "hex" in css.split():
            self.hexes += 1


def _open(tmp_path: Path, report: Path) -> tuple[_Body, str]:
    """Screenshot the page (left beside it for a person to look at), then read the DOM
    after the scripts ran; returns the parsed DOM and Chromium's log."""
    shot = report.with_suffix(".png")
    done = _chromium(tmp_path, f"--screenshot={shot}", report.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    dom = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
                    "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = _Body()
    page.feed(dom.stdout)
    return page, dom.stderr


def _errors(page: _Body, log: str) -> tuple[list[str], list[str]]:
    """(script errors, resources loaded): the page's self-check plus the console log."""
    errors = json.loads(page.body.get("data-errors") or '["no self-check"]')
    errors += re.findall(r"CONSOLE.*(?:Uncaught|Error).*", log)
    resources = json.loads(page.body.get("data-resources") or '["no self-check"]')
    resources += re.findall(r"net::ERR_\w+", log)
    return errors, resources


@pytest.mark.parametrize(("example", "scenario"), [("istanbul-2022", True), ("nato-1949", False)])
def test_report_renders_in_chromium(tmp_path: Path, example: str, scenario: bool) -> None:
    as_of = date(2025, 1, 1)
    bundle = load_bundle(EXAMPLES / example, scenario=scenario)
    out = tmp_path / f"{example}.html"
    write_report(bundle, as_of, out, scenario=scenario)
    page, log = _open(tmp_path, out)
    assert _errors(page, log) == ([], [])

    incidents, _ = load_events(default_event_files(bundle, scenario=scenario), None, None)
    located = int(np.count_nonzero(np.isfinite(incidents.longitude)
                                   & np.isfinite(incidents.latitude)))
    assert page.markers == located == int(page.body.get("data-markers") or -1) > 0
    assessment = assess(bundle.treaty, bundle.record, as_of, events=event_columns(incidents),
                        scope=Territory.for_treaty(bundle.treaty))
    assert page.rows == len(assessment.obligations)
    assert page.paths >= 1


def test_commitment_chart_renders_in_chromium(tmp_path: Path) -> None:
    out = tmp_path / "commitment.html"
    out.write_text(istanbul_report((_violation_result(),)), encoding="utf-8")
    page, log = _open(tmp_path, out)
    assert _errors(page, log) == ([], [])
    assert page.bars == 17
    assert page.markers == 7 + 1  # the scenario's incidents and the violating one


def test_the_self_check_catches_errors_and_requests(tmp_path: Path) -> None:
    """The check above would see a fetched resource or a script error: prove it."""
    out = tmp_path / "bad.html"
    html = istanbul_report().replace("<main>", '<main><img src="https://example.invalid/x.png">'
                                     "<script>notDefined()</script>", 1)
    out.write_text(html, encoding="utf-8")
    errors, resources = _errors(*_open(tmp_path, out))
    assert any("notDefined" in e for e in errors)
    assert "https://example.invalid/x.png" in resources


def test_a_report_of_100_000_events_is_small_and_renders(tmp_path: Path) -> None:
    """10^5 events (the bundled UCDP extract tiled and jittered), given with --events:
    the map draws their density, the page stays small and Chromium renders it."""
    events = write_tiled_events(tmp_path / "events.csv", 100_000)
    out = tmp_path / "big.html"
    result = CliRunner().invoke(app, ["report", str(EXAMPLES / "minsk-2015"), "--as-of",
                                      "2022-06-01", "--events", str(events), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size < 3_000_000
    page, log = _open(tmp_path, out)
    assert _errors(page, log) == ([], [])
    assert page.hexes > 100
    assert 0 < page.markers == int(page.body.get("data-markers") or -1) < 1_000


# Run after the page's own scripts: wheel towards the centre, the zoom-out button, a drag
# of (50, 20) pixels, then the button back to the whole map; each viewBox is recorded.
_ZOOM_PROBE = """<script>(function(){var svg=document.getElementById('map'),seen=[];
function note(){seen.push(svg.getAttribute('viewBox'));}
var r=svg.getBoundingClientRect(),cx=Math.round(r.left+r.width/2),
cy=Math.round(r.top+r.height/2);note();
svg.dispatchEvent(new WheelEvent('wheel',{deltaY:-100,clientX:cx,clientY:cy,bubbles:true,
cancelable:true}));note();
document.querySelector('.map-zoom button[data-zoom="out"]').click();note();
svg.dispatchEvent(new PointerEvent('pointerdown',{button:0,clientX:cx,clientY:cy,
bubbles:true}));
window.dispatchEvent(new PointerEvent('pointermove',{clientX:cx+50,clientY:cy+20}));
window.dispatchEvent(new PointerEvent('pointerup',{}));note();
document.querySelector('.map-zoom button[data-zoom="reset"]').click();note();
document.body.setAttribute('data-zoom',JSON.stringify(seen.concat([r.width])));})();
</script></body>"""


def test_the_map_zooms_and_pans(tmp_path: Path) -> None:
    out = tmp_path / "zoom.html"
    out.write_text(istanbul_report().replace("</body>", _ZOOM_PROBE, 1), encoding="utf-8")
    page, log = _open(tmp_path, out)
    assert _errors(page, log) == ([], [])
    *boxes, width = json.loads(page.body.get("data-zoom") or "[]")
    home, wheel, zoomed_out, dragged, reset = (
        [float(v) for v in box.split()] for box in boxes)
    assert wheel[2] == pytest.approx(home[2] / 1.25, rel=1e-3)  # zoomed in...
    centre = (home[0] + home[2] / 2, home[1] + home[3] / 2)
    # ...about the pointer (at the centre, to the pixel)
    assert wheel[0] + wheel[2] / 2 == pytest.approx(centre[0], abs=1)
    assert wheel[1] + wheel[3] / 2 == pytest.approx(centre[1], abs=1)
    assert zoomed_out[2] == pytest.approx(wheel[2] * 1.5, rel=1e-3)
    per_pixel = zoomed_out[2] / width
    assert dragged[0] == pytest.approx(zoomed_out[0] - 50 * per_pixel, abs=0.1)
    assert dragged[1] == pytest.approx(zoomed_out[1] - 20 * per_pixel, abs=0.1)
    assert dragged[2:] == zoomed_out[2:]
    assert reset == home
