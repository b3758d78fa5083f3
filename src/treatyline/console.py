"""Rich rendering of statuses, timelines and diagnostics for the terminal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .errors import Diagnostic
from .status import PartyStatus, Status
from .timeline import TimelineEntry

__all__ = ["print_diagnostics", "status_view", "timeline_table"]

_STANDING_STYLE = {
    "bound": "bold green",
    "withdrawing": "yellow",
    "withdrawn": "red",
    "consented": "cyan",
    "provisionally_applying": "cyan",
    "signatory": "white",
    "none": "dim",
}


def _day(value: object) -> str:
    return "" if value is None else str(value)


def status_headline(status: Status) -> Text:
    if status.state == "in_force":
        text = Text(f"IN FORCE since {status.in_force_since}", style="bold green")
    elif status.state == "terminated":
        text = Text(f"TERMINATED since {status.terminated_since}", style="bold red")
    else:
        text = Text("NOT IN FORCE", style="bold yellow")
    if status.hypothetical:
        text.append("  [hypothetical scenario]", style="magenta")
    return text


def parties_table(parties: Iterable[PartyStatus], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
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
        if not party.declared:
            note = (note + "; " if note else "") + "acceded (not an original party)"
        table.add_row(
            f"{party.code} {party.name}",
            ", ".join(role.replace("_", " ") for role in party.roles),
            Text(party.standing, style=_STANDING_STYLE.get(party.standing, "")),
            _day(party.signed_on),
            consent,
            _day(party.bound_since),
            note,
        )
    return table


def status_view(status: Status, *, show_because: bool = True) -> Group:
    parts: list[object] = [
        Panel(
            Group(Text(status.title, style="bold"), Text(f"as of {status.as_of}: ").append(
                status_headline(status))),
            title=status.treaty,
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
    if status.rejected:
        parts.append(Text(f"Rejected acts ({len(status.rejected)}):", style="bold red"))
        parts.extend(Text(f"  ✗ {d}", style="red") for d in status.rejected)
    return Group(*parts)  # type: ignore[arg-type]


def timeline_table(entries: Sequence[TimelineEntry], title: str | None = None) -> Table:
    table = Table(title=title, expand=False)
    table.add_column("date", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("what", overflow="fold")
    table.add_column("act", overflow="fold", style="dim")
    marks = {"negotiation": "◆", "instrument": "●", "fact": "■", "derived": "⇒",
             "rejected": "✗", "other": "·"}
    styles = {"derived": "bold green", "rejected": "red", "negotiation": "cyan"}
    for entry in entries:
        text = Text(entry.description, style=styles.get(entry.kind, ""))
        if entry.hypothetical:
            text.append(" [hypothetical]", style="magenta")
        if entry.clause and entry.kind == "derived":
            text.append(f" ({entry.clause})", style="dim")
        table.add_row(str(entry.day), marks.get(entry.kind, ""), text, entry.act or "")
    return table


def print_diagnostics(console: Console, diagnostics: Iterable[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        console.print(Text(str(diagnostic), style="red"), soft_wrap=True)
