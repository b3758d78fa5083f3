"""`treatyline demo`: the reference scenario told end to end — the real
negotiation, the procedure the treaty sets, and (hypothetically) that
procedure moving, day by day, until who is bound and who is not."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import groupby
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .bundle import Bundle
from .console import parties_table, status_headline, timeline_table
from .evaluation import evaluate
from .rules import describe
from .status import status
from .timeline import TimelineEntry, timeline

__all__ = ["run_demo"]


def _what_attacks_trigger(console: Console, bundle: Bundle, last_day: date | None) -> None:
    """The scenario's attacks against the guarantee: what each set off, and what is owed."""
    from .monitor import default_event_files, monitor

    if last_day is None or not default_event_files(bundle, scenario=True):
        return
    as_of = last_day
    result = monitor(bundle, as_of, scenario=True).assessment
    console.print(Text(f"5. What attacks trigger (HYPOTHETICAL events, assessed as of {as_of})",
                       style="bold"))
    for occasion in result.occasions:
        owed = [o for o in result.obligations if o.occasion == occasion.id]
        counts = Counter(f"{o.provision} {o.state}" for o in owed)
        under = ", ".join(map(str, occasion.covered_under))
        readings = (f" — covered only under the reading(s) {under}"
                    if occasion.depends_on_reading else "")
        console.print(f"  • {occasion.day}: {', '.join(occasion.incidents)}{readings}")
        console.print("      " + "; ".join(f"{what}: {n}" for what, n in sorted(counts.items())))
        other = Counter(o.under_other_rule for o in owed if o.under_other_rule)
        if other:
            console.print("      under the other decision rule: " + "; ".join(
                f"{n} would be {state}" for state, n in other.items()))
    for item in result.set_aside:
        console.print(f"  • set aside: {', '.join(item.examples)} — {item.reason}")
    console.print(f"  (details: treatyline assess {_shortest(bundle.treaty_path.parent)} "
                  f"--scenario --as-of {as_of} --because)")


def _summarise(entries: list[TimelineEntry]) -> str:
    """One line per kind of act on a day; many parties doing the same are listed by code."""
    lines: list[str] = []
    for what, group in groupby(entries, key=lambda e: e.what):
        items = list(group)
        if len(items) > 3 and all(e.party for e in items):
            codes = ", ".join(str(e.party) for e in items)
            lines.append(f"{what.replace('_', ' ').capitalize()} by {len(items)} parties: {codes}")
        else:
            lines.extend(dict.fromkeys(e.description for e in items))
    return "; ".join(lines)


def run_demo(console: Console, bundle: Bundle, folder: Path) -> date:
    """Print the story; returns the last day of the timeline (the day it is told up to)."""
    treaty, record = bundle.treaty, bundle.record
    entries = timeline(treaty, record)
    evaluation = evaluate(treaty, record)
    intro = Text(treaty.title, style="bold")
    if treaty.note:
        intro.append("\n" + " ".join(treaty.note.split()), style="")
    if record.is_hypothetical:
        intro.append(
            "\nThe negotiation record below is real (sourced). The signature, referendum and "
            "ratifications come from scenario.yaml: a HYPOTHETICAL sequence, labelled as such "
            "wherever it appears.", style="magenta")
    console.print(Panel(intro, title=Text(f"treatyline demo — {treaty.id}"), expand=False))

    real = [e for e in entries if not e.hypothetical and e.kind != "derived"]
    if real:
        console.print(timeline_table(real, title="1. The negotiation (real record)"))

    console.print(Text("2. The procedure the treaty sets", style="bold"))
    for kind, step in treaty.procedure.items():
        details = []
        if step.requires:
            details.append("after " + ", ".join(step.requires))
        if step.preconditions:
            details.append("only once established: " + "; ".join(
                treaty.facts[f].description for f in step.preconditions))
        if step.approval:
            details.append(f"approved with more than {step.approval.yes_share_at_least:.0%} yes"
                           + (f" and turnout of at least {step.approval.turnout_at_least:.0%}"
                              if step.approval.turnout_at_least else ""))
        if step.notice:
            details.append(f"takes effect {step.notice.describe()} notice")
        article = f" [{step.article}]" if step.article else ""
        console.print(f"  • {kind.replace('_', ' ')}{article}"
                      + (": " + "; ".join(details) if details else ""))
    eif = treaty.entry_into_force
    first_day = record.acts[0].day if record.acts else None
    rule = describe(eif.when, evaluation.snapshot(first_day)) if first_day else describe(eif.when)
    console.print(f"  • entry into force [{eif.article or 'rule'}]: when {rule}")

    moving = [e for e in entries if e.hypothetical and e.kind in ("instrument", "fact", "derived")]
    if moving:
        table = Table(title="3. The procedure moving (HYPOTHETICAL scenario)", expand=False)
        for column, wrap in (("date", False), ("what happened", True), ("treaty", False),
                             ("bound", False), ("still needed", True)):
            table.add_column(column, no_wrap=not wrap, overflow="fold")
        for day, same_day in groupby(moving, key=lambda e: e.day):
            happened = _summarise(list(same_day))
            result = status(treaty, record, day)
            bound = sorted(c for c, p in result.parties.items() if p.is_bound)
            table.add_row(str(day), happened, status_headline(result).plain.replace(
                "  [hypothetical scenario]", ""), str(len(bound)),
                "\n".join(result.pending[:3]) + ("\n…" if len(result.pending) > 3 else ""))
        console.print(table)

    last_day = entries[-1].day if entries else None
    if last_day is not None:
        final = status(treaty, record, last_day)
        console.print(Text(f"4. Who is bound on {last_day}", style="bold"))
        console.print(Text("   ").append(status_headline(final)))
        console.print(parties_table(final.parties.values()))
        for line in final.pending:
            console.print(f"  • {line}")
    _what_attacks_trigger(console, bundle, last_day)
    shown = _shortest(folder)
    console.print(Text.assemble(
        "\nExplore: ", (f"treatyline status {shown} --scenario --as-of YYYY-MM-DD", "bold"),
        " (add --json), ", (f"treatyline timeline {shown} --scenario", "bold"), ", ",
        (f"treatyline status {shown.parent / 'nato-1949'} --as-of 1949-08-24", "bold")))
    return last_day or date.today()


def _shortest(folder: Path) -> Path:
    """The example folder as the user can type it from here (examples/... in a checkout)."""
    local = Path("examples") / folder.name
    if local.is_dir() and local.resolve() == folder.resolve():
        return local
    return folder
