"""Cells of a file quoted back in a message: short, and never raw control characters."""

from __future__ import annotations

__all__ = ["shorten"]

_SHOWN_CHARS = 40


def shorten(text: str, limit: int = _SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters (with an ellipsis) and control characters
    escaped, for quoting a cell of a file back in a message."""
    cut = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return cut if cut.isprintable() else repr(cut)[1:-1]
