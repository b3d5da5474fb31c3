"""Questions waiting for one more detail (the region), kept in memory only, briefly.

The text is never written to the database; it is forgotten after a few minutes
or when the process stops.
"""

from __future__ import annotations

from datetime import datetime, timedelta

_KEEP = timedelta(minutes=15)


class PendingQuestions:
    """A short-lived map from user id to the question they asked."""

    def __init__(self) -> None:
        self._questions: dict[int, tuple[str, datetime]] = {}

    def put(self, user_id: int, text: str, now: datetime) -> None:
        """Remember ``text`` for ``user_id``."""
        self._forget_old(now)
        self._questions[user_id] = (text, now)

    def pop(self, user_id: int, now: datetime) -> str | None:
        """Take back the question of ``user_id`` if it is still fresh."""
        self._forget_old(now)
        entry = self._questions.pop(user_id, None)
        return entry[0] if entry else None

    def _forget_old(self, now: datetime) -> None:
        for user_id in [u for u, (_, at) in self._questions.items() if now - at > _KEEP]:
            del self._questions[user_id]
