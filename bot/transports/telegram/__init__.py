"""The Telegram transport (python-telegram-bot 22): polling or webhook, inline keyboards."""

import os

# Opt in to python-telegram-bot's timedelta durations (the default of its next major
# version); without it every 429 raises a deprecation warning inside the library.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.transports.telegram.transport import TelegramStartError, TelegramTransport

__all__ = ["TelegramStartError", "TelegramTransport"]
