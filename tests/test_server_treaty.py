"""The treaty resource: its parties, and each clause's own words beside its logic, as the
spec has them (a real uvicorn server on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from server_running import ISTANBUL, SetClock, make_ledger, serve
from treatyline.spec.load import load_treaty


def test_a_treaty_shows_each_clause_s_text_beside_its_logic(tmp_path: Path) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, [])
    treaty = load_treaty(ISTANBUL / "treaty.yaml")
    with serve(ledger, SetClock(datetime(2022, 3, 1, tzinfo=UTC))) as url:
        listed = httpx.get(f"{url}/api/treaties", timeout=60).json()
        shown = httpx.get(f"{url}/api/treaties/istanbul-2022", timeout=60).json()
    assert listed == {"treaties": [{"id": "istanbul-2022", "title": treaty.title,
                                    "short_title": treaty.short_title, "hypothetical": True,
                                    "legal_form": "treaty"}]}
    assert [p["code"] for p in shown["parties"]] == [p.code for p in treaty.parties]
    assert {"code": "UA", "name": "Ukraine", "kind": "state",
            "roles": ["guaranteed_state"]} in shown["parties"]
    clauses = {c["part"]: c for c in shown["clauses"]}
    for provision in treaty.provisions:
        clause = clauses[f"provisions.{provision.id}"]
        assert (clause["article"], clause["text"]) == (provision.article, provision.text)
        assert clause["logic"]["kind"] == provision.kind
        assert "text" not in clause["logic"] and "article" not in clause["logic"]
    consultation = clauses["provisions.consultation"]["logic"]
    assert consultation["trigger"]["incidents"] and consultation["deadline"]
    assert clauses["entry_into_force"]["text"] == treaty.entry_into_force.text
    assert "when" in clauses["entry_into_force"]["logic"]
    assert set(treaty.procedure) <= {p.split(".", 1)[1] for p in clauses
                                     if p.startswith("procedure.")}
