"""A private, throw-away PostgreSQL server for the tests and the ledger benchmark.

    with local_postgres() as server:
        server.create_database("ledger")
        url = server.url("ledger")

The server listens on a Unix socket only (in its own temporary folder), trusts local
connections and is stopped and deleted on exit. PostgreSQL refuses to run as root,
so as root the folder is handed to the ``postgres`` OS user and every server command
runs through ``runuser``. Not pytest-specific: `postgres_server.py` wraps it in
fixtures and `bench/ledger_bench.py` imports it by path.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalPostgres", "find_postgres_bindir", "local_postgres"]

# Only a socket file name: the server listens on no TCP port.
_PORT = 5432
_SERVER_USER = "postgres"


def find_postgres_bindir() -> Path | None:
    """The folder of initdb/pg_ctl: ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/*/bin (Debian's layout), else None."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    candidates.extend(Path(p) for p in debian)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


@dataclass(frozen=True)
class LocalPostgres:
    """A running private server."""

    bindir: Path
    base: Path

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{_SERVER_USER}@/{database}?host={self.socket_dir}&port={_PORT}"

    def create_database(self, name: str) -> str:
        """Create an empty database; its URL."""
        self._admin(f'CREATE DATABASE "{_identifier(name)}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        # FORCE: connections left by killed test processes must not keep it alive.
        self._admin(f'DROP DATABASE IF EXISTS "{_identifier(name)}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(statement.encode())

    def stop(self) -> None:
        _run_as_server(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            self.base,
        )


@contextmanager
def local_postgres(bindir: Path | None = None) -> Iterator[LocalPostgres]:
    """Start a private server (initdb into a temporary folder), yield it, stop and
    delete it."""
    bindir = bindir or find_postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb/pg_ctl found)")
    base = Path(tempfile.mkdtemp(prefix="tl-pg-"))
    try:
        server = LocalPostgres(bindir, base)
        server.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(_SERVER_USER)
            for path in (base, server.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        _run_as_server(
            [
                str(bindir / "initdb"),
                "-D",
                str(server.data),
                "-A",
                "trust",
                "-U",
                _SERVER_USER,
                "--no-sync",
                "-E",
                "UTF8",
            ],
            base,
        )
        options = f"-p {_PORT} -k {server.socket_dir} -c listen_addresses=''"
        try:
            _run_as_server(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(server.data),
                    "-l",
                    str(server.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "120",
                    "start",
                ],
                base,
            )
        except RuntimeError as error:
            log = server.log.read_text(errors="replace") if server.log.exists() else ""
            raise RuntimeError(f"{error}\nserver log:\n{log[-3000:]}") from None
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_as_server(command: list[str], cwd: Path) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", _SERVER_USER, "--", *command]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    return name
