"""Timed work (reminders, scheduled broadcasts, retention purges) lives here.

The foundation has no timed work yet; the events and privacy features add it.
"""
