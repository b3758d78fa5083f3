"""The interface the server's own tasks (deadline notices) use: `ObligationsBook` on
`app.state.obligation_books`: `obligations(day)`, `revision` and `wait_for_change`, on
the Istanbul example's ledger (HYPOTHETICAL scenario). A report recorded by another
server on the same database is noticed too."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from incident_ledgers import ATTACK, istanbul_ledger
from server_running import SetClock
from treatyline.server import create_app
from treatyline.server.incident_store import IncidentReport
from treatyline.server.obligations import ObligationsBook

KHARKIV = IncidentReport("hyp-2023-10-03-kharkiv", ATTACK, "armed_attack",
                         "Armed forces of the Russian Federation", "UA", 36.23, 49.99, 1.0,
                         None, "hypothetical scenario (invented for demonstration)", "")


def test_a_task_waits_for_incidents_and_reads_the_obligations(
        ledger_db: str, tmp_path: Path) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    clock = SetClock(datetime(2023, 10, 3, 12, tzinfo=UTC))
    apps = [create_app(ledger.settings(), clock) for _ in range(2)]
    books: list[ObligationsBook] = [app.state.obligation_books["istanbul-2022"]
                                    for app in apps]

    async def scenario() -> None:
        watcher, other = books
        assert watcher.revision == 0 and await watcher.obligations(ATTACK) == ()
        waiting = asyncio.ensure_future(watcher.wait_for_change(0))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        await other.record([KHARKIV], "monitor (test)", clock.now(), "0" * 64)
        await asyncio.sleep(0.05)
        assert not waiting.done()  # another process's report: noticed on the next read
        found = await watcher.obligations(date(2023, 10, 4))
        assert await asyncio.wait_for(waiting, 5) == 1 == watcher.revision
        consultations = {o.bearer: o for o in found if o.provision == "consultation"}
        assert consultations and {o.state for o in consultations.values()} == {"pending"}
        assert {o.deadline for o in consultations.values()} == {date(2023, 10, 6)}
        later = await watcher.obligations(date(2023, 10, 8))
        assert {o.state for o in later if o.provision == "consultation"} == {"violated"}

    try:
        asyncio.run(scenario())
    finally:
        for app in apps:
            for book in app.state.obligation_books.values():
                book.close()
            app.state.access.close()
            app.state.treaties.close()
