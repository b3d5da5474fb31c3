"""Events the KI announces: meetings, conferences, network events, and their reminders."""
