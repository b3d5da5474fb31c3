"""Logging: structured lines with ids and error codes; never message text or tokens."""

from __future__ import annotations

import logging
import sys

from bot.config import LoggingConfig


class RedactSecrets(logging.Filter):
    """Replaces secrets (bot tokens, passwords) in every record with ``[redacted]``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if len(secret) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(config: LoggingConfig, secrets: list[str] | None = None) -> None:
    """Send log records to standard error at the configured level, secrets redacted."""
    logging.basicConfig(
        level=config.level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    redact = RedactSecrets(secrets or [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    quiet_libraries(config)


def quiet_libraries(config: LoggingConfig) -> None:
    """Keep libraries from logging URLs with tokens, SQL parameters or what users wrote."""
    # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
    noisy = ("httpx", "httpcore", "aiosqlite", "alembic", "aiohttp.access", "sqlalchemy", "peewee")
    for noisy_library in noisy:
        logging.getLogger(noisy_library).setLevel(logging.WARNING)
    # Platform libraries log whole updates (with what users wrote) at DEBUG.
    if not config.log_message_text:
        for library in ("telegram", "nio"):
            logging.getLogger(library).setLevel(logging.INFO)
