"""Ed25519 signatures of a log checked in worker processes, the first bad one named.

Verifying a ledger walks its entries in order, because key registrations and revocations
change which key may sign what; but once the walk has decided which key verifies which
entry, the signatures are independent of each other. `DeferredSignatures` collects them
(the entry, the key, the message, the signature and what to say if it fails) and checks
them in chunks in a process pool while the walk goes on; `first_failure` then gives the
failing signature of the lowest entry, whichever chunk finds it first, so that the error
is the one a check in order would have raised.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["CHUNK_SIZE", "PARALLEL_THRESHOLD", "DeferredSignatures", "SignatureFailure",
           "available_cores"]

CHUNK_SIZE = 2500
"""Signatures per task sent to a worker: a few hundred milliseconds of work, so that the
pickling and the round trip are negligible and the workers stay busy."""
PARALLEL_THRESHOLD = 2000
"""Fewer signatures than this are checked in the verifying process: starting workers
costs more than it saves."""

_Check = tuple[int, bytes, bytes, bytes]
"""(entry index, public key, message, signature): what a worker is sent."""


@dataclass(frozen=True, slots=True)
class SignatureFailure:
    """A signature that does not verify: its entry (and bundle line) and the problem."""

    index: int
    line: int | None
    problem: str


def available_cores() -> int:
    """The cores this process may run on (the default number of workers)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class DeferredSignatures:
    """Signatures collected during a walk and checked by `jobs` worker processes."""

    def __init__(self, jobs: int, chunk_size: int | None = None) -> None:
        self._jobs = jobs
        self._chunk_size = CHUNK_SIZE if chunk_size is None else chunk_size
        self._executor: ProcessPoolExecutor | None = None
        self._chunk: list[_Check] = []
        self._problems: dict[int, tuple[int | None, str]] = {}
        """Per entry of the chunk being filled: its bundle line and its problem."""
        self._submitted: list[_Submitted] = []
        """The chunks sent to the workers and not yet known good."""
        self.failed = False
        """Whether a chunk found a bad signature already (`first_failure` says which is
        the first): the walk need not go on."""

    def add(self, index: int, public_key: bytes, message: bytes, signature: bytes,
            problem: str, line: int | None = None) -> None:
        """Entry `index`'s signature, and the problem to report if it does not verify."""
        self._chunk.append((index, public_key, message, signature))
        self._problems[index] = (line, problem)
        if len(self._chunk) >= self._chunk_size:
            self._submit()

    def _submit(self) -> None:
        if not self._chunk:
            return
        if self._executor is None:
            # fork: the workers need nothing but this module, already imported; on
            # platforms without it, the default start method.
            context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
            self._executor = ProcessPoolExecutor(self._jobs, mp_context=context)
        chunk, self._chunk = self._chunk, []
        problems, self._problems = self._problems, {}
        future = self._executor.submit(first_bad_signature, chunk)
        self._submitted.append(_Submitted(future, chunk, problems))
        # A walk faster than the workers waits for them rather than queue the whole log's
        # messages in memory.
        running = [sent for sent in self._submitted if not sent.future.done()]
        for sent in running[:max(0, len(running) - 2 * self._jobs)]:
            sent.result()
        # Chunks known good are forgotten: the problems kept stay a few chunks' worth.
        self._submitted = [sent for sent in self._submitted
                           if not sent.future.done() or sent.result() is not None]
        self.failed = any(sent.future.done() for sent in self._submitted)

    def first_failure(self, through: int | None = None) -> SignatureFailure | None:
        """The failing signature of the lowest entry (up to entry `through`, if given),
        once every signature added is checked; None when all of them verify."""
        self._submit()
        bad = [(index, sent) for sent in self._submitted
               if (index := sent.result()) is not None and (through is None or index <= through)]
        if not bad:
            return None
        index, sent = min(bad, key=lambda found: found[0])
        line, problem = sent.problems[index]
        return SignatureFailure(index, line, problem)

    def close(self) -> None:
        """Stop the workers (any check still running is abandoned)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


@dataclass(slots=True)
class _Submitted:
    future: Future[int | None]
    checks: list[_Check]
    problems: dict[int, tuple[int | None, str]]

    def result(self) -> int | None:
        """The chunk's first bad entry; checked here if the pool broke (a worker killed)."""
        try:
            return self.future.result()
        except BrokenProcessPool:
            return first_bad_signature(self.checks)


_keys: dict[bytes, Ed25519PublicKey] = {}
"""A worker's public keys, loaded once each (a log has few keys and many signatures)."""


def first_bad_signature(checks: list[_Check]) -> int | None:
    """The entry of the first signature in `checks` that does not verify, or None."""
    for index, public_key, message, signature in checks:
        key = _keys.get(public_key)
        if key is None:
            key = _keys[public_key] = Ed25519PublicKey.from_public_bytes(public_key)
        if len(signature) != 64:
            return index
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return index
    return None
