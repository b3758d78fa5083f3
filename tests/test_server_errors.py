"""The server's answers to bad requests: one error shape naming the place, the right
status, and nothing received lost (a real uvicorn server on 127.0.0.1, SQLite and
PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_running import (
    ISTANBUL,
    ServedLedger,
    SetClock,
    make_ledger,
    running_server,
    serve,
)
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import MAX_INSTRUMENT_BYTES
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.store import open_store
from treatyline.server import create_app
from treatyline.spec.load import load_treaty

API = "/api/treaties/istanbul-2022"
SIGNATURE = {"date": "2022-09-15", "kind": "signature", "party": "UA", "place": "Istanbul",
             "source": "hypothetical (test)", "hypothetical": True}


@pytest.fixture
def served(ledger_db: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, ServedLedger]]:
    ledger = make_ledger(ledger_db, tmp_path, ["UA", "GB"])
    clock = SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client, ledger


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The error of a response, checked to have exactly the shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    error = body["error"]
    assert set(error) == {"status", "code", "message", "place"}
    assert error["status"] == status
    assert error["code"] and error["message"]
    assert "Traceback" not in response.text
    return dict(error)


def log_size(client: httpx.Client) -> int:
    size: int = client.get(f"{API}/entries").json()["tree_size"]
    return size


BAD_DATES = [
    ("status?as_of=2023-13-01", "query.as_of", "not a real date"),
    ("status?as_of=yesterday", "query.as_of", "neither a date"),
    ("status?as_of=2023-06-08&known_on=2023-02-30", "query.known_on", "not a real date"),
    ("status?as_of=0001-01-01", "query.as_of", "outside the dates"),
    ("timeline?known_on=2023-02-30", "query.known_on", "not a real date"),
]


def test_bad_dates_name_their_place(served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    for query, place, words in BAD_DATES:
        error = error_of(client.get(f"{API}/{query}"), 422)
        assert (error["code"], error["place"]) == ("invalid_date", place), query
        assert words in error["message"], query


def test_unknown_things_are_404(served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    assert error_of(client.get("/api/treaties/nato-1949/status"), 404)["place"] == "path.treaty"
    error = error_of(client.get(f"{API}/entries/99"), 404)
    assert (error["code"], error["place"]) == ("entry_not_found", "path.index")
    assert "3 entries" in error["message"]
    error = error_of(client.get("/api/nowhere"), 404)
    assert (error["code"], error["place"]) == ("not_found", None)


def test_a_size_never_signed_has_no_checkpoint(ledger_db: str, tmp_path: Path) -> None:
    ledger = make_ledger(ledger_db, tmp_path, ["UA"])
    statements = [signed_instrument(ledger.keys["UA"], "istanbul-2022", {
        "date": f"2022-03-0{day}", "kind": "statement", "party": "UA", "text": f"words {day}",
        "source": "test"}) for day in (1, 2)]
    store = open_store(ledger_db)
    try:  # two entries in one commit: one checkpoint, of the size after both
        depositary = Depositary.open(store, load_treaty(ISTANBUL / "treaty.yaml"), hashlib
                                     .sha256((ISTANBUL / "treaty.yaml").read_bytes()).hexdigest())
        receipts = depositary.deposit_many(statements, datetime(2022, 3, 2, tzinfo=UTC),
                                           ledger.keys["depositary"])
    finally:
        store.close()
    assert [r.tree_size for r in receipts] == [4, 4]
    with serve(ledger, SetClock(datetime(2022, 3, 3, tzinfo=UTC))) as url:
        response = httpx.get(f"{url}{API}/entries/2?tree_size=3", timeout=60)
        error = error_of(response, 404)
        assert (error["code"], error["place"]) == ("checkpoint_not_found", "query.tree_size")
        assert httpx.get(f"{url}{API}/entries/2?tree_size=4", timeout=60).json()["tree_size"] == 4
        proof = httpx.get(f"{url}{API}/proofs/consistency?first=3&second=4", timeout=60).json()
        assert proof["first_checkpoint"] is None and proof["second_checkpoint"]


def test_wrong_method_is_405(served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    response = client.delete(f"{API}/entries")
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "DELETE" in error["message"]
    assert response.headers["allow"] == "GET"
    error_of(client.get(f"{API}/instruments"), 405)


BAD_PARAMETERS = [
    (f"{API}/entries/abc", "path.index"),
    (f"{API}/entries/-1", "path.index"),
    (f"{API}/entries?limit=0", "query.limit"),
    (f"{API}/entries?limit=1001", "query.limit"),
    (f"{API}/entries?start=x", "query.start"),
    (f"{API}/proofs/consistency", "query.first"),
    (f"{API}/proofs/consistency?first=3&second=2", "query.first"),
    (f"{API}/proofs/consistency?first=1&second=99", "query.second"),
    (f"{API}/entries/0?tree_size=99", "query.tree_size"),
    (f"{API}/notifications?since=-3", "query.since"),
    (f"{API}/entries/{2**70}", "path.index"),
]


def test_bad_parameters_are_422_naming_them(served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    for path, place in BAD_PARAMETERS:
        assert error_of(client.get(path), 422)["place"] == place, path


def test_a_body_too_large_is_refused_unread(served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    before = log_size(client)
    big = b" " * (MAX_INSTRUMENT_BYTES + 1)
    error = error_of(client.post(f"{API}/instruments", content=big), 413)
    assert (error["code"], error["place"]) == ("body_too_large", "body")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(5):
            yield b" " * (MAX_INSTRUMENT_BYTES // 4)

    error_of(client.post(f"{API}/instruments", content=chunks()), 413)
    # a body of exactly the limit is read, examined, and logged as rejected
    response = client.post(f"{API}/instruments", content=b" " * MAX_INSTRUMENT_BYTES)
    assert error_of(response, 422)["code"] == "instrument_rejected"
    assert log_size(client) == before + 1


def test_malformed_json_is_logged_as_rejected(served: tuple[httpx.Client, ServedLedger]
                                              ) -> None:
    client, _ = served
    before = log_size(client)
    response = client.post(f"{API}/instruments", content=b'{"type": "instrument",')
    error = error_of(response, 422)
    assert (error["code"], error["place"]) == ("instrument_rejected", "body")
    receipt = response.json()["receipt"]
    assert receipt["index"] == before and not receipt["accepted"]
    assert "not JSON" in receipt["reasons"][0]
    assert response.headers["location"] == f"{API}/entries/{before}"
    entry = client.get(f"{API}/entries/{before}").json()
    assert entry["kind"] == "rejected" and not entry["accepted"]
    assert entry["reasons"] == receipt["reasons"]
    assert log_size(client) == before + 1


def test_forged_and_foreign_signatures_are_rejected(served: tuple[httpx.Client, ServedLedger]
                                                    ) -> None:
    client, ledger = served
    signed = json.loads(signed_instrument(ledger.keys["UA"], "istanbul-2022", SIGNATURE))
    forged = dict(signed, act=dict(signed["act"], date="2022-09-14"))  # signature of another act
    response = client.post(f"{API}/instruments", content=json.dumps(forged).encode())
    error = error_of(response, 422)
    assert "signature" in error["message"]
    assert not response.json()["receipt"]["accepted"]
    # signed by Britain's key, for Ukraine
    by_gb = signed_instrument(ledger.keys["GB"], "istanbul-2022", SIGNATURE)
    error = error_of(client.post(f"{API}/instruments", content=by_gb), 422)
    assert "UA" in error["message"]
    # the genuine one is accepted, once
    genuine = signed_instrument(ledger.keys["UA"], "istanbul-2022", SIGNATURE)
    response = client.post(f"{API}/instruments", content=genuine)
    assert response.status_code == 201, response.text
    assert response.json()["accepted"]
    assert "replayed" in error_of(client.post(f"{API}/instruments", content=genuine),
                                  422)["message"]


def test_the_openapi_document_declares_every_route(served: tuple[httpx.Client, ServedLedger]
                                                   ) -> None:
    client, _ = served
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorBody"]["required"]) == {"status", "code", "message", "place"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            success = responses.get("200") or responses.get("201")
            assert success is not None, (method, path)
            content = success["content"]
            assert content, (method, path)
            if "application/json" in content:
                assert "$ref" in content["application/json"]["schema"], (method, path)
            for status in ("404", "422", "500"):
                assert status in responses, (method, path, status)
                json_schema = responses[status]["content"]["application/json"]["schema"]
                assert json_schema["$ref"].rsplit("/", 1)[1] in {"ErrorResponse",
                                                                 "RejectedDeposit",
                                                                 "RejectedUpload"}
    post = document["paths"]["/api/treaties/{treaty}/instruments"]["post"]
    assert "413" in post["responses"]
    assert "application/json" in post["requestBody"]["content"]
    assert base64  # the receipts' hashes are base64 (see test_server_istanbul)


class BrokenClock:
    """A clock that fails: what the server does with an exception it did not expect."""

    def now(self) -> datetime:
        raise RuntimeError("the clock broke (secret detail)")


def test_an_unexpected_failure_is_a_500_without_its_trace(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    with running_server(create_app(ledger.settings(), BrokenClock())) as url:
        response = httpx.post(f"{url}{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", SIGNATURE))
        error = error_of(response, 500)
        assert (error["code"], error["place"]) == ("internal_error", None)
        assert "secret detail" not in response.text and "RuntimeError" not in response.text
        appended = httpx.get(f"{url}{API}/entries", timeout=60).json()["tree_size"] - 2
        assert appended == 0
    assert any("the clock broke" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_any_query_text_is_answered_or_refused_in_the_shape(tmp_path: Path) -> None:
    """Whatever text a client puts in the query, the answer is the status or an error in
    the shape naming the parameter: never a 500."""
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA"])
    texts = st.text(st.characters(codec="utf-8"), max_size=30)
    with (serve(ledger, SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))) as url,
          httpx.Client(base_url=url, timeout=60) as client):

        @settings(max_examples=60, deadline=None)
        @given(name=st.sampled_from(["as_of", "known_on", "start", "limit", "tree_size"]),
               value=texts, path=st.sampled_from(["status", "timeline", "entries",
                                                  "entries/1", "notifications"]))
        def answered(name: str, value: str, path: str) -> None:
            response = client.get(f"{API}/{path}", params={name: value})
            if response.status_code == 200:
                return
            error = error_of(response, response.status_code)
            assert response.status_code in (404, 422), response.text
            assert error["place"] == f"query.{name}", (name, value, path)

        answered()


def test_a_lost_database_connection_is_a_503_then_reopened(postgres_url: str,
                                                           tmp_path: Path) -> None:
    """PostgreSQL ends the server's connection: the answer says the ledger is unavailable,
    in the shape, naming no internals; the next request is served on a new connection."""
    import psycopg

    ledger = make_ledger(postgres_url, tmp_path, ["UA"])
    database = urlsplit(postgres_url).path.lstrip("/")
    with (serve(ledger, SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))) as url,
          httpx.Client(base_url=url, timeout=60) as client):
        assert client.get(f"{API}/status").status_code == 200
        with psycopg.connect(postgres_url.replace(f"/{database}?", "/postgres?"),
                             autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
            for _ in range(500):  # the backends end soon after they are told to
                left = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                     "AND pid <> pg_backend_pid()", (database,)).fetchone()
                if left is not None and left[0] == 0:
                    break
                time.sleep(0.01)
        error = error_of(client.get(f"{API}/status"), 503)
        assert (error["code"], error["place"]) == ("ledger_unavailable", None)
        assert "postgresql" not in error["message"] and database not in error["message"]
        # the next request opens the ledger again: served, and the deposit appended
        response = client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", SIGNATURE))
        assert response.status_code == 201, response.text
        assert client.get(f"{API}/entries").json()["tree_size"] == 3
