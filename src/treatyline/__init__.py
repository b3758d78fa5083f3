"""treatyline: treaties as executable specifications.

The facade for spec authors and programs::

    from treatyline import load_bundle, status, timeline
    bundle = load_bundle("examples/nato-1949")
    print(status(bundle.treaty, bundle.record, date(1949, 8, 24)).in_force)
"""

from typing import TYPE_CHECKING, Any

from .bundle import Bundle, load_bundle
from .errors import Diagnostic, Position, RecordError, SpecError, TreatylineError, UsageError
from .record import Act, Record, load_record
from .spec import Treaty, load_treaty
from .status import PartyStatus, Reason, Status, status
from .timeline import TimelineEntry, timeline

if TYPE_CHECKING:
    from .commitments import CommitmentResult, measure_commitments
    from .incidents import Incidents
    from .norms import Assessment, assess
    from .sources import read_events
    from .territory import Territory

# The event and geometry side pulls in pyarrow, shapely and numba (about half a second):
# loaded on first use, so that `treatyline status` and friends start fast.
_LAZY = {
    "CommitmentResult": "commitments",
    "measure_commitments": "commitments",
    "Incidents": "incidents",
    "Assessment": "norms",
    "assess": "norms",
    "read_events": "sources",
    "Territory": "territory",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'treatyline' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


__all__ = [
    "Act",
    "Assessment",
    "Bundle",
    "CommitmentResult",
    "Diagnostic",
    "Incidents",
    "PartyStatus",
    "Position",
    "Reason",
    "Record",
    "RecordError",
    "SpecError",
    "Status",
    "Territory",
    "TimelineEntry",
    "Treaty",
    "TreatylineError",
    "UsageError",
    "assess",
    "load_bundle",
    "load_record",
    "load_treaty",
    "measure_commitments",
    "read_events",
    "status",
    "timeline",
]
