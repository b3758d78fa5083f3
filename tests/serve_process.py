"""A `treatyline serve` process on 127.0.0.1 over a ledger of the North Atlantic Treaty,
for the crash test and bench/serve_bench.py: the ledger with a key registered for each
of the twelve original parties, statements they sign (an act the record accepts any
number of times), the server started, killed with SIGKILL and started again, and the
check that every acknowledged deposit is in the log exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from treatyline.cli_ledger_common import treaty_spec
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import read_stored_leaf
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.keys import PartyKey, generate_party_key, save_party_key
from treatyline.ledger.store import init_store, open_store
from treatyline.ledger.verify import verify_store

__all__ = ["NATO", "PARTIES", "Acknowledged", "NatoLedger", "ServeProcess", "check_log",
           "nato_ledger"]

NATO = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples" / "nato-1949"
PARTIES = ("US", "GB", "FR", "BE", "CA", "DK", "IS", "IT", "LU", "NL", "NO", "PT")
START = datetime(1949, 4, 1, 9, tzinfo=UTC)
FIRST_DAY = date(1950, 1, 2)


@dataclass(frozen=True)
class NatoLedger:
    db: str
    depositary_key_file: Path
    keys: dict[str, PartyKey]

    def statement(self, number: int, tag: str = "") -> bytes:
        """Statement `number` (unique within a run: `tag` tells runs apart), signed by its
        party, as the party sends it."""
        party = PARTIES[number % len(PARTIES)]
        act = {"date": (FIRST_DAY + timedelta(days=number // 8)).isoformat(),
               "kind": "statement", "party": party,
               "text": f"statement {number}{tag} of {party}", "source": "serve test"}
        return signed_instrument(self.keys[party], "nato-1949", act)


def nato_ledger(db: str, folder: Path) -> NatoLedger:
    """A new ledger of the North Atlantic Treaty at `db`, the depositary's key written to
    `folder`, a key registered for each original party."""
    found = treaty_spec(NATO)
    keys = {code: generate_party_key(code, f"{code.lower()}.mfa/nato-1949")
            for code in PARTIES}
    depositary_key = generate_party_key("depositary", "state.gov/nato-1949")
    key_file = folder / "depositary.key"
    save_party_key(depositary_key, key_file)
    store = init_store(db)
    try:
        depositary = Depositary.create(store, found.treaty, found.sha256, depositary_key,
                                       START)
        for key in keys.values():
            depositary.register_key(key.public(), START.date(), "full powers (test)", START,
                                    depositary_key)
    finally:
        store.close()
    return NatoLedger(db, key_file, keys)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServeProcess:
    """`treatyline serve` of `ledger` on 127.0.0.1:`port`, its output in `log`."""

    ledger: NatoLedger
    log: BinaryIO
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    options: tuple[str, ...] = ()
    """More options of `treatyline serve` (--workers 2, say)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        command = [sys.executable, "-c", "from treatyline.cli import main; main()", "serve",
                   str(NATO), "--db", self.ledger.db, "--depositary-key",
                   str(self.ledger.depositary_key_file), "--port", str(self.port),
                   *self.options]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=os.environ | {"NO_COLOR": "1"})
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"treatyline serve exited {self.process.returncode} "
                                   f"(its output: {self.log.name})")
            try:
                if httpx.get(f"{self.url}/api/treaties", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"treatyline serve did not answer in {timeout:.0f} s")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass(frozen=True)
class Acknowledged:
    """A deposit the server acknowledged: what was sent, and its receipt."""

    sent: bytes
    receipt: dict[str, Any]


def check_log(ledger: NatoLedger, acknowledged: list[Acknowledged]) -> dict[str, int]:
    """Check the log after a run: it verifies; each acknowledged receipt's entry holds
    exactly the instrument sent (same leaf hash, same signature), and no instrument is
    logged as accepted twice. Raises AssertionError naming the first fault; returns the
    counts (entries, instruments accepted, acknowledged, accepted but never acknowledged:
    in flight when the server was killed)."""
    from treatyline.ledger.canonical import parse_json

    store = open_store(ledger.db)
    try:
        verified = verify_store(store, treaty_spec(NATO).treaty)
        signatures: dict[str, int] = {}
        documents: dict[int, dict[str, Any]] = {}
        for stored in store.iter_entries():
            document = read_stored_leaf(stored.payload, stored.index).document
            documents[stored.index] = document
            if stored.accepted and document.get("type") == "instrument":
                signature = str(document["signature"])
                assert signature not in signatures, (
                    f"the instrument of entry {stored.index} is entry "
                    f"{signatures.get(signature)} too: logged twice")
                signatures[signature] = stored.index
    finally:
        store.close()
    for deposit in acknowledged:
        index = int(deposit.receipt["index"])
        sent: Any = parse_json(deposit.sent)
        held = documents.get(index)
        assert held is not None, f"acknowledged entry {index} is not in the log (lost)"
        assert held.get("signature") == sent["signature"] and held.get("act") == sent["act"], (
            f"entry {index} does not hold the instrument its receipt was given for")
        assert signatures.get(str(sent["signature"])) == index, (
            f"the instrument acknowledged as entry {index} is not accepted there")
    return {"entries": verified.size, "accepted": len(signatures),
            "acknowledged": len(acknowledged),
            "unacknowledged": len(signatures) - len(acknowledged)}
