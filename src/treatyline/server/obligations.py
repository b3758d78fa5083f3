"""A treaty's obligations as the server knows them: the norms engine run on the record the
follower last read and on every incident the monitors reported (`ObligationsBook`).

The book keeps, per ledger, the incidents recorded so far (read from `incident_reports`
in the order received, the new ones only: the table only grows), and computes the
`Assessment` (obligations, occasions, incidents set aside, commitments' verdicts) in the
process's assessing thread, where the treaty's territory is built once and kept: the
event loop never waits on geometry. One thread for every book of the process: the
territories share geometries (the areas' caches), and GEOS crashed the process when two
threads placed incidents in them at once (seen with two apps in one process).

Answers are cached by (acts known on `known_on`, incidents recorded, `as_of`, `known_on`):
a deposit or a report, in this process or another, changes the key; repeated reads cost
a look-up.

`revision` counts the incidents this process has seen; it grows when one is recorded here
or noticed from another process (every read first asks the table for new rows);
`wait_for_change` lets a task (deadline notices) wait for it to grow. Deposits change
obligations too: they show in `TreatyLedger.current()`'s snapshot, not in `revision`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from datetime import date, datetime
from functools import partial

from ..commitments import measure_commitments
from ..incidents import Incidents
from ..norms import Assessment, Obligation, assess, event_columns
from ..record import Record
from ..report.mapview import MapView, build_map
from ..spec.model import Treaty
from ..territory import Territory
from .answers import AnswerCache
from .incident_store import IncidentReport, IncidentStore, RecordedIncident
from .ledgers import TreatyLedger
from .threads import Confined, Failures

__all__ = ["ASSESSMENTS_KEPT", "ObligationsBook", "incidents_of"]

ASSESSMENTS_KEPT = 256
"""Assessments kept per ledger (each a few KiB for a treaty's obligations)."""
MAPS_KEPT = 16
"""Maps of the dashboard kept per ledger (each an SVG of some hundred KiB)."""
_ASSESSING = ThreadPoolExecutor(1, thread_name_prefix="assess")
"""The one thread of the process that computes assessments (see the module)."""


def incidents_of(reports: Sequence[IncidentReport]) -> Incidents:
    """The reports as an incidents table, each a day-precision event (as the readers make
    a row with a date and no time)."""
    if not reports:
        return Incidents.empty()

    def number(value: float | None) -> float:
        return math.nan if value is None else value

    return Incidents.from_columns(
        id=[r.id for r in reports], time=[r.day for r in reports],
        kind=[r.kind for r in reports], longitude=[r.longitude for r in reports],
        latitude=[r.latitude for r in reports], actor1=[r.actor for r in reports],
        target=[r.target for r in reports],
        radius_km=[number(r.location_precision_km) for r in reports],
        fatalities_best=[number(r.fatalities) for r in reports],
        source=[r.source for r in reports], notes=[r.note for r in reports])


class _Assessor:
    """The thread's state: the territory (built on first use) and the last incidents
    table built (by the number of incidents it holds)."""

    def __init__(self, treaty: Treaty) -> None:
        self.treaty = treaty
        self._territory: Territory | None = None
        self._built: tuple[int, Incidents] = (0, Incidents.empty())

    def _prepared(self, reports: Sequence[IncidentReport]) -> tuple[Territory, Incidents]:
        """The territory (built on first use) and the incidents table of `reports`."""
        if self._territory is None:
            self._territory = Territory.for_treaty(self.treaty)
        if self._built[0] != len(reports):
            self._built = (len(reports), incidents_of(reports))
        return self._territory, self._built[1]

    def assess(self, record: Record, reports: Sequence[IncidentReport], as_of: date,
               known_on: date | None) -> Assessment:
        territory, incidents = self._prepared(reports)
        known = record if known_on is None else record.as_known_on(known_on)
        events = incidents if len(incidents) else None
        result = assess(self.treaty, known, as_of,
                        events=event_columns(events) if events is not None else None,
                        scope=territory)
        measured = measure_commitments(self.treaty, known, as_of, events=events,
                                       territory=territory)
        return replace(result, commitments=tuple(measured))

    def map_view(self, assessment: Assessment, reports: Sequence[IncidentReport]) -> MapView:
        """The report's map of the treaty's areas and of the incidents up to the day of
        `assessment` (made by `assess` from the same `reports`)."""
        territory, incidents = self._prepared(reports)
        return build_map(self.treaty, assessment, assessment.commitments, incidents,
                         territory)


class ObligationsBook:
    """One ledger's incidents and the obligations computed from them (see the module)."""

    def __init__(self, ledger: TreatyLedger) -> None:
        self.ledger = ledger
        self._store: Confined[IncidentStore] = Confined(
            f"incidents-{ledger.treaty_id}", partial(_open_store, ledger.settings.db),
            Failures())
        self._assessor = _Assessor(ledger.depositary.treaty)
        self._recorded: list[RecordedIncident] = []
        self._reading = asyncio.Lock()
        self._changed = asyncio.Event()
        self._answers: AnswerCache[Assessment] = AnswerCache(ASSESSMENTS_KEPT)
        self._maps: AnswerCache[MapView] = AnswerCache(MAPS_KEPT)
        self.revision = 0
        """How many incidents this process has seen (grows, never shrinks)."""

    def close(self) -> None:
        self._store.close()

    # -- incidents ---------------------------------------------------------------------

    async def record(self, reports: Sequence[IncidentReport], submitted_by: str,
                     received: datetime, sha256: str) -> list[RecordedIncident]:
        """Record a batch (all or nothing; DuplicateIncidentError names a known id)."""
        recorded = await self._store.run(IncidentStore.record, list(reports), submitted_by,
                                         received, sha256)
        await self.refresh()
        return recorded

    async def refresh(self) -> int:
        """Read the incidents recorded since the last read (by any process); the count."""
        async with self._reading:  # one read at a time: each row is appended once
            last = self._recorded[-1].seq if self._recorded else 0
            new = await self._store.run(IncidentStore.since, last)
            if new:
                self._recorded.extend(new)
                self.revision = len(self._recorded)
                self._changed.set()
                self._changed = asyncio.Event()
        return len(self._recorded)

    async def incidents(self, since: int, limit: int) -> list[RecordedIncident]:
        """A page of the incidents in the order received: those after `since` (a seq)."""
        await self.refresh()
        return [r for r in self._recorded if r.seq > since][:limit]

    async def wait_for_change(self, revision: int) -> int:
        """Wait until `revision` is passed (incidents seen in this process); the new one.
        It grows on a report received here, or on any read noticing another process's."""
        while self.revision <= revision:
            await self._changed.wait()
        return self.revision

    # -- obligations -------------------------------------------------------------------

    async def assessment(self, as_of: date, known_on: date | None = None) -> Assessment:
        """Obligations, occasions, incidents set aside and commitments as of `as_of`, from
        the record as known on `known_on` (None: all of it) and every incident recorded."""
        return (await self._assessed(as_of, known_on))[2]

    async def _assessed(self, as_of: date, known_on: date | None
                        ) -> tuple[tuple[int, int, date, date | None], int, Assessment]:
        """The assessment with its cache key and the number of incidents it was made on."""
        snapshot = await self.ledger.current()
        count = await self.refresh()
        key = (snapshot.acts_known_on(known_on), count, as_of, known_on)

        async def computed() -> Assessment:  # the reports gathered on a miss only
            return await asyncio.get_running_loop().run_in_executor(
                _ASSESSING, self._assessor.assess, snapshot.record, self._reports(count),
                as_of, known_on)

        return key, count, await self._answers.get(key, computed)

    def _reports(self, count: int) -> tuple[IncidentReport, ...]:
        return tuple(r.report for r in self._recorded[:count])

    async def map_view(self, as_of: date, known_on: date | None = None) -> tuple[MapView, int]:
        """The dashboard's map as of `as_of` (areas, and the incidents recorded), drawn in
        the assessing thread (the territory's geometries are used by one thread only) on
        the assessment the obligations are cached with; and the number of incidents."""
        key, count, assessment = await self._assessed(as_of, known_on)

        async def drawn() -> MapView:
            return await asyncio.get_running_loop().run_in_executor(
                _ASSESSING, self._assessor.map_view, assessment, self._reports(count))

        return await self._maps.get(key, drawn), count

    async def obligations(self, day: date) -> Sequence[Obligation]:
        """Every obligation as of `day`, from the current record and incidents."""
        return (await self.assessment(day)).obligations


def _open_store(db: str, exits: ExitStack) -> IncidentStore:
    store = IncidentStore(db)
    exits.callback(store.close)
    return store
