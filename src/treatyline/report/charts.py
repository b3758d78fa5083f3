"""Commitment charts as plain SVG: daily counts as bars, the baseline and after
windows shaded, the commitment's start marked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from ..commitments import DailyCount, Window

__all__ = ["count_chart"]

_W, _H = 760, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 18, 34


def count_chart(series: Sequence[DailyCount], *, start: date, baseline: Window | None,
                after: Window | None, measure: str = "events") -> str:
    """One <svg> bar chart of `series` (events per day, or fatalities when `measure`
    names them); an empty series gives a short note instead of an empty frame."""
    if not series:
        return '<p class="muted">No daily counts to chart.</p>'
    use_fatalities = "fatal" in measure
    days = [d.day for d in series]
    first = min([*days, start, *(w.start for w in (baseline, after) if w)])
    last = max([*days, start, *(w.end for w in (baseline, after) if w)])
    span = (last - first).days + 1
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    step = plot_w / span
    values = [d.fatalities if use_fatalities else float(d.events) for d in series]
    top = max(max(values), 1.0)

    def x(day: date) -> float:
        return _LEFT + (day - first).days * step

    out = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
           f'aria-label="{escape(measure)}">']
    for window, css, label in ((baseline, "win-baseline", "baseline"),
                               (after, "win-after", "after")):
        if window is None:
            continue
        x0, x1 = x(window.start), x(window.end + timedelta(days=1))
        out.append(f'<rect class="{css}" x="{x0:.1f}" y="{_TOP}" width="{x1 - x0:.1f}" '
                   f'height="{plot_h}"><title>{label} window {window.start} to {window.end}'
                   f'</title></rect><text class="win-label" x="{x0 + 3:.1f}" y="{_TOP + 11}">'
                   f"{label}</text>")
    bar_w = max(step * 0.8, 0.6)
    for day, value in zip(days, values, strict=True):
        h = plot_h * value / top
        out.append(f'<rect class="bar" x="{x(day) + step * 0.1:.1f}" y="{_TOP + plot_h - h:.1f}" '
                   f'width="{bar_w:.1f}" height="{h:.1f}"><title>{day}: {value:g} '
                   f"{escape(measure)}</title></rect>")
    xs = x(start)
    out.append(f'<line class="start" x1="{xs:.1f}" x2="{xs:.1f}" y1="{_TOP - 6}" '
               f'y2="{_TOP + plot_h}"/><text class="start-label" x="{xs + 3:.1f}" '
               f'y="{_TOP - 8 + 8}">start {start}</text>')
    base = _TOP + plot_h
    out.append(f'<line class="axis" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{base}" y2="{base}"/>'
               f'<line class="axis" x1="{_LEFT}" x2="{_LEFT}" y1="{_TOP}" y2="{base}"/>'
               f'<text class="tick" x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top:g}'
               f'</text><text class="tick" x="{_LEFT - 4}" y="{base}" text-anchor="end">0</text>'
               f'<text class="tick" x="{_LEFT}" y="{_H - 14}">{first}</text>'
               f'<text class="tick" x="{_W - _RIGHT}" y="{_H - 14}" text-anchor="end">{last}'
               f'</text><text class="tick" x="{_LEFT + plot_w / 2:.0f}" y="{_H - 2}" '
               f'text-anchor="middle">{escape(measure)}</text></svg>')
    return "".join(out)
