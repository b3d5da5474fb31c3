"""The composition root: config → database → directory → i18n → answering → router.

Everything long-lived is built here, in this order, and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from importlib import resources

from babel.numbers import format_decimal

from bot.answering.lexicon import Lexicon, load_lexicon_files
from bot.answering.service import AnsweringService
from bot.config import Config
from bot.core.clock import Clock, SystemClock
from bot.core.context import Context, Services
from bot.core.flood import FloodGuard, Verdict
from bot.core.messages import Incoming, Reply
from bot.core.pending import PendingQuestions
from bot.core.profile import BotProfile, bot_profile
from bot.core.router import Router
from bot.core.sanitize import clean_text
from bot.directory.loader import DEFAULT_TIMEZONE, parse_directory
from bot.directory.model import Directory
from bot.i18n import Catalogs, _
from bot.i18n.locales import SHIPPED_LOCALES, babel_locale, is_rtl, shipped
from bot.storage.broadcast_repository import BroadcastRepository
from bot.storage.community_repository import CommunityRepository
from bot.storage.database import Database
from bot.storage.directory_repository import DirectoryRepository
from bot.storage.event_repository import EventRepository
from bot.storage.privacy_repository import PrivacyRepository
from bot.storage.staff_repository import StaffRepository
from bot.storage.stats_repository import StatsRepository
from bot.storage.ticket_repository import TicketRepository
from bot.storage.user_repository import UserRepository
from handlers import build_router, handover

log = logging.getLogger(__name__)


def demo_directory_text() -> str:
    """The bundled demo directory (fictional data)."""
    return (
        resources.files("bot.directory").joinpath("data", "demo.yaml").read_text(encoding="utf-8")
    )


@dataclass(slots=True)
class App:
    """The running bot's services."""

    config: Config
    database: Database
    directories: DirectoryRepository
    services: Services
    router: Router
    flood: FloodGuard

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one message from any transport and return the replies."""
        services = self.services
        if incoming.text is not None:
            incoming = replace(incoming, text=clean_text(incoming.text))
        if services.relay.is_room(incoming.transport, incoming.chat_id):
            log.info("staff room message transport=%s", incoming.transport)
            try:
                return await handover.staff_message(services, incoming)
            except Exception:
                log.exception("staff room message failed on %s", incoming.transport)
                return []
        user = await services.users.get_or_create(
            incoming.transport, incoming.user_id, incoming.chat_id, services.clock.now()
        )
        locale = user.locale or shipped(incoming.language_hint) or services.default_locale
        kind = "choice" if incoming.choice is not None else "text"
        log.info("message user=%s transport=%s kind=%s", user.id, incoming.transport, kind)
        if self.config.logging.log_message_text:
            log.info("message user=%s text=%r", user.id, incoming.text or incoming.choice)
        verdict = self._flood_verdict(incoming, user.id)
        with services.catalogs.use(locale):
            if verdict is Verdict.DROP:
                return []
            if verdict is Verdict.WARN:
                log.info("message user=%s throttled", user.id)
                slow_down = _(
                    "You are sending messages very fast. Please wait a minute, then write again."
                )
                return [Reply.plain(slow_down)]
            limit = self.config.limits.max_message_chars
            if incoming.text is not None and len(incoming.text) > limit:
                log.info("message user=%s too long", user.id)
                too_long = _(
                    "Your message is too long. Please write at most {limit} characters."
                ).format(limit=format_decimal(limit, locale=babel_locale(locale)))
                return [Reply.plain(too_long, rtl=is_rtl(locale))]
            try:
                return await self.router.route(Context(incoming, user, services))
            except Exception:
                log.exception("handler failed for user %s on %s", user.id, incoming.transport)
                return [Reply.plain(_("Sorry, something went wrong. Please try again."))]

    def _flood_verdict(self, incoming: Incoming, user_id: int) -> Verdict:
        # The console is one local person at their own terminal: no budget there.
        if incoming.transport == "console":
            return Verdict.HANDLE
        return self.flood.check(str(user_id))

    def profiles(self) -> list[BotProfile]:
        """The bot's description and commands in every shipped language."""
        commands = self.services.commands
        return [bot_profile(self.services.catalogs, code, commands) for code in SHIPPED_LOCALES]


async def prepare_directory(
    directories: DirectoryRepository, config: Config, clock: Clock, load_demo: bool
) -> Directory:
    """The stored directory; on first start the demo directory is loaded into it."""
    if load_demo and config.bot.load_demo_directory and await directories.is_empty():
        log.info("directory is empty: loading the demo directory")
        await directories.replace(parse_directory(demo_directory_text()), clock.now())
    loaded = await directories.load()
    return loaded or Directory(timezone=DEFAULT_TIMEZONE, regions=(), topic_definitions={})


@asynccontextmanager
async def open_app(
    config: Config, clock: Clock | None = None, load_demo: bool = True
) -> AsyncIterator[App]:
    """Build every service for ``config``; close the database at the end.

    ``load_demo=False`` is for directory maintenance: an import into an empty
    database is never mixed with the demo directory.
    """
    clock = clock or SystemClock()
    database = Database(config.database.url)
    try:
        await database.upgrade()
        directories = DirectoryRepository(database)
        directory = await prepare_directory(directories, config, clock, load_demo)
        lexicon = Lexicon(load_lexicon_files())
        catalogs = Catalogs()
        router = build_router()
        admins = frozenset(config.staff.admins)
        services = Services(
            users=UserRepository(database),
            events=EventRepository(database, config.events.reminder_offsets),
            community=CommunityRepository(database),
            answering=AnsweringService(directory, lexicon, catalogs, config.contact),
            catalogs=catalogs,
            clock=clock,
            pending=PendingQuestions(),
            default_locale=config.bot.default_locale,
            staff=StaffRepository(database, admins),
            broadcasts=BroadcastRepository(
                database, admins, config.delivery_transports, config.bot.default_locale
            ),
            privacy=PrivacyRepository(database),
            tickets=TicketRepository(database),
            stats=StatsRepository(database),
            require_approval=config.broadcast.require_approval,
            inactive_days=config.privacy.inactive_days,
            commands=[(command.name, command.help) for command in router.commands],
        )
        flood = FloodGuard(config.limits.messages_burst, config.limits.messages_per_minute)
        try:
            yield App(config, database, directories, services, router, flood)
        finally:
            await services.stats.close()
    finally:
        await database.close()
