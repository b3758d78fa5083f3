"""Territory: a treaty's named areas as geometry, and fast questions about points in them.

    Territory.for_treaty(treaty)          areas, readings, geometry, contains, membership,
                                          distance_km
    boundaries()                          the bundled countries (ISO 3166-1) and first-level
                                          units (ISO 3166-2), internationally recognised
    Classifier(geometry).contains(x, y)   exactly shapely.contains_xy, ~40x faster
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# `boundaries` is both a submodule and a function: importing the function here keeps the
# package attribute the function once the submodule is loaded.
from .areas import Territory
from .boundaries import Boundaries, Feature, UnknownBoundaryError, boundaries

if TYPE_CHECKING:
    from .classify import Classifier, classifier_for
    from .geodesy import buffer_km, corridor, geodesic_km

# Imported on first use: the classifier loads numba and geodesy pyproj (about a second),
# which `check` and `status` do not need.
_HOMES = {
    "Classifier": "classify", "classifier_for": "classify",
    "buffer_km": "geodesy", "corridor": "geodesy", "geodesic_km": "geodesy",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Boundaries",
    "Classifier",
    "Feature",
    "Territory",
    "UnknownBoundaryError",
    "boundaries",
    "buffer_km",
    "classifier_for",
    "corridor",
    "geodesic_km",
]
