"""Kinds of diagnostics, for capping repeated ones: a file with ten thousand instances
of one mistake should print a few of them and a count, not ten thousand lines
(`console.print_diagnostics` does the capping).

The kind of a diagnostic is its message with the particulars (quoted names, numbers,
the act's reference) blanked out, so "unknown field 'a'" and "unknown field 'b'" are
one kind.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from .errors import Diagnostic

__all__ = ["kind_of", "kind_text"]

_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")
_ACT_PREFIX = re.compile(r"^act [^:]*(?::\d+)?: ")


def kind_of(diagnostic: Diagnostic) -> Hashable:
    """What makes two diagnostics 'of the same kind': the message with its particulars
    (quoted text, numbers, a leading 'act REF: ') blanked, and the file."""
    message = _PARTICULARS.sub("…", _ACT_PREFIX.sub("", diagnostic.message))
    file = diagnostic.position.file if diagnostic.position else None
    return (file, message)


def kind_text(diagnostic: Diagnostic) -> str:
    """The kind of `diagnostic` as the text to show ("unknown field …")."""
    return _PARTICULARS.sub("…", _ACT_PREFIX.sub("", diagnostic.message))
