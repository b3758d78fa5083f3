"""`build_report`: the whole report as one HTML string, a pure function of its inputs
(the caller loads the data and writes the file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from html import escape

import numpy as np

from ..bundle import Bundle
from ..commitments import CommitmentResult
from ..incidents import Incidents
from ..norms import Assessment, EventColumns, event_columns
from ..status import status as compute_status
from ..territory import Territory
from ..timeline import timeline as compute_timeline
from .mapview import build_map
from .page import page
from .sections import (
    commitments_section,
    event_data_section,
    obligations_section,
    status_section,
    timeline_section,
    violations_section,
)

__all__ = ["build_report"]


def _hypothetical_data(bundle: Bundle, columns: EventColumns,
                       commitments: Sequence[CommitmentResult]) -> list[str]:
    """What the report shows that did not take place: scenario acts, scenario events and
    measured incidents from hypothetical data (a proposal's text is not among them)."""
    parts = []
    acts = sum(1 for a in bundle.record.acts if a.hypothetical)
    if acts:
        parts.append(f"{acts} recorded act(s) are hypothetical scenario acts")
    events = int(np.count_nonzero(columns.hypothetical))
    if events:
        parts.append(f"{events} incident(s) are hypothetical scenario events")
    if any("hypothetical" in (v.source or "").lower() for r in commitments for v in r.violations):
        parts.append("some measured incidents come from hypothetical data")
    return parts


def _banner(bundle: Bundle, hypothetical: list[str]) -> str:
    """Say plainly, once at the top, which parts of the report did not happen. A treaty
    that was never concluded (a proposal) is a real text: it gets a note, not the banner."""
    proposal = ('<p class="proposal-note" role="note">This treaty file encodes a text that '
                "was never concluded (a proposal); the status below is what its own rules "
                "would give on the recorded acts.</p>" if bundle.treaty.hypothetical else "")
    if not hypothetical:
        return proposal
    return ('<div class="banner" role="note"><strong>Hypothetical scenario data shown.</strong> '
            + escape("; ".join(hypothetical)) + ". Every such item is labelled "
            '<span class="badge hyp">hypothetical</span> where it appears; it does not '
            "describe events that took place.</div>" + proposal)


def build_report(
    bundle: Bundle,
    as_of: date,
    assessment: Assessment,
    commitments: Sequence[CommitmentResult],
    incidents: Incidents,
    territory: Territory,
) -> str:
    """The report: status, map, procedure timeline, obligations, violations and
    commitments, as one self-contained HTML document."""
    treaty = bundle.treaty
    columns = event_columns(incidents)  # read once: seconds at 10^5 events
    hypothetical = _hypothetical_data(bundle, columns, commitments)
    status = compute_status(treaty, bundle.record, as_of)
    if not hypothetical:  # a proposal's status is not scenario data: no badge on it
        status = replace(status, hypothetical=False)
    view = build_map(treaty, assessment, commitments, incidents, territory, columns)
    files = ", ".join(p.name for p in bundle.record_paths) or "no record file"
    header = (f"<h1>{escape(treaty.title)}</h1>"
              f'<p class="muted">treatyline report as of {as_of} · treaty {escape(treaty.id)} · '
              f"record: {escape(files)} · {assessment.events_read} incident(s) read, "
              f"{view.drawn} on the map</p>")
    nav = ('<nav class="muted"><a href="#status">status</a> · <a href="#map-section">map</a> · '
           '<a href="#timeline">procedure</a> · <a href="#obligations">obligations</a> · '
           '<a href="#commitments">commitments</a></nav>')
    map_section = ('<section id="map-section"><h2>Where it applies, and the incidents</h2>'
                   f'<div class="map-wrap">{view.svg}<div>{view.legend}'
                   '<p class="muted">Hover an area or incident for details; links in the '
                   "tables below highlight the incident here.</p></div></div></section>")
    body = "".join([
        _banner(bundle, hypothetical), header, nav,
        status_section(status),
        map_section,
        event_data_section(assessment),
        timeline_section(compute_timeline(treaty, bundle.record)),
        obligations_section(treaty, assessment, view.marker_ids),
        violations_section(assessment),
        commitments_section(commitments, view.marker_ids),
    ])
    return page(f"{treaty.short_title or treaty.title} — treatyline report", body)
