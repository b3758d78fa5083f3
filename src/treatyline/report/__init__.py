"""The HTML report: one self-contained file (inline CSS, SVG and a little JS) with the
map of scope and incidents, the procedure timeline, obligations and commitments.

    build_report(bundle, as_of, assessment, commitments, incidents, territory) -> str
"""

from __future__ import annotations

from .build import build_report

__all__ = ["build_report"]
