"""The report's sections as HTML fragments: status, procedure timeline, obligations,
violations, commitments. Every text from data passes through `e` (html.escape)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from ..commitments import CommitmentResult, undefined_reason
from ..coverage import coverage_sentence
from ..norms import Assessment, Obligation
from ..spec.model import Treaty
from ..status import Reason, Status
from ..timeline import TimelineEntry
from .charts import count_chart

__all__ = ["commitments_section", "event_data_section", "obligations_section",
           "status_section", "timeline_section", "violations_section"]

HYPOTHETICAL = '<span class="badge hyp">hypothetical</span>'


_FORM_WORDS = {"treaty": "treaty", "political_commitment": "political commitment",
               "disputed": "instrument (its legal form is disputed)"}


def e(value: object) -> str:
    return escape("" if value is None else str(value))


def _because(reasons: Iterable[Reason | str], summary: str = "because") -> str:
    items = [f"<li>{e(r)}</li>" for r in reasons]
    if not items:
        return ""
    return f"<details><summary>{e(summary)}</summary><ul>{''.join(items)}</ul></details>"


def _clause(article: str | None, text: str | None, title: str | None = None) -> str:
    head = " — ".join(e(x) for x in (article, title) if x)
    body = f"<p>{e(' '.join(text.split()))}</p>" if text else '<p class="muted">No text.</p>'
    return f'<aside class="clause"><h4>{head or "clause"}</h4>{body}</aside>'


def status_section(status: Status) -> str:
    state = {"in_force": f"in force since {status.in_force_since}",
             "not_in_force": "not in force", "terminated":
             f"terminated since {status.terminated_since}"}[status.state]
    rows = []
    for party in status.parties.values():
        consent = f"{party.consent[0]} {party.consent[1]}" if party.consent else ""
        rows.append(f"<tr><td>{e(party.code)}</td><td>{e(party.name)}</td>"
                    f"<td>{e(', '.join(party.roles))}</td><td>{e(party.standing)}</td>"
                    f"<td>{e(party.signed_on)}</td><td>{e(consent)}</td>"
                    f"<td>{e(party.bound_from)}</td><td>{e(party.withdrawn_since)}</td></tr>")
    pending = "".join(f"<li>{e(p)}</li>" for p in status.pending)
    form = _FORM_WORDS.get(status.legal_form, status.legal_form)
    return (f'<section id="status"><h2>Status as of {e(status.as_of)}</h2>'
            f'<p class="state">The {e(form)} is <strong>{e(state)}</strong>'
            f"{' ' + HYPOTHETICAL if status.hypothetical else ''}.</p>"
            '<table class="parties"><thead><tr><th>code</th><th>party</th><th>roles</th>'
            "<th>standing</th><th>signed</th><th>consent</th><th>bound since</th>"
            f"<th>withdrawn</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + (f"<h3>Pending</h3><ul>{pending}</ul>" if pending else "")
            + _because(status.because) + "</section>")


_STEP_CLASS = {"negotiation": "negotiation", "instrument": "instrument", "derived": "derived",
               "fact": "fact", "rejected": "rejected", "other": "other"}


def timeline_section(entries: Sequence[TimelineEntry]) -> str:
    """The procedure and the negotiation in date order; hypothetical entries labelled."""
    items = []
    for entry in entries:
        css = _STEP_CLASS.get(entry.kind, "other") + (" hyp" if entry.hypothetical else "")
        clause = f' <span class="muted">({e(entry.clause)})</span>' if entry.clause else ""
        items.append(f'<li class="step {css}"><time>{e(entry.day)}</time>'
                     f'<span class="badge kind-{e(entry.kind)}">{e(entry.what.replace("_", " "))}'
                     f"</span> {e(entry.description)}{clause}"
                     f"{' ' + HYPOTHETICAL if entry.hypothetical else ''}</li>")
    body = "".join(items) or '<li class="muted">Nothing recorded.</li>'
    return (f'<section id="timeline"><h2>Procedure and negotiation</h2>'
            f'<ol class="timeline">{body}</ol></section>')


def _incident_links(ids: Sequence[str], markers: Mapping[str, str]) -> str:
    links = []
    for incident in ids:
        marker = markers.get(incident)
        links.append(f'<a class="inc-link" href="#{e(marker)}" data-marker="{e(marker)}">'
                     f"{e(incident)}</a>" if marker else e(incident))
    return ", ".join(links)


def obligations_section(treaty: Treaty, assessment: Assessment,
                        markers: Mapping[str, str]) -> str:
    """One table per provision, with its clause beside it; each row links to the
    incidents of its occasion on the map."""
    occasions = {o.id: o for o in assessment.occasions}
    by_provision: dict[str, list[Obligation]] = {}
    for obligation in assessment.obligations:
        by_provision.setdefault(obligation.provision, []).append(obligation)
    provisions = {p.id: p for p in treaty.provisions}
    blocks = []
    for pid, obligations in by_provision.items():
        spec = provisions.get(pid)
        rows = []
        for o in obligations:
            occasion = occasions.get(o.occasion)
            links = _incident_links(occasion.incidents if occasion else (), markers)
            hyp = HYPOTHETICAL if occasion and occasion.hypothetical else ""
            notes = []
            if o.fulfilled_on:
                notes.append(f"act on {o.fulfilled_on}")
            if o.only_under:
                notes.append("covered only under reading(s) " + ", ".join(o.only_under))
            if o.under_other_rule:
                notes.append(f"{o.under_other_rule} under the other decision rule")
            rows.append(f'<tr class="obligation state-{e(o.state)}"><td>{e(o.bearer_name)} '
                        f'<span class="muted">{e(o.bearer)}</span></td>'
                        f"<td>{e(o.occasion)} ({e(o.due_from)}) {hyp}<br>{links}</td>"
                        f"<td>{e(o.deadline or '—')}</td>"
                        f'<td><span class="state">{e(o.state)}</span></td>'
                        f"<td>{e('; '.join(notes))}{_because(o.because)}</td></tr>")
        title = spec.title if spec else pid
        blocks.append(
            f'<div class="result"><div class="result-body"><h3>{e(title)}</h3>'
            '<table class="obligations"><thead><tr><th>bearer</th><th>trigger</th>'
            "<th>deadline</th><th>state</th><th>notes</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
            f"{_clause(spec.article if spec else None, spec.text if spec else None)}</div>")
    remarks = "".join(f"<li>{e(n)}</li>" for n in assessment.notes)
    aside = "".join(f"<li>{e(s.provision)}: {e(s.count)} incident(s) set aside — "
                    f"{e(s.reason)} (e.g. {e(', '.join(s.examples))})</li>"
                    for s in assessment.set_aside)
    empty = '<p class="muted">No obligation has been triggered.</p>' if not blocks else ""
    return (f'<section id="obligations"><h2>Obligations triggered by incidents</h2>{empty}'
            + "".join(blocks)
            + (f"<h3>Incidents set aside</h3><ul>{aside}</ul>" if aside else "")
            + (f'<ul class="muted">{remarks}</ul>' if remarks else "") + "</section>")


MAX_ROWS_LISTED = 1_000
"""Rows set aside listed in the page (all are counted; past this, --json has the rest):
a file with 10^5 bad rows must not make a page of 10^5 table rows."""


def event_data_section(assessment: Assessment) -> str:
    """What was read: events used, rows set aside (with where and why) and the warnings
    about the data, each with its code and place."""
    rejected = assessment.events_rejected
    warnings = assessment.events_warnings
    if not (assessment.events_read or rejected or warnings):
        return ""
    head = (f"<p>{assessment.events_read:,} incident(s) read and used; "
            f"<strong>{len(rejected):,} row(s) set aside</strong> (not counted anywhere in this "
            "report)" if rejected else
            f"<p>{assessment.events_read:,} incident(s) read and used; no row set aside")
    head += f"; {len(warnings):,} warning(s).</p>" if warnings else ".</p>"
    items = "".join(f'<li><code>{e(w.code)}</code> <span class="muted">{e(w.place or "")}'
                    f"</span> {e(w.message)}</li>" for w in warnings)
    shown = rejected[:MAX_ROWS_LISTED]
    rows = "".join(f"<tr><td>{e(d.position or '')}</td><td>{e(d.message)}</td></tr>"
                   for d in shown)
    more = (f'<p class="muted">The first {MAX_ROWS_LISTED:,} of {len(rejected):,} are listed; '
            "treatyline assess --json lists every one.</p>" if len(rejected) > len(shown)
            else "")
    return ('<section id="event-data"><h2>The event data</h2>' + head
            + (f'<h3>Warnings</h3><ul class="warnings">{items}</ul>' if items else "")
            + (f"<details{' open' if len(rejected) <= 20 else ''}><summary>Rows set aside "
               f"({len(rejected):,})</summary><table class=\"set-aside\"><thead><tr>"
               f"<th>where</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>{more}"
               "</details>" if rejected else "")
            + "</section>")


def violations_section(assessment: Assessment) -> str:
    if not assessment.violations:
        return ""
    rows = "".join(f"<tr><td>{e(v.day)}</td><td>{e(v.provision)}</td><td>{e(v.kind)}</td>"
                   f"<td>{e(v.party)}</td><td>{e(v.message)} <span class=\"muted\">"
                   f"{e(v.clause)}</span>{_because(v.because)}</td></tr>"
                   for v in assessment.violations)
    return ('<section id="violations"><h2>Prohibitions and conditions: acts not in order</h2>'
            '<table><thead><tr><th>date</th><th>provision</th><th>kind</th><th>party</th>'
            f"<th>what</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _commitment(result: CommitmentResult, markers: Mapping[str, str]) -> str:
    # NaN means "no figure" (e.g. a change from a zero baseline): say so, not "nan"
    figures = "".join(f"<tr><th>{e(k.replace('_', ' '))}</th>"
                      f"<td>{f'— ({e(undefined_reason(k))})' if math.isnan(v) else f'{v:,.4g}'}"
                      "</td></tr>" for k, v in result.figures.items())
    coverage = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>"
                       for k, v in result.coverage.items())
    warnings = "".join(f"<li>{e(w)}</li>" for w in result.warnings)
    violations = "".join(
        f"<tr><td>{_incident_links([v.id], markers)}</td><td>{e(v.day)}</td>"
        f"<td>{e(v.kind)}</td><td>{e(v.place)}</td><td>{e(v.fatalities)}</td>"
        f"<td>{e(v.source)}</td><td>{e(v.note)}</td></tr>" for v in result.violations)
    chart = count_chart(result.series, start=result.start.date(), baseline=result.baseline,
                        after=result.after, measure=result.measure)
    return (f'<div class="result commitment-result" id="commitment-{e(result.provision)}">'
            f'<div class="result-body"><h3>{e(result.title)}</h3>'
            f'<p><span class="verdict verdict-{e(result.verdict)}">'
            f"{e(result.verdict.replace('_', ' '))}</span> {e(result.summary)}</p>"
            f'<p class="muted">{e(result.expectation.replace("_", " "))} by '
            f"{e(', '.join(result.bearers))}"
            f"{' in ' + e(result.area.replace('_', ' ')) if result.area else ''}"
            f" from {e(result.start.date())}; measured: {e(result.measure)}</p>"
            + (f'<p class="coverage">Coverage: {e(coverage_sentence(result.coverage))}</p>'
               if result.coverage else "") + chart
            + _weeks(result)
            + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
            + (f'<table class="figures"><tbody>{figures}</tbody></table>' if figures else "")
            + (f"<details><summary>data coverage</summary><table><tbody>{coverage}</tbody>"
               "</table></details>" if coverage else "")
            + ('<h4>Violating incidents</h4><table class="violating"><thead><tr><th>id</th>'
               "<th>date</th><th>kind</th><th>place</th><th>fatalities</th><th>source</th>"
               f"<th>note</th></tr></thead><tbody>{violations}</tbody></table>"
               if violations else "")
            + _because(result.because) + "</div>"
            + _clause(result.article, result.text) + "</div>")


def _weeks(result: CommitmentResult) -> str:
    """The verdict week by week, one row each (the console prints the same lines)."""
    unit = result.measure.split(" ", 1)[-1]
    tables = []
    for caption, verdicts in (("Week by week", result.weeks), ("Window by window",
                                                                result.windows)):
        rows = "".join(f'<tr class="week verdict-{e(w.verdict)}"><td>{e(w.describe(unit))}'
                       "</td></tr>" for w in verdicts)
        if rows:
            tables.append(f'<table class="weeks"><caption>{caption}</caption><tbody>{rows}'
                          "</tbody></table>")
    return "".join(tables)


def commitments_section(results: Sequence[CommitmentResult], markers: Mapping[str, str]) -> str:
    body = "".join(_commitment(r, markers) for r in results)
    if not body:
        body = '<p class="muted">No commitment was measured.</p>'
    return f'<section id="commitments"><h2>Commitments measured on event data</h2>{body}</section>'
