"""An announcement and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.broadcasts.audience import Audience

AWAITING_APPROVAL = "awaiting"
SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"
REJECTED = "rejected"

SOURCE_LANGUAGE = "de"
MAX_TEXT = 3500


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An announcement: German text, optional versions per language, audience, timing."""

    id: int
    author: str
    texts: dict[str, str]
    audience: Audience
    status: str
    send_at: datetime | None
    created_at: datetime
    approved_by: str | None = None
    queued_at: datetime | None = None
    finished_at: datetime | None = None
    recipients: int = 0

    @property
    def open(self) -> bool:
        """True while it can still be cancelled."""
        return self.status in (AWAITING_APPROVAL, SCHEDULED, SENDING)


@dataclass(frozen=True, slots=True)
class Report:
    """How delivery went: counts per ledger status and the reasons of failures."""

    broadcast: Broadcast
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        """The number of rows in any of these statuses."""
        return sum(self.counts.get(status, 0) for status in statuses)
