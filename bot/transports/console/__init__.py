"""The console transport: chat with the bot in a terminal or through a pipe."""

from bot.transports.console.transport import ConsoleTransport, render

__all__ = ["ConsoleTransport", "render"]
