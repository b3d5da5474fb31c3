"""The seam between the core and a messaging platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.messages import Incoming, Reply

MessageHandler = Callable[[Incoming], Awaitable[list[Reply]]]


class Transport(Protocol):
    """A messaging platform adapter.

    The core calls :meth:`run` with a callback that turns one :class:`Incoming`
    into replies; the adapter delivers those replies to the same chat. Proactive
    messages (reminders, broadcasts) go through :meth:`send`.
    """

    name: str

    async def run(self, on_message: MessageHandler) -> None:
        """Receive messages until stopped or the input ends."""
        ...

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Send one reply to a chat; return the platform's message id if it has one."""
        ...
