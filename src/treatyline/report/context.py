"""What the map frames and what it draws around the treaty's areas: the frame fits the
areas and the incidents drawn (not a stray coordinate far away), and the bundled
countries that reach into it are drawn underneath for orientation."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
import shapely

from ..territory.boundaries import boundaries
from .svgmap import Layer

__all__ = ["countries_in", "frame_bounds"]

Bounds = tuple[float, float, float, float]

_WORLD: Bounds = (-180.0, -60.0, 180.0, 80.0)

# Incidents beyond these quantiles of their own spread do not widen the frame: one
# mistyped coordinate would otherwise shrink everything else to a dot. They are still
# drawn, and zooming out shows them.
_QUANTILE = 0.005
_FEW = 200
"""Below this many incidents every one of them is framed."""


def frame_bounds(areas: Sequence[shapely.Geometry], lons: npt.NDArray[np.float64],
                 lats: npt.NDArray[np.float64]) -> Bounds:
    """(west, south, east, north) covering the areas and the bulk of the incidents."""
    boxes = [g.bounds for g in areas if g is not None and not g.is_empty]
    if len(lons):
        if len(lons) >= _FEW:
            west, east = np.quantile(lons, [_QUANTILE, 1 - _QUANTILE])
            south, north = np.quantile(lats, [_QUANTILE, 1 - _QUANTILE])
        else:
            west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
        boxes.append((float(west), float(south), float(east), float(north)))
    if not boxes:
        return _WORLD
    box = np.array(boxes, dtype=float)
    return (float(box[:, 0].min()), float(box[:, 1].min()), float(box[:, 2].max()),
            float(box[:, 3].max()))


@cache
def _country_bounds() -> tuple[tuple[str, ...], npt.NDArray[np.float64]]:
    data = boundaries()
    codes = tuple(data.codes("country"))
    return codes, shapely.bounds(np.array([data.geometry(c) for c in codes], dtype=object))


def countries_in(frame: Bounds, *, reach: float = 0.5) -> list[Layer]:
    """The bundled countries meeting the frame widened by `reach` of its size on each
    side (so a little zooming out still shows land), clipped to that widened frame."""
    west, south, east, north = frame
    pad_x, pad_y = (east - west) * reach, (north - south) * reach
    wide = (max(west - pad_x, -180.0), max(south - pad_y, -90.0),
            min(east + pad_x, 180.0), min(north + pad_y, 90.0))
    codes, bounds = _country_bounds()
    meets = ((bounds[:, 0] <= wide[2]) & (bounds[:, 2] >= wide[0])
             & (bounds[:, 1] <= wide[3]) & (bounds[:, 3] >= wide[1]))
    data = boundaries()
    layers = []
    for code in (codes[i] for i in np.flatnonzero(meets)):
        shape = shapely.clip_by_rect(data.geometry(code), *wide)
        if not shape.is_empty:
            name = data.find(code).name if len(data.features_for(code)) == 1 else code
            layers.append(Layer(code, name, f"country-{code}", shape))
    return layers
