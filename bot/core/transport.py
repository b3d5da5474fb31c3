"""The seam between the core and a messaging platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from bot.core.messages import Incoming, Reply

MessageHandler = Callable[[Incoming], Awaitable[list[Reply]]]


class Outcome(Enum):
    """How sending one message ended."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked, deactivated: never retried
    REJECTED = "rejected"  # the platform refused this message: not retried
    FAILED = "failed"  # gave up for now (network, rate limit): may be retried later
    DEFERRED = "deferred"  # rate limited before anything went out: try again after retry_after
    UNKNOWN = "unknown"  # no answer in time after it was sent: it may have arrived, never resent


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of sending one reply, with the platform's message ids and the reason."""

    outcome: Outcome
    message_ids: tuple[str, ...] = ()
    reason: str = ""
    retry_after: float = 0.0


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

    async def send(
        self, chat_id: str, reply: Reply, key: str = "", defer: bool = True
    ) -> Delivery:
        """Send one proactive message to a chat, paced as the platform wants.

        ``key`` names the message stably (the same on every retry); platforms
        that deduplicate by it (Matrix transaction ids) never show a retry twice.
        ``defer``: when the platform asks to wait before anything of it went out,
        the result is DEFERRED instead of waiting, so the caller can schedule it;
        False waits it out (for messages nobody could send later).
        """
        ...
