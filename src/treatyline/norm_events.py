"""The event columns the norms engine reads, kept in Arrow.

Matching an actor or a kind is asked of the distinct values of a column (its dictionary,
a few hundred names for 10^6 UCDP events) and the answers are spread to the rows through
the integer codes; an event's id or target becomes a Python string only for the rows an
answer lists. Before this, the engine built fixed-width NumPy unicode arrays of every
row's actors and source (4 bytes x the longest string x each row: 8.9 GB at 10^6 events,
2.2 s at 10^5). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .deferred_text import MARKED
from .incidents import Incidents
from .placement import Placements

__all__ = ["ACTOR_SEPARATOR", "ArrowEvents", "EventArrays", "EventColumns", "RowValues",
           "event_columns"]

BoolArray = npt.NDArray[np.bool_]

ACTOR_SEPARATOR = " | "
"""Between an event's two actors in the text an actor filter searches ('actor1 | actor2')."""

_HYPOTHETICAL = MARKED  # the word the source is searched for as it is read


class RowValues(Protocol):
    """A text column read row by row: `values[rows]` is an object array of `str`."""

    def __getitem__(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]: ...
    def __len__(self) -> int: ...


class EventColumns(Protocol):
    """The columns of an event table that the norms engine reads."""

    @property
    def ids(self) -> RowValues: ...
    @property
    def targets(self) -> RowValues: ...
    @property
    def days(self) -> npt.NDArray[np.datetime64]: ...
    @property
    def lons(self) -> npt.NDArray[np.float64]: ...
    @property
    def lats(self) -> npt.NDArray[np.float64]: ...
    @property
    def radius_km(self) -> npt.NDArray[np.float64]: ...
    @property
    def hypothetical(self) -> BoolArray:
        """The event's source or dataset says it is hypothetical (case-insensitive)."""
    @property
    def placements(self) -> Placements: ...
    def __len__(self) -> int: ...
    def kind_mask(self, kinds: Sequence[str]) -> BoolArray: ...
    def actor_mask(self, needles: Sequence[str]) -> BoolArray:
        """True where 'actor1 | actor2', lower-cased, contains one of `needles` (lower case)."""
    def target_mask(self, target: str) -> BoolArray: ...


def event_columns(incidents: Incidents) -> ArrowEvents:
    """The columns the norms engine reads, from an `Incidents` table (no copy of its
    strings).

    An incident is hypothetical when its source or dataset says so (the bundled scenario
    events do); an unknown location radius (NaN) counts as undetermined."""
    return ArrowEvents(incidents)


class ArrowStrings:
    """A string column of an Arrow table, turned into Python strings only for the rows
    asked for."""

    __slots__ = ("_array",)

    def __init__(self, array: pa.Array | pa.ChunkedArray) -> None:
        self._array = array

    def __getitem__(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
        chosen = self._array.take(pa.array(np.asarray(rows, np.int64)))
        return np.asarray(chosen.to_pylist(), dtype=object).reshape(-1)

    def __len__(self) -> int:
        return len(self._array)


class ArrowEvents:
    """`EventColumns` over an `Incidents` table."""

    def __init__(self, incidents: Incidents) -> None:
        self._incidents = incidents

    def __len__(self) -> int:
        return len(self._incidents)

    @property
    def ids(self) -> ArrowStrings:
        return ArrowStrings(self._incidents.chunked("id"))  # as held: no combined copy

    @property
    def targets(self) -> ArrowStrings:
        return ArrowStrings(self._incidents.column("target"))

    @property
    def days(self) -> npt.NDArray[np.datetime64]:
        return self._incidents.day

    @property
    def lons(self) -> npt.NDArray[np.float64]:
        return self._incidents.longitude

    @property
    def lats(self) -> npt.NDArray[np.float64]:
        return self._incidents.latitude

    @property
    def radius_km(self) -> npt.NDArray[np.float64]:
        return self._incidents.radius_km

    @property
    def placements(self) -> Placements:
        return self._incidents.placements

    @cached_property
    def hypothetical(self) -> BoolArray:
        # the source's mark was searched in Arrow (per batch as read, for text left in
        # its file); the dataset's, once per distinct name
        marked: BoolArray = self._incidents.source_marked() | self._incidents.value_mask(
            "dataset", _says_hypothetical)
        marked.flags.writeable = False
        return marked

    def kind_mask(self, kinds: Sequence[str]) -> BoolArray:
        return self._incidents.value_mask("kind", set(kinds).__contains__)

    def target_mask(self, target: str) -> BoolArray:
        return self._incidents.value_mask("target", target.__eq__)

    def actor_mask(self, needles: Sequence[str]) -> BoolArray:
        codes1, values1 = self._incidents.categories("actor1")
        codes2, values2 = self._incidents.categories("actor2")
        if all(_cannot_span_separator(needle) for needle in needles):
            return (_contains_any(values1, needles)[codes1]
                    | _contains_any(values2, needles)[codes2])
        # a needle could meet the separator: search each distinct pair's joined text
        pairs = codes1.astype(np.int64) * len(values2) + codes2
        distinct, inverse = np.unique(pairs, return_inverse=True)
        joined = [values1[pair // len(values2)] + ACTOR_SEPARATOR + values2[pair % len(values2)]
                  for pair in distinct.tolist()]
        found: BoolArray = _contains_any(joined, needles)[inverse.reshape(-1)]
        return found


@dataclass(frozen=True)
class EventArrays:
    """Plain arrays satisfying EventColumns, for tests and small programs (`event_columns`
    reads an `Incidents` table without building these)."""

    ids: npt.NDArray[Any]
    days: npt.NDArray[np.datetime64]
    kinds: npt.NDArray[Any]
    actors: npt.NDArray[Any]
    """'actor1 | actor2' for each event."""
    targets: npt.NDArray[Any]
    lons: npt.NDArray[np.float64]
    lats: npt.NDArray[np.float64]
    radius_km: npt.NDArray[np.float64]
    hypothetical: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.days)

    @cached_property
    def placements(self) -> Placements:
        return Placements(self.lons, self.lats, self.radius_km)

    def kind_mask(self, kinds: Sequence[str]) -> BoolArray:
        return np.isin(self.kinds, list(kinds))

    def target_mask(self, target: str) -> BoolArray:
        found: BoolArray = self.targets == target
        return found

    def actor_mask(self, needles: Sequence[str]) -> BoolArray:
        if not len(self.actors):
            return np.zeros(0, np.bool_)
        distinct, inverse = np.unique(self.actors.astype(str), return_inverse=True)
        found: BoolArray = _contains_any(distinct.tolist(), needles)[inverse.reshape(-1)]
        return found


def _contains_any(values: Sequence[str], needles: Sequence[str]) -> BoolArray:
    """For each value, lower-cased, whether it contains one of `needles`."""
    lowered = (value.lower() for value in values)
    return np.fromiter((any(needle in text for needle in needles) for text in lowered),
                       np.bool_, len(values))


def _cannot_span_separator(needle: str) -> bool:
    """Whether a needle found in 'actor1 | actor2' must lie within one actor: a match that
    reaches into the separator contains its bar or starts or ends with its spaces."""
    return "|" not in needle and not needle.startswith(" ") and not needle.endswith(" ")


def _says_hypothetical(value: str) -> bool:
    return _HYPOTHETICAL in value.lower()
