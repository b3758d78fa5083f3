"""The report's map as plain SVG: lon/lat projected and fitted to a box, geometries
simplified to the pixel, incidents as circles with hover details.

No tiles and no map library: the page must work offline and stay small, so the
geometry is drawn from the treaty's own areas and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["Layer", "Marker", "Projection", "fit", "path_data", "render_map"]

# Latitudes beyond these make the cos(latitude) scaling meaningless; clamp the frame.
_LAT_LIMIT = 85.0


@dataclass(frozen=True)
class Projection:
    """Equirectangular, x scaled by cos(mean latitude) so shapes look right mid-frame."""

    west: float
    north: float
    scale: float
    """Pixels per degree of latitude."""
    kx: float
    """cos(mean latitude): pixels per degree of longitude = scale * kx."""
    width: int
    height: int

    @property
    def pixel_degrees(self) -> float:
        """The size of one pixel in degrees (of longitude, the larger one)."""
        return 1.0 / (self.scale * self.kx)

    def xy(self, lons: npt.ArrayLike, lats: npt.ArrayLike
           ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        x = (np.asarray(lons, dtype=float) - self.west) * self.scale * self.kx
        y = (self.north - np.asarray(lats, dtype=float)) * self.scale
        return x, y


def fit(bounds: tuple[float, float, float, float], *, width: int = 860,
        max_height: int = 760, margin: float = 0.04) -> Projection:
    """The projection that fits (west, south, east, north) into `width` pixels wide."""
    west, south, east, north = bounds
    south, north = max(south, -_LAT_LIMIT), min(north, _LAT_LIMIT)
    if not (east > west and north > south):  # a single point: give it a 1° frame
        west, east, south, north = west - 0.5, east + 0.5, south - 0.5, north + 0.5
    pad_x, pad_y = (east - west) * margin, (north - south) * margin
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    kx = max(math.cos(math.radians((south + north) / 2)), 0.05)
    scale = width / ((east - west) * kx)
    height = (north - south) * scale
    if height > max_height:  # too tall: fit the height and narrow the picture instead
        scale = max_height / (north - south)
        width = max(math.ceil((east - west) * kx * scale), 1)
        height = max_height
    return Projection(west, north, scale, kx, width, max(math.ceil(height), 1))


def _ring(coords: npt.NDArray[np.float64], proj: Projection) -> str:
    x, y = proj.xy(coords[:, 0], coords[:, 1])
    points = [f"{a:.1f},{b:.1f}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    return "M" + "L".join(points) + "Z"


def path_data(geometry: shapely.Geometry, proj: Projection, *,
              keep_topology: bool = True) -> str:
    """SVG path data of a (multi)polygon, simplified to half a pixel (invisible detail
    only costs bytes). Rings that shrink below a pixel are dropped. `keep_topology=False`
    (the countries drawn around the areas): each polygon simplified by Douglas-Peucker
    without GEOS's topology checks, 20x faster (0.6 s -> 0.03 s for the 240 countries
    around the North Atlantic area), a ring then possibly touching itself at under half
    a pixel; a polygon that collapses (an islet) is simplified with the checks, so that it
    is still drawn, as with them."""
    if geometry is None or geometry.is_empty:
        return ""
    tolerance = proj.pixel_degrees * 0.5
    if keep_topology:
        polygons = shapely.get_parts(shapely.get_parts(
            shapely.simplify(geometry, tolerance, preserve_topology=True)))
    else:
        originals = shapely.get_parts(shapely.get_parts(geometry))
        polygons = shapely.simplify(originals, tolerance, preserve_topology=False)
        collapsed = shapely.is_empty(polygons) | (shapely.get_num_coordinates(polygons) < 4)
        polygons[collapsed] = shapely.simplify(originals[collapsed], tolerance,
                                               preserve_topology=True)
        polygons = shapely.get_parts(polygons)  # (GEOS mends a self-crossing result in parts)
    parts: list[str] = []
    for polygon in polygons:
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = shapely.get_coordinates(ring)
            if len(coords) >= 4:
                parts.append(_ring(coords, proj))
    return "".join(parts)


@dataclass(frozen=True)
class Layer:
    """One drawn area: css classes decide fill, hatch and outline."""

    key: str
    label: str
    css: str
    geometry: shapely.Geometry
    details: str = ""


@dataclass(frozen=True)
class Marker:
    """One incident on the map."""

    id: str
    """The element id; the obligations table links to it."""
    longitude: float
    latitude: float
    category: str
    title: str


# Hatch patterns, one per reading of a disputed area, so two readings drawn on top of
# each other stay distinguishable; listed in the legend by the same class names.
_DEFS = """<defs>
<pattern id="hatch-0" width="7" height="7" patternUnits="userSpaceOnUse"
 patternTransform="rotate(45)"><rect width="7" height="7" class="hatch-bg"/>
<line x1="0" y1="0" x2="0" y2="7" class="hatch-line-0"/></pattern>
<pattern id="hatch-1" width="7" height="7" patternUnits="userSpaceOnUse"
 patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="7" class="hatch-line-1"/>
</pattern>
<pattern id="hatch-2" width="6" height="6" patternUnits="userSpaceOnUse">
<circle cx="3" cy="3" r="1.2" class="hatch-dot"/></pattern>
</defs>"""


# Zoom buttons; page.py's script gives them (and the wheel and dragging) their effect.
_ZOOM = ('<div class="map-zoom" role="group" aria-label="zoom the map">'
         '<button type="button" data-zoom="in" title="zoom in">+</button>'
         '<button type="button" data-zoom="out" title="zoom out">\u2212</button>'
         '<button type="button" data-zoom="reset" title="whole map">\u2922</button>'
         '<span class="muted">wheel or buttons to zoom, drag to move</span></div>')


def _paths(layers: Sequence[Layer], proj: Projection, base_css: str, *,
           keep_topology: bool = True) -> list[str]:
    out = []
    for layer in layers:
        d = path_data(layer.geometry, proj, keep_topology=keep_topology)
        if not d:
            continue
        tip = escape(layer.label + (f" — {layer.details}" if layer.details else ""))
        out.append(f'<path class="{base_css} {escape(layer.css)}" '
                   f'data-area="{escape(layer.key)}" fill-rule="evenodd" d="{d}">'
                   f"<title>{tip}</title></path>")
    return out


def render_map(layers: Sequence[Layer], markers: Sequence[Marker], proj: Projection, *,
               context: Sequence[Layer] = (), density: str = "") -> str:
    """The map as one <svg> element, with its zoom buttons above it: `context` (the
    countries around) under the `layers`, then the `density` layer, then `markers`."""
    out = [f'<div class="map-box">{_ZOOM}<svg id="map" class="map" '
           f'viewBox="0 0 {proj.width} {proj.height}" data-home="0 0 {proj.width} '
           f'{proj.height}" width="{proj.width}" height="{proj.height}" role="img" '
           'aria-label="Map of the areas and incidents">', _DEFS,
           # the sea extends beyond the frame so that zooming out does not show an edge
           f'<rect class="sea" x="{-proj.width}" y="{-proj.height}" width="{3 * proj.width}" '
           f'height="{3 * proj.height}"/>']
    if context:
        out += ['<g class="countries">', *_paths(context, proj, "country", keep_topology=False),
                "</g>"]
    out += _paths(layers, proj, "area")
    out.append(density)
    out.append('<g class="incidents">')
    for marker in markers:
        x, y = proj.xy([marker.longitude], [marker.latitude])
        out.append(f'<circle id="{escape(marker.id)}" class="incident cat-{marker.category}" '
                   f'cx="{x[0]:.1f}" cy="{y[0]:.1f}" r="5"><title>{escape(marker.title)}'
                   "</title></circle>")
    out.append("</g></svg></div>")
    return "".join(out)
