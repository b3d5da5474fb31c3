"""What a handler gets: the message, the user, and the services it may use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.answering.service import AnsweringService
from bot.core.clock import Clock
from bot.core.messages import Choice, Incoming, Reply
from bot.core.pending import PendingQuestions
from bot.core.relay import Relay
from bot.i18n import Catalogs
from bot.i18n.locales import is_rtl
from bot.storage.broadcast_repository import BroadcastRepository
from bot.storage.community_repository import CommunityRepository
from bot.storage.event_repository import EventRepository
from bot.storage.privacy_repository import PrivacyRepository
from bot.storage.staff_repository import StaffRepository, identity_of
from bot.storage.stats_repository import StatsRepository
from bot.storage.ticket_repository import TicketRepository
from bot.storage.user_repository import User, UserRepository


@dataclass(slots=True)
class Services:
    """Long-lived services shared by all handlers, built by the composition root."""

    users: UserRepository
    events: EventRepository
    community: CommunityRepository
    answering: AnsweringService
    catalogs: Catalogs
    clock: Clock
    pending: PendingQuestions
    default_locale: str
    staff: StaffRepository
    broadcasts: BroadcastRepository
    privacy: PrivacyRepository
    tickets: TicketRepository
    stats: StatsRepository
    require_approval: bool = False
    inactive_days: int = 365
    pending_topics: PendingQuestions = field(default_factory=PendingQuestions)
    outbox: asyncio.Event = field(default_factory=asyncio.Event)
    drafts: dict[int, dict[str, str]] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    relay: Relay = field(default_factory=Relay)


@dataclass(slots=True)
class Context:
    """One message being handled."""

    incoming: Incoming
    user: User
    services: Services

    @property
    def now(self) -> datetime:
        """The current time."""
        return self.services.clock.now()

    @property
    def locale(self) -> str:
        """The user's locale, or the default one while none is chosen."""
        return self.user.locale or self.services.default_locale

    @property
    def identity(self) -> str:
        """The sender as ``transport:id``, the way staff are listed."""
        return identity_of(self.user.transport, self.user.external_id)

    async def is_staff(self) -> bool:
        """True when the sender is KI staff (an admin or granted staff)."""
        return await self.services.staff.is_staff(self.identity)

    @property
    def is_admin(self) -> bool:
        """True when the sender is an admin listed in the config."""
        return self.services.staff.is_admin(self.identity)

    @property
    def text(self) -> str:
        """The message text, stripped ("" for button presses)."""
        return (self.incoming.text or "").strip()

    @property
    def choice_value(self) -> str:
        """The part of the button data after the first colon."""
        data = self.incoming.choice or ""
        return data.split(":", 1)[1] if ":" in data else ""

    def reply(self, text: str, choices: tuple[Choice, ...] = ()) -> list[Reply]:
        """One plain reply in the user's writing direction."""
        return [Reply.plain(text, choices, rtl=is_rtl(self.locale))]

    async def update_user(self, **changes: object) -> User:
        """Change and store the user's preferences or step."""
        self.user = self.user.with_changes(**changes)
        await self.services.users.save(self.user)
        return self.user
