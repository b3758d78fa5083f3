"""What the pages show: the dashboard (the report's status section, map and timeline,
reused as they are) and the log's entries each with its inclusion proof. The log's are read
in the treaty ledger's thread (`TreatyLedger.run`); the dashboard takes only the treaty and
the record from there (`current_record`, immutable values) and is drawn in another thread,
so that drawing the map does not hold up deposits. The HTML returned is the report's,
built from escaped parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ...calendar import DayOrTime
from ...record import Record
from ...report.mapview import MapView
from ...report.sections import status_section, timeline_section
from ...spec.model import Treaty
from ...spec.vocabulary import MONITORING_KINDS, NEGOTIATION_KINDS
from ...status import status
from ...timeline import timeline
from ..ledgers import TreatyLedger

__all__ = ["Dashboard", "act_kinds", "current_record", "dashboard", "log_page"]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """A treaty as of a day, as known on a day: HTML sections of the report."""

    state: str
    in_force_since: str | None
    bound: list[tuple[str, str, str]]
    """(code, name, bound since) of each party bound."""
    pending: list[str]
    status_html: str
    map_svg: str
    map_legend: str
    timeline_html: str
    not_yet_known: int
    incidents: int
    """The incidents monitors reported (all of them; the map draws those up to the day)."""


def current_record(ledger: TreatyLedger) -> tuple[Treaty, Record]:
    """The treaty and its record with every entry appended so far (the ledger's thread)."""
    depositary = ledger.fresh()
    return depositary.treaty, depositary.state.record


def dashboard(treaty: Treaty, record: Record, as_of: DayOrTime,
              known_on: date | None, view: MapView, incidents: int) -> Dashboard:
    """The dashboard's parts; `view` is the map the treaty's obligations book drew (the
    areas under each reading, and the `incidents` monitors reported)."""
    found = status(treaty, record, as_of, known_on=known_on)
    bound = [(p.code, p.name, str(p.bound_from)) for p in found.parties.values()
             if p.standing == "bound"]
    return Dashboard(found.state, str(found.in_force_since) if found.in_force_since else None,
                     bound, list(found.pending), status_section(found), view.svg, view.legend,
                     timeline_section(timeline(treaty, record, known_on=known_on)),
                     len(record.unknown_on(known_on)) if known_on is not None else 0,
                     incidents)


def act_kinds(ledger: TreatyLedger) -> list[str]:
    """The kinds of act the treaty's record takes from a party (the officer's form
    suggests them; the depositary's examination decides)."""
    treaty = ledger.depositary.treaty
    return sorted(set(treaty.procedure) | set(treaty.act_kinds) | NEGOTIATION_KINDS
                  | MONITORING_KINDS)


def log_page(ledger: TreatyLedger, start: int, limit: int) -> dict[str, Any]:
    """A page of the log, each entry with its leaf and its inclusion proof against the
    latest checkpoint (the same for every entry of the page)."""
    ledger.fresh()
    page = ledger.entries(start, limit)
    page["entries"] = [ledger.entry(e["index"], None) for e in page["entries"]]
    page["checkpoint"] = (page["entries"][0]["checkpoint"] if page["entries"]
                          else ledger.checkpoint())
    return page
