"""Hostile requests to a live server on 127.0.0.1: script in every text field of an
instrument (kept as data, answered as JSON, escaped in the report), path traversal in
the treaty and entry paths, oversized query strings and headers, a replayed instrument.
Each refused (or kept) in the error shape, with no trace, and the server goes on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from server_running import ServedLedger, SetClock, make_ledger, serve
from test_server_errors import error_of
from treatyline.ledger.instruments import signed_instrument
from treatyline.server.limits import MAX_HEADER_BYTES, MAX_QUERY_BYTES

API = "/api/treaties/istanbul-2022"
SCRIPTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
           "javascript:alert(1)//</title><svg onload=alert(1)>"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, ServedLedger]]:
    ledger = make_ledger(str(tmp_path / "ledger.db"), tmp_path, ["UA", "GB"])
    clock = SetClock(datetime(2022, 9, 15, 12, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client, ledger


def statement(text: str, **fields: Any) -> dict[str, Any]:
    return {"date": "2022-09-15", "kind": "statement", "party": "UA", "text": text,
            "source": "test", **fields}


def test_script_in_the_text_fields_is_kept_as_data_and_escaped_in_the_report(
        served: tuple[httpx.Client, ServedLedger]) -> None:
    client, ledger = served
    for number, script in enumerate(SCRIPTS):
        act = statement(f"{number} {script}", source=script, place=script)
        response = client.post(f"{API}/instruments", content=signed_instrument(
            ledger.keys["UA"], "istanbul-2022", act))
        assert response.status_code == 201, response.text
        assert response.headers["content-type"] == "application/json"
        entry = client.get(f"{API}/entries/{response.json()['index']}")
        assert entry.headers["content-type"] == "application/json"
        assert entry.json()["document"]["act"] == act  # byte for byte what was signed
    timeline = client.get(f"{API}/timeline")
    assert timeline.headers["content-type"] == "application/json"
    assert all(script in timeline.text.replace("\\\"", "\"") for script in SCRIPTS[:1])
    report = client.get(f"{API}/report", params={"as_of": "2022-09-16"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "0 &lt;script&gt;alert(1)&lt;/script&gt;" in report.text  # shown, as text
    for script in SCRIPTS:
        assert script not in report.text


@pytest.mark.parametrize("field", ["party", "kind", "date"])
def test_script_in_a_field_the_depositary_checks_is_rejected_in_the_shape(
        served: tuple[httpx.Client, ServedLedger], field: str) -> None:
    client, ledger = served
    response = client.post(f"{API}/instruments", content=signed_instrument(
        ledger.keys["UA"], "istanbul-2022", statement("words") | {field: SCRIPTS[0]}))
    error = error_of(response, 422)
    assert (error["code"], error["place"]) == ("instrument_rejected", "body")
    assert response.headers["content-type"] == "application/json"
    assert response.json()["receipt"]["accepted"] is False  # logged, as rejected


def test_script_in_the_instrument_s_own_fields_is_rejected_in_the_shape(
        served: tuple[httpx.Client, ServedLedger]) -> None:
    client, ledger = served
    good = signed_instrument(ledger.keys["UA"], "istanbul-2022", statement("words"))
    for old, new in [(b'"treaty":"istanbul-2022"', b'"treaty":"<script>x</script>"'),
                     (b'"type":"instrument"', b'"type":"<img onerror=x>"')]:
        assert old in good
        error = error_of(client.post(f"{API}/instruments", content=good.replace(old, new)),
                         422)
        assert error["code"] == "instrument_rejected"


TRAVERSALS = [
    "/api/treaties/..%2F..%2Fetc%2Fpasswd/status",
    "/api/treaties/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/treaties/%2e%2e/%2e%2e/etc/passwd",
    "/api/treaties/..%5C..%5Cwindows%5Cwin.ini/report",
    "/api/treaties/istanbul-2022/entries/..%2F..%2Fetc%2Fpasswd",
    "/api/treaties/istanbul-2022%2F..%2F..%2Fetc%2Fpasswd/timeline",
    "/api/treaties/%00/status",
]


def test_path_traversal_is_refused_in_the_shape(
        served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    for path in TRAVERSALS:
        response = client.get(path)
        assert response.status_code in (404, 422), (path, response.text)
        error = error_of(response, response.status_code)
        assert "root:" not in response.text and "[fonts]" not in response.text
        if response.status_code == 422:  # an entry's index is a number
            assert error["place"] == "path.index", path
    assert client.get(f"{API}/status").status_code == 200


def test_oversized_query_strings_and_headers_are_refused_in_the_shape(
        served: tuple[httpx.Client, ServedLedger]) -> None:
    client, _ = served
    error = error_of(client.get(f"{API}/status", params={"as_of": "9" * MAX_QUERY_BYTES}),
                     414)
    assert (error["code"], error["place"]) == ("query_too_long", "query")
    big = {f"x-padding-{n}": "p" * 1000 for n in range(MAX_HEADER_BYTES // 1000 + 1)}
    error = error_of(client.get(f"{API}/status", headers=big), 431)
    assert (error["code"], error["place"]) == ("headers_too_large", "header")
    # past what the HTTP parser reads at all: refused before the app, without a trace
    huge = client.get(f"{API}/status", headers={"x-huge": "h" * 200_000})
    assert huge.status_code in (400, 431) and "Traceback" not in huge.text
    assert client.get(f"{API}/status").status_code == 200


def test_a_replayed_instrument_is_rejected_with_its_reason(
        served: tuple[httpx.Client, ServedLedger]) -> None:
    client, ledger = served
    sent = signed_instrument(ledger.keys["UA"], "istanbul-2022", statement("once"))
    first = client.post(f"{API}/instruments", content=sent)
    assert first.status_code == 201, first.text
    again = client.post(f"{API}/instruments", content=sent)
    error = error_of(again, 422)
    assert error["code"] == "instrument_rejected" and "replay" in error["message"]
    assert f"entry {first.json()['index']}" in error["message"]
    assert again.json()["receipt"]["index"] == first.json()["index"] + 1
