"""The errors a user can cause, as one hierarchy.

    TreatylineError
    ├── SpecError          a treaty file that is malformed or inconsistent
    ├── RecordError        a record file that is malformed (whole-file problems)
    ├── EventDataError     an event-data file that cannot be read at all (bad events are rejected)
    └── UsageError         a bad argument (a date in the wrong format, a missing file)

Individual problems are `Diagnostic`s: a message, the place it points at
(file:line:column) and an optional "did you mean". Only the CLI turns errors
into exit codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ISO_ALIASES",
    "Diagnostic",
    "EventDataError",
    "Position",
    "RecordError",
    "SpecError",
    "TreatylineError",
    "UsageError",
    "did_you_mean",
]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in user input."""

    message: str
    position: Position | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{where}error: {self.message}{hint}"

    def to_json(self) -> dict[str, str | None]:
        """The shape of every JSON list of rejected input (status, timeline, assess)."""
        return {"position": str(self.position) if self.position else None,
                "message": self.message}


class TreatylineError(Exception):
    """Base of every error treatyline raises for bad input."""

    def __init__(self, diagnostics: Sequence[Diagnostic] | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class SpecError(TreatylineError):
    """A treaty specification could not be loaded or is inconsistent."""


class RecordError(TreatylineError):
    """A record file could not be read at all (individual bad acts are rejected, not raised)."""


class EventDataError(TreatylineError):
    """An event-data file could not be read at all (a missing column, an unknown format);
    individual bad events are rejected with their row, not raised."""


class UsageError(TreatylineError):
    """A command-line argument or API argument is not acceptable."""


ISO_ALIASES = {"UK": "GB", "EL": "GR"}
"""Codes people write that ISO 3166-1 spells otherwise (UK is GB; EU usage EL is GR)."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, if any is close enough."""
    candidates = list(candidates)
    alias = ISO_ALIASES.get(word)
    if alias is not None and alias in candidates:
        return alias
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in candidates}
    return lowered.get(word.lower())
