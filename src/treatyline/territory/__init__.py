"""Territory: a treaty's named areas as geometry, and fast questions about points in them.

    Territory.for_treaty(treaty)          areas, readings, geometry, contains, membership,
                                          distance_km
    boundaries()                          the bundled countries (ISO 3166-1) and first-level
                                          units (ISO 3166-2), internationally recognised
    Classifier(geometry).contains(x, y)   exactly shapely.contains_xy, ~40x faster
"""

from __future__ import annotations

from .areas import Territory
from .boundaries import Boundaries, Feature, UnknownBoundaryError, boundaries
from .classify import Classifier, classifier_for
from .geodesy import buffer_km, corridor, geodesic_km

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
