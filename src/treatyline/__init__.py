"""treatyline: treaties as executable specifications.

The facade for spec authors and programs::

    from treatyline import load_bundle, status, timeline
    bundle = load_bundle("examples/nato-1949")
    print(status(bundle.treaty, bundle.record, date(1949, 8, 24)).in_force)
"""

from .bundle import Bundle, load_bundle
from .errors import Diagnostic, Position, RecordError, SpecError, TreatylineError, UsageError
from .record import Act, Record, load_record
from .spec import Treaty, load_treaty
from .status import PartyStatus, Reason, Status, status
from .timeline import TimelineEntry, timeline

__all__ = [
    "Act",
    "Bundle",
    "Diagnostic",
    "PartyStatus",
    "Position",
    "Reason",
    "Record",
    "RecordError",
    "SpecError",
    "Status",
    "TimelineEntry",
    "Treaty",
    "TreatylineError",
    "UsageError",
    "load_bundle",
    "load_record",
    "load_treaty",
    "status",
    "timeline",
]
