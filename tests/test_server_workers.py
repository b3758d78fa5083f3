"""Two servers on one ledger (as uvicorn's worker processes are: each its own connection)
depositing at the same time: one log, in one order, every receipt true to it, and each
server answering with the other's deposits. On SQLite and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from server_running import ISTANBUL, SetClock, make_ledger, serve
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.store import open_store
from treatyline.ledger.verify import verify_store
from treatyline.spec.load import load_treaty

API = "/api/treaties/istanbul-2022"
DEPOSITS = 12  # by each server's client


def statement(party: str, number: int) -> dict[str, Any]:
    return {"date": (date(2022, 3, 1) + timedelta(days=number)).isoformat(),
            "kind": "statement", "party": party, "text": f"statement {number} of {party}",
            "source": "test"}


def test_two_servers_on_one_ledger_keep_one_order(ledger_db: str, tmp_path: Path) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA", "GB"])
    clock = SetClock(datetime(2022, 6, 1, 12, tzinfo=UTC))
    with ExitStack() as stack:
        urls = [stack.enter_context(serve(ledger, clock)) for _ in range(2)]

        def deposit_all(url: str, party: str) -> list[dict[str, Any]]:
            with httpx.Client(base_url=url, timeout=60) as client:
                found = []
                for number in range(DEPOSITS):
                    response = client.post(f"{API}/instruments", content=signed_instrument(
                        ledger.keys[party], "istanbul-2022", statement(party, number)))
                    assert response.status_code == 201, response.text
                    found.append(response.json())
                return found

        with ThreadPoolExecutor(2) as pool:
            ua, gb = pool.map(deposit_all, urls, ["UA", "GB"])
        logs = [httpx.get(f"{url}{API}/entries", params={"limit": 1000}, timeout=60).json()
                for url in urls]
        timelines = [httpx.get(f"{url}{API}/timeline", timeout=60).json() for url in urls]
        notes = [httpx.get(f"{url}{API}/notifications", timeout=60).json() for url in urls]

    first = 3  # after the genesis and the two keys
    indexes = sorted(r["index"] for r in ua + gb)
    assert indexes == list(range(first, first + 2 * DEPOSITS))
    for receipts in (ua, gb):  # each client's deposits in the order it sent them
        assert [r["index"] for r in receipts] == sorted(r["index"] for r in receipts)
    assert {r["index"] for r in ua} & {r["index"] for r in gb} == set()
    assert logs[0] == logs[1]
    entries = logs[0]["entries"]
    assert logs[0]["tree_size"] == first + 2 * DEPOSITS
    for party, receipts in (("UA", ua), ("GB", gb)):  # each names the entry holding its act
        for number, receipt in enumerate(receipts):
            entry = entries[receipt["index"]]
            assert entry["leaf_hash"] == receipt["leaf_hash"] and entry["accepted"]
            assert entry["document"]["act"] == statement(party, number)
    # each server's record holds the other's statements (read fresh before answering)
    for timeline in timelines:
        said = {e["description"] for e in timeline["entries"] if e["what"] == "statement"}
        assert all(any(f"statement {n} of {p}" in d for d in said)
                   for p in ("UA", "GB") for n in range(DEPOSITS)), said
    for page in notes:
        assert [n["index"] for n in page["notifications"]] == indexes
    store = open_store(ledger_db)
    try:
        verified = verify_store(store, load_treaty(ISTANBUL / "treaty.yaml"))
    finally:
        store.close()
    assert (verified.size, verified.instruments_accepted) == (first + 2 * DEPOSITS, 2 * DEPOSITS)
