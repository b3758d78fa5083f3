"""Report end to end (I/O): read the event files once, assess, measure the
commitments, build the page and write it. The CLI calls `write_report`; the server
`report_html` (the page, not written)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from ..bundle import Bundle
from ..calendar import DayOrTime
from ..inputs import write_output
from ..monitor import monitor
from ..norms import Assessment
from .build import build_report

if TYPE_CHECKING:
    from ..distributed import DaskOptions
    from ..territory import Territory

__all__ = ["report_html", "write_report"]


def write_report(
    bundle: Bundle,
    as_of: DayOrTime,
    output: Path,
    *,
    events: Sequence[Path] = (),
    mapping: Path | None = None,
    scenario: bool = False,
    console: Console | None = None,
    dask: DaskOptions | None = None,
) -> tuple[int, Assessment]:
    """Write the report to `output`; returns (bytes written, the assessment shown: its
    event rows set aside and warnings are for the caller to print)."""
    html, assessment = report_html(bundle, as_of, events=events, mapping=mapping,
                                   scenario=scenario, console=console, dask=dask)
    size = write_output(output, html, "report")
    return size, assessment


def report_html(
    bundle: Bundle,
    as_of: DayOrTime,
    *,
    events: Sequence[Path] = (),
    mapping: Path | None = None,
    scenario: bool = False,
    console: Console | None = None,
    dask: DaskOptions | None = None,
    territory: Territory | None = None,
) -> tuple[str, Assessment]:
    """The report's page (the server answers it on request) and the assessment shown;
    `territory`: the treaty's, kept by the caller between pages (see `monitor`)."""
    seen = monitor(bundle, as_of, events=events, mapping=mapping, scenario=scenario,
                   console=console, dask=dask, territory=territory)
    assessment = seen.assessment
    return build_report(bundle, assessment.as_of, assessment, list(assessment.commitments),
                        seen.incidents, seen.territory), assessment
