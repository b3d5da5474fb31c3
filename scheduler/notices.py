"""Every kind of ledger notice rendered in its recipient's language, when it is sent."""

from __future__ import annotations

from collections.abc import Callable

from bot.broadcasts.model import Broadcast
from bot.broadcasts.render import announcement, approval_request, decision, report_reply
from bot.core.messages import Reply
from bot.directory.model import Directory
from bot.events.render import notice_reply
from bot.i18n import Catalogs
from bot.storage.broadcast_repository import (
    APPROVAL_REQUEST,
    BROADCAST,
    DECISION,
    REPORT,
    BroadcastRepository,
)
from bot.storage.event_repository import EventRepository
from bot.storage.ledger import Notice

_CACHED_BROADCASTS = 64


class NoticeRenderer:
    """Turns a claimed ledger row into the reply its recipient reads."""

    def __init__(
        self,
        events: EventRepository,
        broadcasts: BroadcastRepository,
        catalogs: Catalogs,
        directory: Callable[[], Directory],
    ) -> None:
        self._events = events
        self._broadcasts = broadcasts
        self._catalogs = catalogs
        self._directory = directory
        self._texts: dict[int, dict[str, str]] = {}

    async def render(self, notice: Notice, locale: str) -> Reply | None:
        """The notice as its recipient reads it; None when what it is about is gone."""
        with self._catalogs.use(locale):
            if notice.broadcast_id is not None:
                return await self._broadcast_notice(notice, notice.broadcast_id, locale)
            if notice.event_id is None:
                return None
            event = await self._events.get(notice.event_id)
            if event is None:
                return None
            starts = notice.occurrence or event.starts_at
            return notice_reply(notice.kind, event, starts, notice.details, locale)

    async def _broadcast_notice(
        self, notice: Notice, broadcast_id: int, locale: str
    ) -> Reply | None:
        if notice.kind == BROADCAST:
            texts = self._texts.get(broadcast_id)
            if texts is None:
                broadcast = await self._broadcasts.get(broadcast_id)
                if broadcast is None:
                    return None
                texts = self._remember(broadcast)
            return announcement(texts, locale)
        directory = self._directory()
        zone = directory.timezone
        names = {region.key: region.name for region in directory.regions}
        if notice.kind == REPORT:
            report = await self._broadcasts.report(broadcast_id)
            return report_reply(report, locale, zone, names) if report else None
        broadcast = await self._broadcasts.get(broadcast_id)
        if broadcast is None:
            return None
        if notice.kind == APPROVAL_REQUEST:
            return approval_request(broadcast, locale, zone, names)
        if notice.kind == DECISION:
            approved = bool(notice.details.get("approved"))
            return decision(broadcast, approved, str(notice.details.get("by", "")), locale)
        return None

    def _remember(self, broadcast: Broadcast) -> dict[str, str]:
        if len(self._texts) >= _CACHED_BROADCASTS:
            self._texts.clear()
        self._texts[broadcast.id] = broadcast.texts
        return broadcast.texts
