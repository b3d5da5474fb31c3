"""Direct sends outside the ledger: to the staff room and to one person's chat.

Handover messages carry a person's own words. They are sent at once and never
stored (the ledger keeps only what can be rendered again from the database).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.messages import Reply
from bot.core.transport import Delivery, Outcome, Transport


@dataclass(slots=True)
class Relay:
    """The running transports, and the staff room if one is configured."""

    transports: dict[str, Transport] = field(default_factory=dict)
    room: tuple[str, str] | None = None  # (transport, chat id)

    @property
    def has_room(self) -> bool:
        """True when handover to staff is possible: a staff room on a running transport."""
        return self.room is not None and self.room[0] in self.transports

    def is_room(self, transport: str, chat_id: str) -> bool:
        """True for messages from the staff room."""
        return self.room == (transport, chat_id)

    async def to_room(self, reply: Reply) -> Delivery:
        """Post to the staff room."""
        if self.room is None or not self.has_room:
            return Delivery(Outcome.REJECTED, reason="no staff room")
        transport, chat_id = self.room
        return await self.transports[transport].send(chat_id, reply, defer=False)

    async def to_chat(self, transport: str, chat_id: str, reply: Reply) -> Delivery:
        """Send to one person's chat."""
        target = self.transports.get(transport)
        if target is None:
            return Delivery(Outcome.REJECTED, reason=f"{transport} is not running")
        return await target.send(chat_id, reply, defer=False)
