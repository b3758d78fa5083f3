"""What a client gets for bytes that are not HTTP: `treatyline serve` (one process, and
two worker processes) on 127.0.0.1, spoken to over a raw socket. uvicorn answers such a
request itself, before the application; the server's protocol class makes that answer
the error shape (400, JSON, Connection: close) instead of uvicorn's plain text."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from serve_process import NATO, START, ServeProcess, nato_ledger
from server_running import SetClock, running_server
from treatyline.server import LedgerSettings, Settings, create_app
from treatyline.server.http_protocol import (
    JSON_ERRORS_H11,
    JSON_ERRORS_HTTPTOOLS,
    MALFORMED_MESSAGE,
)

GARBAGE = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nA header without its colon\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)) + b"\r\n\r\n",
    b"GET /a path with spaces HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST /api/treaties HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -4\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: \x00\x01\r\n\r\n",
]


def exchange(port: int, data: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send `data` on a new connection; the answer (its status line, headers, body) read
    until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines)}
    return status, headers, body


def assert_error_shape(status: str, headers: dict[str, str], body: bytes) -> None:
    assert status == "HTTP/1.1 400 Bad Request", (status, body)
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    assert json.loads(body) == {"error": {
        "status": 400, "code": "malformed_request", "message": MALFORMED_MESSAGE,
        "place": None}}


@pytest.mark.parametrize("http", [JSON_ERRORS_H11, JSON_ERRORS_HTTPTOOLS],
                         ids=["h11", "httptools"])
def test_both_http_implementations_answer_in_the_error_shape(tmp_path: Path,
                                                             http: str) -> None:
    """`serve` takes httptools when it is installed (the server extra pins it) and h11
    otherwise: each one's answer to garbage is the error shape."""
    if http == JSON_ERRORS_HTTPTOOLS:
        pytest.importorskip("httptools")
    ledger = nato_ledger(str(tmp_path / "ledger.db"), tmp_path)
    app = create_app(Settings((LedgerSettings(NATO, ledger.db),), ledger.depositary_key_file),
                     SetClock(START))
    with running_server(app, http) as url:
        port = int(url.rsplit(":", 1)[1])
        for data in GARBAGE:
            assert_error_shape(*exchange(port, data))
        assert httpx.get(f"{url}/api/treaties", timeout=30).status_code == 200


@pytest.mark.parametrize("options", [(), ("--workers", "2")], ids=["one", "workers"])
def test_malformed_http_gets_the_error_shape(tmp_path: Path,
                                             options: tuple[str, ...]) -> None:
    with (tmp_path / "serve.log").open("wb") as log:
        server = ServeProcess(nato_ledger(str(tmp_path / "ledger.db"), tmp_path), log,
                              options=options)
        try:
            server.start()
            for data in GARBAGE:
                assert_error_shape(*exchange(server.port, data))
            # the server goes on answering well-formed requests
            assert httpx.get(f"{server.url}/api/treaties", timeout=30).status_code == 200
        finally:
            server.stop()
