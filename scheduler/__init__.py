"""Timed work: firing event reminders and draining the delivery ledger (APScheduler wakes it)."""
