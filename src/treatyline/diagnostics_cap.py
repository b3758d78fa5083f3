"""Capping repeated diagnostics: a file with ten thousand instances of one mistake
should print a few of them and a count, not ten thousand lines.

`cap_repeated` keeps the first `limit` diagnostics of each kind, in their order, and
puts one line "… and N more of the same kind" after the last one kept. The kind of
a diagnostic is its message with the particulars (quoted names, numbers, the act's
reference) blanked out, so "unknown field 'a'" and "unknown field 'b'" are one kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable

from .errors import Diagnostic

__all__ = ["DEFAULT_LIMIT", "cap_repeated", "kind_of"]

DEFAULT_LIMIT = 20

_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")
_ACT_PREFIX = re.compile(r"^act [^:]*(?::\d+)?: ")


def kind_of(diagnostic: Diagnostic) -> Hashable:
    """What makes two diagnostics 'of the same kind': the message with its particulars
    (quoted text, numbers, a leading 'act REF: ') blanked, and the file."""
    message = _PARTICULARS.sub("…", _ACT_PREFIX.sub("", diagnostic.message))
    file = diagnostic.position.file if diagnostic.position else None
    return (file, message)


def cap_repeated(
    diagnostics: Iterable[Diagnostic], limit: int = DEFAULT_LIMIT,
    kind: Callable[[Diagnostic], Hashable] = kind_of,
) -> list[Diagnostic]:
    """The first `limit` diagnostics of each kind, each kind that had more followed (after
    its last kept one) by "… and N more of the same kind"."""
    items = list(diagnostics)
    kinds = [kind(d) for d in items]
    totals: dict[Hashable, int] = {}
    for key in kinds:
        totals[key] = totals.get(key, 0) + 1
    seen: dict[Hashable, int] = {}
    out: list[Diagnostic] = []
    for diagnostic, key in zip(items, kinds, strict=True):
        count = seen.get(key, 0) + 1
        seen[key] = count
        if count <= limit:
            out.append(diagnostic)
            if count == limit and totals[key] > limit:
                more = totals[key] - limit
                out.append(Diagnostic(f"… and {more:,} more of the same kind"))
    return out
