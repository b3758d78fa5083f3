"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 (http.server, in a
thread) that records every request, can answer the first N with an error, and can hold
requests unanswered until released (to kill a server while a delivery is in flight)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Received", "Receiver", "receiving", "wait_for"]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None
    """The status answered (None: not yet, or held and the sender went away first)."""


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fail_first = 0
        self.failure_status = 500
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()
        self.url = ""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        received = Received(handler.path, headers, body)
        with self._lock:
            failing = self.fail_first > 0
            self.fail_first -= 1 if failing else 0
            status = self.failure_status if failing else 200
            self.requests.append(received)
        held = not self.release.is_set()
        if held:
            self.release.wait(60)
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok")
            handler.wfile.flush()
        except OSError:
            return
        received.answered = None if held else status

    def arrived(self) -> list[Received]:
        with self._lock:
            return list(self.requests)


def wait_for(condition: Callable[[], bool], seconds: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what or condition}"
        time.sleep(0.02)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.answer(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
