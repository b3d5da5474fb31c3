"""Logging: structured lines with ids and error codes; never message text or tokens."""

from __future__ import annotations

import logging
import sys

from bot.config import LoggingConfig


def configure_logging(config: LoggingConfig) -> None:
    """Send log records to standard error at the configured level."""
    logging.basicConfig(
        level=config.level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "httpcore", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
