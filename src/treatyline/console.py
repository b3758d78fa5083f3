"""Rich rendering of statuses, timelines and diagnostics for the terminal."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .diagnostics_cap import kind_of, kind_text
from .errors import Diagnostic
from .status import PartyStatus, Status
from .timeline import TimelineEntry

if TYPE_CHECKING:  # the event side loads pyarrow and numba: only when assessing
    from .commitments import CommitmentResult
    from .event_warnings import EventWarning
    from .norms import Assessment

__all__ = [
    "assessment_view",
    "commitment_view",
    "few_ids",
    "print_diagnostics",
    "print_event_warnings",
    "status_view",
    "timeline_table",
]

_STANDING_STYLE = {
    "bound": "bold green",
    "withdrawing": "yellow",
    "withdrawn": "red",
    "succeeded": "dim",
    "consented": "cyan",
    "provisionally_applying": "cyan",
    "signatory": "white",
    "none": "dim",
}


def _plain(*cells: str | Text) -> list[Text]:
    """Table cells as Text: user text (names, ids, titles) is never read as markup, whatever
    the console's settings."""
    return [cell if isinstance(cell, Text) else Text(cell) for cell in cells]


def _title(title: str | None) -> Text | None:
    return None if title is None else Text(title, style="italic")


def _day(value: object) -> str:
    return "" if value is None else str(value)


def status_headline(status: Status) -> Text:
    if status.state == "in_force":
        text = Text(f"IN FORCE since {status.in_force_since}", style="bold green")
    elif status.state == "terminated" and status.in_force_since is None:
        # ended before it ever entered into force: null and void (a failed referendum)
        text = Text(f"TERMINATED since {status.terminated_since}: null and void, never in "
                    "force", style="bold red")
    elif status.state == "terminated":
        text = Text(f"TERMINATED since {status.terminated_since}", style="bold red")
    else:
        text = Text("NOT IN FORCE", style="bold yellow")
    if status.hypothetical:
        text.append("  [hypothetical scenario]", style="magenta")
    return text


def parties_table(parties: Iterable[PartyStatus], title: str | None = None) -> Table:
    table = Table(title=_title(title), show_lines=False, expand=False)
    table.add_column("party", overflow="fold", min_width=14)
    table.add_column("roles", overflow="fold")
    table.add_column("standing", no_wrap=True)
    table.add_column("signed", no_wrap=True)
    table.add_column("consent", overflow="fold", min_width=12)
    table.add_column("bound since", no_wrap=True)
    table.add_column("note", overflow="fold")
    for party in parties:
        consent = f"{party.consent[0]} {party.consent[1]}" if party.consent else ""
        note = ""
        if party.provisionally_applying_since:
            note = f"applying provisionally since {party.provisionally_applying_since}"
        if party.notice_given_on:
            note = f"notice given {party.notice_given_on}"
        if party.withdrawn_since:
            note = f"withdrawn since {party.withdrawn_since}"
        periods = party.bound_periods
        if len(periods) > 1 or (periods and periods[-1].until is not None):
            # a party that left (and perhaps rejoined): every period, not just the last
            spans = ", ".join(f"{p.since} to {p.until or 'now'}" for p in periods)
            note = (note + "; " if note else "") + f"bound {spans}"
        succession = party.succession or {}
        if "predecessor" in succession:
            verb = "continues" if succession["continuation"] else "succeeded"
            note = (note + "; " if note else "") + (
                f"{verb} {succession['predecessor']} from {succession['effective']}")
        elif "successors" in succession:
            passed = succession["successors"]
            note = (note + "; " if note else "") + "succeeded by " + ", ".join(
                s["successor"] for s in passed) + (
                f" from {passed[0]['effective']}" if passed else "")
        elif not party.declared:
            acceded = party.consent is not None and party.consent[0] == "accession"
            note = (note + "; " if note else "") + (
                "acceded (not an original party)" if acceded else "not declared in the treaty")
        table.add_row(*_plain(
            f"{party.code} {party.name}",
            ", ".join(role.replace("_", " ") for role in party.roles),
            Text(party.standing, style=_STANDING_STYLE.get(party.standing, "")),
            _day(party.signed_on),
            consent,
            _day(party.bound_from),
            note,
        ))
    return table


def status_view(status: Status, *, show_because: bool = True) -> Group:
    known = f" as known on {status.known_on}" if status.known_on is not None else ""
    parts: list[object] = [
        Panel(
            Group(Text(status.title, style="bold"), Text(f"as of {status.as_of}{known}: "
                                                         ).append(status_headline(status))),
            title=Text(status.treaty),
            expand=False,
        ),
        parties_table(status.parties.values()),
    ]
    if status.pending:
        parts.append(Text("Pending:", style="bold"))
        parts.extend(Text(f"  • {line}") for line in status.pending)
    if show_because:
        parts.append(Text("Because:", style="bold"))
        parts.extend(Text(f"  - {reason}", style="dim" if i else "") for i, reason in
                     enumerate(status.because))
    if status.not_yet_known:
        parts.append(Text(f"Not yet known on {status.known_on} (recorded later, not counted): "
                          + ", ".join(status.not_yet_known), style="dim"))
    if status.readings:
        parts.append(readings_table(status))
    return Group(*parts)  # type: ignore[arg-type]


TIMELINE_TABLE_ROWS = 1_000
"""Above this many entries the timeline is printed as plain lines: rich lays a table out by
measuring every cell first (about 0.4 ms a row here: 8 s for a 20,000-act record), plain
lines cost microseconds each and stay greppable."""

_TIMELINE_MARKS = {"negotiation": "◆", "instrument": "●", "fact": "■", "derived": "⇒",
                   "rejected": "✗", "other": "·"}


def timeline_lines(entries: Sequence[TimelineEntry], title: str | None = None) -> Iterator[str]:
    """The timeline as one plain line per entry: date, mark, what, and where the act is."""
    if title:
        yield f"{title}: {len(entries):,} entries"
    for entry in entries:
        what = entry.description.replace("\n", " ")
        if entry.hypothetical:
            what += " [hypothetical]"
        if entry.clause and entry.kind == "derived":
            what += f" ({entry.clause})"
        if entry.recorded is not None:
            what += f" (recorded {entry.recorded})"
        place = f"  [{entry.act}]" if entry.act else ""
        yield f"{entry.day}  {_TIMELINE_MARKS.get(entry.kind, ' ')}  {what}{place}"


def readings_table(status: Status) -> Table:
    """The status as recorded and under each reading of the disputed acts, side by side:
    the treaty's state, and every party whose standing differs between them."""
    table = Table(title=Text("Disputed acts: the status under each reading", style="bold"),
                  expand=False)
    table.add_column("", overflow="fold")
    table.add_column("as recorded", overflow="fold")
    for reading in status.readings:
        table.add_column(f"{reading.name} (disputed by {', '.join(reading.disputed_by)}; "
                         f"without {', '.join(reading.disregarded)})", overflow="fold")

    def standing(party: object) -> str:
        if party is None:
            return "none"
        assert isinstance(party, PartyStatus)
        since = f" since {party.bound_from}" if party.is_bound and party.bound_from else ""
        gone = f" since {party.withdrawn_since}" if party.withdrawn_since else ""
        return party.standing + since + gone

    table.add_row("the treaty", status_headline(status).plain,
                  *(status_headline(r.status).plain for r in status.readings))
    codes = dict.fromkeys([*status.parties, *(c for r in status.readings
                                              for c in r.status.parties)])
    for code in codes:
        cells = [standing(status.parties.get(code)),
                 *(standing(r.status.parties.get(code)) for r in status.readings)]
        if len(set(cells)) > 1:
            name = (status.parties.get(code) or next(
                r.status.parties[code] for r in status.readings if code in r.status.parties)).name
            table.add_row(*_plain(f"{code} {name}", *cells))
    return table


def timeline_table(entries: Sequence[TimelineEntry], title: str | None = None) -> Table:
    table = Table(title=_title(title), expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("what", overflow="fold")
    table.add_column("act", overflow="fold", style="dim")
    marks = _TIMELINE_MARKS
    styles = {"derived": "bold green", "rejected": "red", "negotiation": "cyan"}
    for entry in entries:
        text = Text(entry.description, style=styles.get(entry.kind, ""))
        if entry.hypothetical:
            text.append(" [hypothetical]", style="magenta")
        if entry.clause and entry.kind == "derived":
            text.append(f" ({entry.clause})", style="dim")
        if entry.recorded is not None:
            text.append(f" (recorded {entry.recorded})", style="dim")
        table.add_row(*_plain(str(entry.day), marks.get(entry.kind, ""), text, entry.act or ""))
    return table


def print_diagnostics(
    console: Console, diagnostics: Iterable[Diagnostic], *, per_shape: int = 10,
    total: int = 200,
) -> None:
    """Print each problem with its place; past `per_shape` messages of the same shape (or
    `total` in all) print only how many more there are, so that a file with 10,000 bad
    columns gives a screenful, not 10,000 lines."""
    shown: dict[Hashable, int] = {}
    hidden: dict[Hashable, int] = {}
    texts: dict[Hashable, str] = {}
    printed = 0
    for diagnostic in diagnostics:
        shape = kind_of(diagnostic)
        texts.setdefault(shape, kind_text(diagnostic))
        if shown.get(shape, 0) >= per_shape or printed >= total:
            hidden[shape] = hidden.get(shape, 0) + 1
            continue
        shown[shape] = shown.get(shape, 0) + 1
        printed += 1
        console.print(Text(str(diagnostic), style="red"), soft_wrap=True)
    summaries = sorted(hidden.items(), key=lambda item: -item[1])
    for shape, count in summaries[:20]:
        console.print(Text(f"  … and {count} more like: {texts[shape]}", style="red"),
                      soft_wrap=True)
    if len(summaries) > 20:
        rest = sum(count for _, count in summaries[20:])
        console.print(Text(f"  … and {rest} more of {len(summaries) - 20} other kinds",
                           style="red"), soft_wrap=True)


def print_event_warnings(console: Console, warnings: Sequence[EventWarning], *,
                         per_code: int = 5) -> None:
    """Each warning about the event data with its place; past `per_code` of one code, how
    many more there are and where the full list is."""
    hidden: dict[str, int] = {}
    shown: dict[str, int] = {}
    for warning in warnings:
        if shown.get(warning.code, 0) >= per_code:
            hidden[warning.code] = hidden.get(warning.code, 0) + 1
            continue
        shown[warning.code] = shown.get(warning.code, 0) + 1
        console.print(Text(f"{warning} [{warning.code}]", style="yellow"), soft_wrap=True)
    for code, count in hidden.items():
        console.print(Text(f"  … and {count:,} more warning(s) [{code}] (every one is in "
                           "--json and the report)", style="yellow"), soft_wrap=True)
    if warnings:
        console.print(Text(f"{len(warnings):,} warning(s) about the event data; the events "
                           "are kept and counted", style="yellow"), soft_wrap=True)


IDS_SHOWN = 5
"""Ids printed in one cell or line: past this, how many more and where the full list is."""


def few_ids(ids: Sequence[str], shown: int = IDS_SHOWN) -> str:
    """'a, b, c' or, for many, 'a, b, c, d, e and 295 more (every id: --json, the report)'."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return (f"{', '.join(ids[:shown])} and {len(ids) - shown:,} more (every id: --json, "
            "the report)")


_STATE_STYLE = {
    "fulfilled": "green",
    "pending": "yellow",
    "violated": "bold red",
    "discharged": "dim",
    "blocked": "magenta",
}


def assessment_view(result: Assessment, *, show_because: bool = False) -> Group:
    """Obligations, occasions, violations and what was set aside, as tables."""
    parts: list[object] = [Text(f"{result.treaty} — assessed as of {result.as_of} "
                                f"({result.events_read} events read)", style="bold")]
    if result.occasions:
        occasions = Table(title="Occasions (incidents that set a provision off)", expand=False)
        for column in ("occasion", "date", "incidents", "covered under", "note"):
            occasions.add_column(column, overflow="fold")
        for occasion in result.occasions:
            readings = ", ".join(str(r) for r in occasion.covered_under) or "—"
            note = "depends on the reading" if occasion.depends_on_reading else ""
            if occasion.hypothetical:
                note = (note + "; " if note else "") + "hypothetical"
            occasions.add_row(*_plain(
                occasion.id, str(occasion.day), few_ids(occasion.incidents),
                readings if occasion.readings != (None,) else "(one area)",
                Text(note, style="magenta" if note else "")))
        parts.append(occasions)
    if result.obligations:
        table = Table(title="Obligations", expand=False)
        for column in ("provision", "bearer", "occasion", "due from", "deadline", "state",
                       "other decision rule"):
            table.add_column(column, overflow="fold")
        for obligation in result.obligations:
            other = obligation.under_other_rule or ""
            label = obligation.occasion
            if obligation.only_under:
                label += f" (only under {', '.join(obligation.only_under)})"
            table.add_row(*_plain(
                obligation.provision, f"{obligation.bearer} {obligation.bearer_name}",
                label, str(obligation.due_from),
                str(obligation.deadline) if obligation.deadline else "none",
                Text(obligation.state, style=_STATE_STYLE.get(obligation.state, "")),
                Text(other, style=_STATE_STYLE.get(other, ""))))
        parts.append(table)
        if show_because:
            for obligation in result.obligations:
                parts.append(Text(f"{obligation.provision} / {obligation.bearer} / "
                                  f"{obligation.occasion}:", style="bold"))
                parts.extend(Text(f"  - {reason}", style="dim") for reason in obligation.because)
    for commitment in result.commitments:
        parts.append(commitment_view(commitment))
    if result.violations:
        parts.append(Text("Violations:", style="bold red"))
        parts.extend(Text(f"  ✗ [{v.provision}] {v.message} ← {v.act}", style="red")
                     for v in result.violations)
    if result.set_aside:
        parts.append(Text("Incidents that set nothing off:", style="bold"))
        for item in result.set_aside:
            examples = ", ".join(item.examples)
            parts.append(Text(f"  · [{item.provision}] {item.count} incident(s): {item.reason} "
                              f"(e.g. {examples})"))
    if result.reading_dependent:
        parts.append(Text("Coverage depends on the reading of a disputed area for: "
                          + ", ".join(result.reading_dependent), style="magenta"))
    for note in result.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    if result.events_rejected:
        parts.append(Text(f"Event rows set aside ({len(result.events_rejected)}):",
                          style="bold red"))
        parts.extend(Text(f"  ✗ {d}", style="red") for d in result.events_rejected[:20])
        if len(result.events_rejected) > 20:
            parts.append(Text(f"  … and {len(result.events_rejected) - 20:,} more (every one: "
                              "--json, the report)"))
    if not (result.obligations or result.violations or result.commitments):
        parts.append(Text("No obligation triggered and no violation found.", style="green"))
    return Group(*parts)  # type: ignore[arg-type]


_VERDICT_STYLE = {"kept": "bold green", "not_kept": "bold red", "violated": "bold red",
                  "undetermined": "bold yellow", "not_started": "dim"}


def commitment_view(result: CommitmentResult, *, listed: int = 15) -> Group:
    """A commitment's verdict, figures, coverage, warnings and the first violations."""
    head = Text(f"Commitment {result.provision} ({result.expectation}): ", style="bold")
    head.append(result.verdict.replace("_", " ").upper(),
                style=_VERDICT_STYLE.get(result.verdict, ""))
    parts: list[object] = [head, Text(f"  {result.summary}")]
    if result.article:
        parts.append(Text(f"  [{result.article}] {' '.join((result.text or '').split())}",
                          style="dim"))
    from .coverage import coverage_sentence

    coverage = coverage_sentence(result.coverage)
    if coverage:
        parts.append(Text(f"  coverage: {coverage}", style="dim"))
    unit = result.measure.split(" ", 1)[-1]  # 'per day' of 'events per day'
    for week in (*result.weeks, *result.windows):
        parts.append(Text(f"  {week.describe(unit)}",
                          style=_VERDICT_STYLE.get(week.verdict, "").replace("bold ", "")))
    for warning in result.warnings:
        parts.append(Text(f"  ! {warning}", style="yellow"))
    if result.violations:
        shown = result.violations[:listed]
        table = Table(title=f"{len(result.violations)} qualifying event(s) after the start"
                      + (f" (the first {listed}; every one: --json, the report)"
                         if len(result.violations) > listed else ""),
                      expand=False)
        for column in ("date", "event", "kind", "place", "deaths", "note"):
            table.add_column(column, overflow="fold")
        for incident in shown:
            table.add_row(*_plain(str(incident.day), incident.id, incident.kind,
                                  incident.place, f"{incident.fatalities:g}", incident.note))
        parts.append(table)
    return Group(*parts)  # type: ignore[arg-type]
