"""The countries around the map's areas are simplified without GEOS's topology checks
(fast); an islet that would collapse is still drawn, as with the checks."""

from __future__ import annotations

import re

import numpy as np
import shapely

from treatyline.report.svgmap import fit, path_data


def rings(d: str) -> int:
    return len(re.findall("M", d))


def test_islets_survive_and_detail_goes() -> None:
    proj = fit((0.0, 40.0, 40.0, 60.0))  # about 0.05 degrees a pixel
    angles = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    wiggly = shapely.Polygon(np.column_stack([20 + 8 * np.cos(angles) * (1 + 0.001 * np.sin(
        97 * angles)), 50 + 5 * np.sin(angles)]))
    islets = [shapely.box(x, 45.0, x + 0.01, 45.01) for x in (2.0, 3.0, 4.0)]
    land = shapely.MultiPolygon([wiggly, *islets])
    fast = path_data(land, proj, keep_topology=False)
    checked = path_data(land, proj)
    assert rings(fast) == rings(checked) == 4  # the islets are drawn either way
    # the coastline's sub-pixel wiggles are gone either way
    assert len(fast) < len(checked) * 1.5 and fast.count("L") < 400
    assert path_data(shapely.MultiPolygon(), proj, keep_topology=False) == ""
