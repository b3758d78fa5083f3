"""Deadline notices: when an incident triggers obligations, each bearer is told the duty,
the incident, the deadline and how to discharge it; reminded before the deadline ends;
told when it passed unfulfilled (see docs/server.md, "Deadlines"). `notices` decides what
is due (pure), `store` keeps what was issued, `watcher` issues on the server's clock."""

from .notices import (
    DEFAULT_REMINDER_LEAD,
    NOTICE_KINDS,
    Notice,
    NoticeKind,
    Terms,
    deadline_end,
    notice_id,
    notices_due,
    terms_of,
)
from .store import IssuedNotice, NoticeStore
from .watcher import (
    DeadlineWatcher,
    NoticeTables,
    ObligationsSource,
    WatchOptions,
    watching_deadlines,
)

__all__ = ["DEFAULT_REMINDER_LEAD", "NOTICE_KINDS", "DeadlineWatcher", "IssuedNotice", "Notice",
           "NoticeKind", "NoticeStore", "NoticeTables", "ObligationsSource", "Terms",
           "WatchOptions", "deadline_end", "notice_id", "notices_due", "terms_of",
           "watching_deadlines"]
