"""The clients of bench/serve_bench.py: HTTP/1.1 keep-alive connections with the least
parsing that reads an answer, run by several processes.

Why not httpx: measured on the 2-core machine, its asynchronous client spent ~6.6 ms of
CPU per request (47.7 s of client CPU for ~7,200 requests in the 60 s run), as much as the
server itself, so the benchmark measured the load generator fighting the server for the
two cores. A request here is one `write` of bytes made beforehand and one read of the
status line, the headers up to Content-Length and the body: a fraction of that CPU (the
figures print the clients' CPU beside the server's). The clients are spread over
`processes` processes (forked: each its own event loop and interpreter lock) so that one
loop's turn does not delay the answers another loop is waiting for.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from typing import Any
from urllib.parse import urlencode

__all__ = ["ClientFigures", "Job", "Running", "start_clients"]

Query = Callable[[random.Random, bool], dict[str, str]]


@dataclass
class ClientFigures:
    """Latencies (seconds) of the answers, by kind; what failed; the deposits acknowledged
    (what was sent, and the receipt's JSON bytes); the CPU the clients used."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: list[tuple[bytes, bytes]] = field(default_factory=list)
    cpu: float = 0.0
    ended: float = 0.0

    def add(self, other: ClientFigures) -> None:
        for kind, values in other.latencies.items():
            self.latencies[kind] += values
        for what, number in other.failures.items():
            self.failures[what] += number
        self.acknowledged += other.acknowledged
        self.cpu += other.cpu
        self.ended = max(self.ended, other.ended)


@dataclass(frozen=True)
class Job:
    """What one process of clients does: `kinds` (one client each), on host:port, from
    `start` to `deadline` (time.monotonic, the same clock in every process on Linux)."""

    host: str
    port: int
    api: str
    kinds: tuple[str, ...]
    instruments: tuple[bytes, ...]
    start: float
    deadline: float
    seed: int


class NoAnswerError(Exception):
    """The connection failed or closed before a whole answer (the server is down)."""


class Connection:
    """One keep-alive HTTP/1.1 connection, opened again after a failure."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        try:
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._streams
            writer.write(head + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            status = int(answer[9:12])
            headers = answer.lower()
            at = headers.find(b"\r\ncontent-length:")
            if at < 0:
                raise NoAnswerError("an answer without Content-Length")
            length = int(headers[at + 17:headers.index(b"\r\n", at + 2)])
            content = await reader.readexactly(length)
            if b"\r\nconnection: close" in headers:
                self.close()
            return status, content
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as error:
            self.close()
            raise NoAnswerError(str(error)) from error

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _client(kind: str, job: Job, instruments: Iterator[bytes], query: Query,
                  chance: random.Random, figures: ClientFigures) -> None:
    connection = Connection(job.host, job.port)
    try:
        while time.monotonic() < job.deadline:
            sent = next(instruments, None) if kind == "deposit" else None
            if kind == "deposit" and sent is None:
                return  # every statement signed beforehand is sent
            started = time.perf_counter()
            try:
                if sent is not None:
                    status, content = await connection.request(
                        "POST", f"{job.api}/instruments", sent)
                else:
                    params = urlencode(query(chance, kind == "report"))
                    status, content = await connection.request(
                        "GET", f"{job.api}/{kind}" + (f"?{params}" if params else ""))
            except NoAnswerError:  # the server is down (--kill): try again shortly
                figures.failures[f"{kind}: no answer"] += 1
                await asyncio.sleep(0.05)
                continue
            took = time.perf_counter() - started
            if status != (201 if sent is not None else 200):
                figures.failures[f"{kind}: {status}"] += 1
                continue
            figures.latencies[kind].append(took)
            if sent is not None:
                figures.acknowledged.append((sent, content))
    finally:
        connection.close()


async def _clients(job: Job, query: Query) -> ClientFigures:
    figures = ClientFigures()
    await asyncio.sleep(max(0.0, job.start - time.monotonic()))
    cpu = time.process_time()
    stream = iter(job.instruments)
    await asyncio.gather(*(_client(kind, job, stream, query,
                                   random.Random(job.seed * 1000 + number), figures)
                           for number, kind in enumerate(job.kinds)))
    figures.ended = time.monotonic()
    figures.cpu = time.process_time() - cpu
    return figures


def _process(job: Job, query: Query, pipe: Pipe) -> None:
    pipe.send(asyncio.run(_clients(job, query)))
    pipe.close()


@dataclass
class Running:
    """Processes of clients started by `start_clients`."""

    start: float
    processes: list[tuple[Any, Pipe]]

    def finish(self) -> tuple[ClientFigures, float]:
        """The figures of all the clients, once each has ended, and the seconds from the
        start to the last client's end."""
        figures = ClientFigures()
        for process, receiving in self.processes:
            figures.add(receiving.recv())
            process.join()
        return figures, figures.ended - self.start


def start_clients(url: str, api: str, kinds: list[str], instruments: list[bytes],
                  duration: float, processes: int, query: Query) -> Running:
    """Start the clients of `kinds` in `processes` processes (the kinds dealt in turn, the
    statements split between them), for `duration` seconds from half a second on (every
    process forked and waiting by then)."""
    host, port = url.removeprefix("http://").split(":")
    # fork: the clients need nothing the parent does not have already (spawn would import
    # the benchmark again in each); the parent has no thread of its own here
    context: Any = multiprocessing.get_context("fork")
    start = time.monotonic() + 0.5
    running = Running(start, [])
    for number in range(processes):
        job = Job(host, int(port), api, tuple(kinds[number::processes]),
                  tuple(instruments[number::processes]), start, start + duration, number)
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_process, args=(job, query, sending), daemon=True)
        process.start()
        sending.close()
        running.processes.append((process, receiving))
    return running
