"""Announcements by KI staff to chosen audiences."""
