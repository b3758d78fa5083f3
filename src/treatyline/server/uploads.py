"""An uploaded event file, read with the command line's readers (`sources.read_events`)
from a private temporary folder, as incident reports.

The upload is multipart/form-data (part `events`, the file, its name's suffix telling the
format; part `mapping`, a CSV's mapping YAML) or the file as the raw body with a `format`.
Places in the answer name the uploaded file by its own name (never the temporary path):
`scenario-events.csv:5`. Each incident is kept as a day report (the readers' day, the
columns of `IncidentReport`): times of day and periods are not kept.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

from ..errors import TreatylineError
from ..incidents import Incident
from ..sources import read_events
from .errors import ApiError
from .incident_store import IncidentReport

__all__ = ["RejectedRow", "Upload", "read_upload"]

_SUFFIXES = {"csv": ".csv", "geojson": ".geojson", "parquet": ".parquet"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class RejectedRow:
    place: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Upload:
    reports: list[IncidentReport]
    rejected: list[RejectedRow]


def _parts(data: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body by name: (file name, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + data)
    if not message.is_multipart():
        raise ApiError(422, "invalid_upload", "the multipart body cannot be read (its "
                       "boundary?)", "body")
    found: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            found[name] = (part.get_filename(), payload)
    return found


def _chosen_format(file_name: str | None, format: str | None) -> str:
    if format is None and file_name:
        format = Path(file_name).suffix.lstrip(".").lower()
        format = "geojson" if format == "json" else format
    if format not in _SUFFIXES:
        raise ApiError(422, "invalid_format", "the file's format is csv, geojson or parquet "
                       "(by its name's suffix or ?format=)", "query.format")
    return format


def read_upload(data: bytes, content_type: str, format: str | None) -> Upload:
    """The incidents of the upload, or the rows the reader set aside; ApiError (422) for
    a file that cannot be read at all."""
    mapping: bytes | None = None
    file_name: str | None = None
    if content_type.lower().startswith("multipart/form-data"):
        parts = _parts(data, content_type)
        if "events" not in parts:
            raise ApiError(422, "invalid_upload", "the multipart body has no part named "
                           "'events' (the event file)", "body.events")
        file_name, data = parts["events"]
        mapping = parts["mapping"][1] if "mapping" in parts else None
    chosen = _chosen_format(file_name, format)
    shown = _SAFE_NAME.sub("_", Path(file_name).name) if file_name else "upload"
    if Path(shown).suffix.lower() != _SUFFIXES[chosen]:
        shown += _SUFFIXES[chosen]
    # the file keeps its own name (the readers' messages name it), in a private folder
    with tempfile.TemporaryDirectory(prefix="treatyline-upload-") as folder:
        events = Path(folder) / shown
        events.write_bytes(data)
        mapping_file = None
        if mapping is not None:
            mapping_file = Path(folder) / "mapping.yaml"
            mapping_file.write_bytes(mapping)
        try:
            read = read_events(events, format=chosen, mapping=mapping_file)
            rows = list(read.incidents.rows())
        except TreatylineError as error:
            first = error.diagnostics[0] if error.diagnostics else None
            place = _shown(str(first.position), folder, shown) if first and first.position \
                else "body"
            message = "; ".join(_shown(d.message, folder, shown) for d in error.diagnostics)
            if message and shown not in message:  # (a corrupt Parquet file's, say)
                message = f"{shown}: {message}"
            raise ApiError(422, "unreadable_file", message or "the file cannot be read",
                           place) from None
        rejected = [RejectedRow(_shown(str(d.position), folder, shown) if d.position
                                else None, _shown(d.message, folder, shown))
                    for d in read.rejected]
    return Upload([_report(row) for row in rows], rejected)


def _shown(text: str, folder: str, shown: str) -> str:
    """`text` with the temporary files named as the client named them."""
    text = text.replace(str(Path(folder) / shown), shown)
    return text.replace(str(Path(folder) / "mapping.yaml"), "mapping").replace(folder, "")


def _report(row: Incident) -> IncidentReport:
    def number(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    return IncidentReport(row.id, row.day, row.kind, row.actor1, row.target, row.longitude,
                          row.latitude, number(row.radius_km), number(row.fatalities_best),
                          row.source, row.notes)
