"""`treatyline serve`: the depositary's ledger of a treaty over HTTP (see docs/server.md).

The server and its libraries (FastAPI, uvicorn) are imported when the command runs, so that
the other commands never load them, and a missing extra is a message, not a traceback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from .cli_ledger_common import DEPOSITARY_KEY_ENV, DbOpt, stderr
from .errors import UsageError

__all__ = ["serve"]

MAX_UPLOAD_MB = 1024
"""The largest `--max-upload-mb`: an upload is read into memory whole."""


def serve(
    spec: Annotated[Path, typer.Argument(help="The treaty's spec (a treaty file, or an "
                                         "example folder with treaty.yaml) the ledger was "
                                         "made for.")],
    db: DbOpt,
    host: Annotated[str, typer.Option("--host", help="The address to listen on (another "
                                      "than 127.0.0.1 opens the server to the network).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The TCP port.")]
    = 8000,
    dep_key: Annotated[Path | None, typer.Option(
        "--depositary-key", envvar=DEPOSITARY_KEY_ENV, show_envvar=True,
        help="The depositary's private key file: it signs the checkpoints of the receipts.")]
    = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker "
                                         "processes; the ledger's writer lock keeps their "
                                         "deposits in one order.")] = 1,
    allow_private_webhooks: Annotated[bool, typer.Option(
        "--allow-private-webhooks", help="Let officers register webhooks to loopback, "
        "private and link-local addresses (by default only public ones: a party could "
        "otherwise make the server send requests into its own network).")] = False,
    max_upload_mb: Annotated[float, typer.Option(
        "--max-upload-mb", help="The largest monitor's upload, in MiB (an event file or a "
        f"batch of incidents; at most {MAX_UPLOAD_MB}); a larger one is refused with 413.")]
    = 8,
) -> None:
    """Serve the ledger of a treaty over HTTP: status and timeline, deposits of signed
    instruments with their receipts, the log's entries, proofs and checkpoints, and the
    depositary's notifications (JSON; the OpenAPI document at /openapi.json)."""
    try:
        import uvicorn

        from .server.app import create_app
        from .server.http_protocol import JSON_ERRORS_HTTP
        from .server.settings import SETTINGS_ENV, LedgerSettings, Settings
        from .server.threads import share_the_lock_often
    except ImportError as error:
        raise UsageError(f"serve needs the server's libraries: pip install "
                         f"'treatyline[server]' ({error})") from None
    if not 0 < max_upload_mb <= MAX_UPLOAD_MB:  # (NaN fails too)
        raise UsageError(f"--max-upload-mb: {max_upload_mb:g} is not a size between 0 "
                         f"(excluded) and {MAX_UPLOAD_MB} MiB")
    if dep_key is None:
        raise UsageError(f"--depositary-key: the depositary's key file is needed (or set "
                         f"{DEPOSITARY_KEY_ENV})")
    settings = Settings((LedgerSettings(spec.resolve(), db),), dep_key.resolve(),
                        allow_private_webhooks=allow_private_webhooks,
                        max_upload_bytes=max(1, int(max_upload_mb * (1 << 20))))
    app = create_app(settings)  # opens the ledger: its errors are messages, before serving
    stderr.print(Text(f"serving {', '.join(app.state.treaties.by_id)} from {db} on "
                      f"http://{host}:{port}/api/treaties (OpenAPI: /openapi.json; "
                      f"the pages: http://{host}:{port}/)"),
                 soft_wrap=True)
    # an event stream stays open up to a minute (docs/server.md): on Ctrl-C, requests get
    # this many seconds to finish (deposits take milliseconds), then open streams are
    # closed and their clients reconnect to the next server with Last-Event-ID
    stopping = 5
    if workers == 1:
        share_the_lock_often()  # (each worker process sets it itself)
        uvicorn.run(app, host=host, port=port, log_level="info",
                    timeout_graceful_shutdown=stopping, http=JSON_ERRORS_HTTP)
        return
    app.state.treaties.close()  # each worker opens its own
    os.environ[SETTINGS_ENV] = settings.to_environment()
    uvicorn.run("treatyline.server.app:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level="info",
                timeout_graceful_shutdown=stopping, http=JSON_ERRORS_HTTP)
