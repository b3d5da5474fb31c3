"""The advice-centre directory: its model, file format, and opening hours."""
