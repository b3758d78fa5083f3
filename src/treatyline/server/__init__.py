"""The server: the depositary's ledger over HTTP (`treatyline serve`; see docs/server.md).

A shell, like the command line: it reads the clock (an injected `Clock`) and the network,
and calls the ledger's public API (`Depositary`, the store's reads, the proofs)."""

from .app import create_app
from .settings import Clock, LedgerSettings, Settings, SystemClock

__all__ = ["Clock", "LedgerSettings", "Settings", "SystemClock", "create_app"]
