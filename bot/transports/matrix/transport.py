"""The Matrix transport: matrix-nio's AsyncClient in the shared asyncio loop.

- One login, kept: the access token, device id and crypto store live in the
  data directory, so every start is the same device and encrypted DMs stay
  readable.
- Invitations from allowed homeservers are accepted and the inviter is
  greeted; the other member leaving ends the chat.
- Each sync is handled completely (one event at a time per room, many rooms at
  once) before its token is stored: a restart resumes after the last handled
  sync, and event ids already handled are skipped.
- The bot's own events, notices of other bots and events from before the
  bot's join are ignored; the very first start skips any backlog.

Device trust: the bot does not verify devices. It shares room keys with every
device of the people in its DMs (unverified ones included, never blacklisted
ones) and reads messages from unverified devices. Users see its device as
unverified unless they verify it by hand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    MegolmEvent,
    ReactionEvent,
    RoomEncryptedMedia,
    RoomMemberEvent,
    RoomMessageEmote,
    RoomMessageMedia,
    RoomMessageText,
    SyncError,
    SyncResponse,
    WhoamiResponse,
)

from bot.config import MatrixConfig
from bot.core.checkpoint import ReplyCheckpoint
from bot.core.clock import Clock
from bot.core.dispatch import Dispatcher
from bot.core.messages import Choice, Incoming, Reply
from bot.core.transport import Delivery, MessageHandler, Outcome
from bot.storage.handled_events import HandledEvents
from bot.storage.user_repository import UserRepository
from bot.transports.matrix.render import pick_by_reaction, pick_by_text
from bot.transports.matrix.sender import MatrixSender
from bot.transports.matrix.state import Credentials, MatrixState

log = logging.getLogger(__name__)

TRANSPORT = "matrix"
_REMEMBER = timedelta(days=7)
_DRAIN_SECONDS = 10.0
# Enough timeline per room that a bot back from a short outage misses nothing.
_SYNC_FILTER = {"room": {"timeline": {"limit": 250}}, "presence": {"types": []}}


def _ignore_outcome(task: asyncio.Task[Any]) -> None:
    """Collect a fire-and-forget task's result so that no error is left unretrieved."""
    if not task.cancelled() and task.exception() is not None:
        log.info("matrix: background request failed: %s", task.exception())


class MatrixStartError(Exception):
    """The bot cannot start on Matrix (e.g. the login was refused)."""


def server_of(user_id: str) -> str:
    """The homeserver part of a Matrix id ("@ana:kreis.example" → "kreis.example")."""
    return user_id.partition(":")[2].lower()


def without_reply_fallback(body: str) -> str:
    """A reply's own text, without the quoted lines ("> …") clients put before it."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index and index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:]) if index else body


class MatrixTransport:
    """Serves the bot in Matrix direct messages."""

    name = TRANSPORT

    def __init__(
        self,
        config: MatrixConfig,
        state: MatrixState,
        users: UserRepository,
        handled: HandledEvents,
        clock: Clock,
    ) -> None:
        self._config = config
        self._state = state
        self._users = users
        self._handled = handled
        self._clock = clock
        self._dispatcher = Dispatcher(concurrency=config.concurrency)
        self._ready = asyncio.Event()
        self._client: AsyncClient | None = None
        self._sender: MatrixSender | None = None
        self._on_message: MessageHandler | None = None
        self._choices: dict[str, tuple[str, tuple[Choice, ...]]] = {}
        self._greetings: dict[str, str] = {}  # joined rooms whose inviter is still to greet
        self._staff_room = config.staff_room

    # -- start -------------------------------------------------------------

    async def run(self, on_message: MessageHandler) -> None:
        """Serve until cancelled; on cancellation finish the events in hand first."""
        self._on_message = on_message
        self._state.prepare()
        client = AsyncClient(
            self._config.homeserver,
            self._config.user_id,
            store_path=str(self._state.store),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,
                max_limit_exceeded=0,
                max_timeout_retry_wait_time=10.0,
                request_timeout=30.0,
            ),
        )
        self._client = client
        self._sender = MatrixSender(client, self._unreachable, self._remember_choices)
        try:
            await self._log_in(client)
            log.info("matrix: serving as %s (device %s)", client.user_id, client.device_id)
            await self._handled.forget_before(self._clock.now() - _REMEMBER)
            await self._sync_forever(client)
        finally:
            await self._dispatcher.drain(_DRAIN_SECONDS)
            await client.close()

    async def _log_in(self, client: AsyncClient) -> None:
        config = self._config
        stored = self._state.credentials(config.homeserver, config.user_id)
        if stored is not None:
            client.restore_login(stored.user_id, stored.device_id, stored.access_token)
            if isinstance(await client.whoami(), WhoamiResponse):
                await self._upload_keys(client)
                return
            log.warning("matrix: the stored login was refused; logging in again")
            self._state.forget_credentials()
            client.access_token = ""
        if config.access_token:
            client.access_token = config.access_token
            whoami = await client.whoami()
            if not isinstance(whoami, WhoamiResponse) or not whoami.device_id:
                raise MatrixStartError(f"the homeserver refused [matrix] access_token: {whoami}")
            client.restore_login(whoami.user_id, whoami.device_id, config.access_token)
        else:
            response = await client.login(config.password, device_name=config.device_name)
            if not isinstance(response, LoginResponse):
                raise MatrixStartError(f"the homeserver refused the login: {response}")
        self._state.save_credentials(
            Credentials(config.homeserver, client.user_id, client.device_id, client.access_token)
        )
        await self._upload_keys(client)

    @staticmethod
    async def _upload_keys(client: AsyncClient) -> None:
        if client.should_upload_keys:
            await client.keys_upload()

    # -- sync --------------------------------------------------------------

    async def _sync_forever(self, client: AsyncClient) -> None:
        token = self._state.sync_token()
        first = True
        pause = 1.0
        while True:
            response = await client.sync(
                timeout=0 if first else self._config.sync_timeout * 1000,
                sync_filter=_SYNC_FILTER,
                since=token,
                full_state=True if first else None,
                set_presence="online",
            )
            if isinstance(response, SyncError):
                log.warning("matrix: sync failed: %s; again in %.0f s", response, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = 1.0
            assert isinstance(response, SyncResponse)
            await self._keep_keys(client)
            if first:
                await self._join_staff_room(client)
            await self._handle_sync(client, response, backlog=token is None)
            token = response.next_batch
            self._state.save_sync_token(token)
            first = False
            self._ready.set()

    async def _keep_keys(self, client: AsyncClient) -> None:
        """Upload, query and claim keys and send pending to-device messages, as nio needs."""
        await self._upload_keys(client)
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def _join_staff_room(self, client: AsyncClient) -> None:
        room = self._config.staff_room
        if room and room not in client.rooms:
            joined = await client.join(room)
            if isinstance(joined, JoinError):
                log.warning("matrix: cannot join the staff room yet (invite the bot): %s", joined)

    async def _handle_sync(
        self, client: AsyncClient, response: SyncResponse, backlog: bool
    ) -> None:
        """Handle one sync completely; ``backlog``: the first sync ever, messages skipped."""
        tasks: list[asyncio.Task[None]] = []
        for room_id, invite in response.rooms.invite.items():
            await self._on_invite(client, room_id, invite.invite_state)
        for room_id, info in response.rooms.join.items():
            inviter = self._greetings.pop(room_id, None)
            if inviter is not None:
                greeting = Incoming(TRANSPORT, room_id, inviter, text="/start")
                tasks.append(self._submit(room_id, f"join:{room_id}", greeting))
            if backlog:
                continue
            for event in self._after_own_join(client.user_id, info.timeline.events):
                task = await self._on_event(client, room_id, event)
                if task is not None:
                    tasks.append(task)
        if tasks:
            await asyncio.wait(tasks)

    @staticmethod
    def _after_own_join(own_id: str, events: list[Any]) -> Iterable[Any]:
        """The timeline events after the bot's own join (all of them when it joined earlier)."""
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if (
                isinstance(event, RoomMemberEvent)
                and event.state_key == own_id
                and event.membership == "join"
                and event.prev_membership != "join"
            ):
                return events[index + 1 :]
        return events

    async def _on_invite(self, client: AsyncClient, room_id: str, state: list[Any]) -> None:
        """Join when allowed; the inviter is greeted once the joined room has synced."""
        inviter = next(
            (
                event.sender
                for event in state
                if isinstance(event, InviteMemberEvent)
                and event.state_key == client.user_id
                and event.membership == "invite"
            ),
            None,
        )
        if inviter is None:
            return
        allowed = self._config.allowed_servers
        if room_id != self._staff_room and allowed and server_of(inviter) not in allowed:
            log.info("matrix: invitation from a server not allowed declined (room %s)", room_id)
            await client.room_leave(room_id)
            return
        joined = await client.join(room_id)
        if isinstance(joined, JoinError):
            log.warning("matrix: could not join room %s: %s", room_id, joined)
            return
        log.info("matrix: joined room %s", room_id)
        if room_id != self._staff_room:
            self._greetings[room_id] = inviter

    async def _on_event(
        self, client: AsyncClient, room_id: str, event: Event
    ) -> asyncio.Task[None] | None:
        if event.sender == client.user_id:
            return None
        room = client.rooms.get(room_id)
        if room is None:
            return None
        if room_id == self._staff_room:
            return self._on_staff_event(room_id, event)
        if isinstance(event, RoomMemberEvent):
            if event.membership in ("leave", "ban") and event.state_key != client.user_id:
                await self._end_chat(client, room_id)
            return None
        if room.member_count > 2:
            return None  # the bot serves direct messages only
        incoming = self._incoming(room_id, event)
        if incoming is None:
            return None
        return self._submit(room_id, event.event_id, incoming)

    def _on_staff_event(self, room_id: str, event: Event) -> asyncio.Task[None] | None:
        """Staff-room messages matter only as replies (to a ticket)."""
        if not isinstance(event, RoomMessageText):
            return None
        relates = event.source.get("content", {}).get("m.relates_to") or {}
        reply_to = (relates.get("m.in_reply_to") or {}).get("event_id")
        if not isinstance(reply_to, str):
            return None
        text = without_reply_fallback(event.body)
        incoming = Incoming(TRANSPORT, room_id, event.sender, text=text, reply_to=reply_to)
        return self._submit(room_id, event.event_id, incoming)

    def _incoming(self, room_id: str, event: Event) -> Incoming | None:
        """The core message for a room event; None for what the bot ignores."""
        sender = event.sender
        asked_in, choices = self._choices.get(room_id, ("", ()))
        if isinstance(event, RoomMessageText | RoomMessageEmote):
            picked = pick_by_text(event.body, choices) if choices else None
            if picked is not None:
                return Incoming(TRANSPORT, room_id, sender, choice=picked.data)
            return Incoming(TRANSPORT, room_id, sender, text=event.body)
        if isinstance(event, ReactionEvent):
            picked = pick_by_reaction(event.key, choices) if event.reacts_to == asked_in else None
            return Incoming(TRANSPORT, room_id, sender, choice=picked.data) if picked else None
        if isinstance(event, RoomMessageMedia | RoomEncryptedMedia):
            return Incoming(TRANSPORT, room_id, sender)
        if isinstance(event, MegolmEvent):
            log.warning(
                "matrix: cannot decrypt event %s in room %s (session %s); key requested",
                event.event_id, room_id, event.session_id,
            )  # fmt: skip
            self._request_key(event)
        return None

    def _request_key(self, event: MegolmEvent) -> None:
        if self._client is None:
            return
        task = asyncio.create_task(self._client.request_room_key(event))
        task.add_done_callback(_ignore_outcome)

    def _submit(self, room_id: str, event_id: str, incoming: Incoming) -> asyncio.Task[None]:
        return self._dispatcher.submit(room_id, lambda: self._process(event_id, incoming))

    async def _process(self, event_id: str, incoming: Incoming) -> None:
        if await self._handled.was_handled(event_id):
            log.info("matrix: event %s was handled before, skipped", event_id)
            return
        checkpoint = ReplyCheckpoint(
            lambda now: self._handled.mark(event_id, now),
            lambda: self._handled.unmark(event_id),
            self._clock,
        )
        if self._on_message is not None and self._sender is not None:
            replies = await self._on_message(incoming)
            for index, reply in enumerate(replies):
                result = await self._sender.send(
                    incoming.chat_id, reply, f"{event_id}#{index}", checkpoint
                )
                if result.outcome is not Outcome.SENT:
                    break
        await checkpoint.done()

    # -- chats -------------------------------------------------------------

    def _remember_choices(self, room_id: str, event_id: str, choices: tuple[Choice, ...]) -> None:
        self._choices[room_id] = (event_id, choices)

    async def _unreachable(self, room_id: str) -> None:
        self._choices.pop(room_id, None)
        await self._users.mark_unreachable(TRANSPORT, room_id)

    async def _end_chat(self, client: AsyncClient, room_id: str) -> None:
        """The other person left the direct chat: leave too and stop sending there."""
        log.info("matrix: the other member left room %s; leaving", room_id)
        await client.room_leave(room_id)
        await self._unreachable(room_id)

    async def send(
        self, chat_id: str, reply: Reply, key: str = "", defer: bool = True
    ) -> Delivery:
        """Send a proactive message (reminder, announcement) once the first sync is done."""
        await self._ready.wait()
        if self._sender is None:
            return Delivery(Outcome.FAILED, reason="matrix is not running")
        return await self._sender.send(chat_id, reply, key, defer=defer)
