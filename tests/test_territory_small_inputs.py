"""Few points are answered by GEOS's prepared geometry, without building the area's grid
classifier: the same answers as the classifier, which many points get."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from treatyline.spec import load_treaty
from treatyline.territory import Territory, areas

ROOT = Path(__file__).resolve().parents[1]


def test_few_points_skip_the_grid_and_answer_the_same() -> None:
    territory = Territory.for_treaty(load_treaty(ROOT / "examples" / "istanbul-2022" /
                                                 "treaty.yaml"))
    geom = territory.geometry("ukraine")
    rng = np.random.default_rng(5)
    xmin, ymin, xmax, ymax = geom.bounds
    on_border = shapely.get_coordinates(geom)[:200]
    x = np.concatenate([rng.uniform(xmin, xmax, 500), on_border[:, 0], [np.nan, np.inf]])
    y = np.concatenate([rng.uniform(ymin, ymax, 500), on_border[:, 1], [0.0, 50.0]])
    few = territory.contains("ukraine", x, y)
    assert not territory._classifiers  # GEOS answered: no grid built
    reps = areas._CLASSIFIER_FROM // len(x) + 1
    many = territory.contains("ukraine", np.tile(x, reps), np.tile(y, reps))
    assert territory._classifiers  # the grid answered
    assert np.array_equal(many[:len(x)], few)
    assert np.array_equal(few, shapely.contains_xy(geom, x, y))
    # once built, the grid answers few points too
    assert np.array_equal(territory.contains("ukraine", x[:3], y[:3]), few[:3])
