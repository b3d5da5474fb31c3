"""Wegweiser: a multilingual chatbot that guides newcomers to the right advice centre."""
