"""Matrix test support: a real Synapse fixture and a test peer that acts like an Element user.

Fixtures (import them into a test module, or list this module in ``pytest_plugins``):

- ``homeserver_session``: one Synapse for the whole test session, stopped at its end.
- ``homeserver``: the same server for one test; started again first if a test stopped it.

``MatrixUser`` registers a user, logs in with matrix-nio (end-to-end encryption on, crypto
store on disk), syncs in the background and records the messages other users send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nio import (  # noqa: TID251 (the test peer is a Matrix client of its own)
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

from tests.homeserver import Homeserver

logger = logging.getLogger(__name__)

MEGOLM = "m.megolm.v1.aes-sha2"
UNDECRYPTABLE = "<undecryptable>"
SYNC_POLL_MS = 10_000


# -- fixtures ---------------------------------------------------------------------------------


# Test modules that import the fixtures get a fixture definition each; they share one server.
_session_servers: list[Homeserver] = []


@pytest.fixture(scope="session")
def homeserver_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One Synapse for the whole session (installed on first use), stopped at the end."""
    if not _session_servers:
        _session_servers.append(Homeserver(tmp_path_factory.mktemp("synapse")))
    server = _session_servers[0]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def homeserver(homeserver_session: Homeserver) -> Homeserver:
    """The session's Synapse, running: started again if an earlier test stopped it."""
    homeserver_session.start()
    return homeserver_session


def unique_name(prefix: str) -> str:
    """A user name no other test of this session has registered on the shared server."""
    return f"{prefix}-{secrets.token_hex(3)}"


# -- the test peer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    """An m.room.message from someone else, as the peer saw it (decrypted if it could)."""

    event_id: str
    sender: str
    body: str
    formatted_body: str | None
    encrypted: bool
    content: dict[str, Any]
    error: str | None = None  # why an encrypted message could not be decrypted

    @property
    def undecryptable(self) -> bool:
        """True for an encrypted message whose keys the peer never got."""
        return self.error is not None

    @property
    def msgtype(self) -> str | None:
        """``m.text``, ``m.notice``, …"""
        value = self.content.get("msgtype")
        return value if isinstance(value, str) else None


@dataclass
class _Entry:
    message: ReceivedMessage
    pending: MegolmEvent | None = None  # still waiting for its room key


def _message_from_source(source: dict[str, Any], encrypted: bool) -> ReceivedMessage:
    content = source.get("content")
    content = content if isinstance(content, dict) else {}
    body = content.get("body")
    formatted = content.get("formatted_body")
    return ReceivedMessage(
        event_id=str(source.get("event_id", "")),
        sender=str(source.get("sender", "")),
        body=body if isinstance(body, str) else repr(body),
        formatted_body=formatted if isinstance(formatted, str) else None,
        encrypted=encrypted,
        content=content,
    )


def _undecryptable(event: MegolmEvent, error: str) -> ReceivedMessage:
    return ReceivedMessage(
        event_id=event.event_id,
        sender=event.sender,
        body=UNDECRYPTABLE,
        formatted_body=None,
        encrypted=True,
        content=dict(event.source.get("content", {})),
        error=error,
    )


@dataclass
class _State:
    entries: dict[str, list[_Entry]] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    joining: set[str] = field(default_factory=set)
    last_error: str | None = None


class MatrixUser:
    """A Matrix user on an Element-like client (nio, e2e on), syncing in the background."""

    # Once enough messages are there, how long to wait for the keys of undecryptable ones.
    undecryptable_grace: float = 5.0

    def __init__(
        self,
        homeserver: Homeserver,
        client: AsyncClient,
        user_id: str,
        password: str,
        auto_join: bool,
    ) -> None:
        self.homeserver = homeserver
        self.client = client
        self.user_id = user_id
        self.password = password
        self.auto_join = auto_join
        self._state = _State()
        self._changed = asyncio.Condition()
        self._crypto_lock = asyncio.Lock()
        self._sync_task: asyncio.Task[None] | None = None

    @property
    def device_id(self) -> str:
        """This login's device id."""
        return str(self.client.device_id)

    @classmethod
    async def create(
        cls,
        homeserver: Homeserver,
        name: str,
        store_dir: Path,
        *,
        auto_join: bool = False,
        password: str | None = None,
    ) -> MatrixUser:
        """Register ``name``, log in (new device, keys uploaded), sync once, keep syncing."""
        password = password or secrets.token_hex(12)
        user_id = await asyncio.to_thread(homeserver.register, name, password)
        await asyncio.to_thread(store_dir.mkdir, parents=True, exist_ok=True)
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=True,
            max_timeout_retry_wait_time=1.0,  # reconnect fast after a homeserver restart
        )
        client = AsyncClient(homeserver.url, user_id, store_path=str(store_dir), config=config)
        user = cls(homeserver, client, user_id, password, auto_join)
        try:
            login = await client.login(password, device_name=f"test peer {name}")
            if not isinstance(login, LoginResponse):
                raise AssertionError(f"login of {user_id} failed: {login}")
            await user._crypto_housekeeping()
            first = await client.sync(timeout=0, full_state=True)
            if not isinstance(first, SyncResponse):
                raise AssertionError(f"first sync of {user_id} failed: {first}")
            await user._after_sync(first)
        except BaseException:
            await client.close()
            raise
        user._sync_task = asyncio.create_task(user._sync_loop(), name=f"sync {user_id}")
        return user

    async def close(self) -> None:
        """Stop syncing and close the HTTP session."""
        task, self._sync_task = self._sync_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.client.close()

    async def __aenter__(self) -> MatrixUser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- rooms ---------------------------------------------------------------------------------

    async def open_dm(
        self,
        bot_user_id: str,
        encrypted: bool,
        timeout: float = 30,  # noqa: ASYNC109 (the harness API)
    ) -> str:
        """Create a private direct chat with ``bot_user_id``, wait for it to join; room id."""
        initial_state = []
        if encrypted:
            initial_state.append(
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}
            )
        response = await self.client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[bot_user_id],
            initial_state=initial_state,
        )
        if not isinstance(response, RoomCreateResponse):
            raise AssertionError(f"{self.user_id} could not create a room: {response}")
        room_id: str = response.room_id
        await self.wait_for_member(room_id, bot_user_id, timeout)
        return room_id

    def has_joined(self, room_id: str, user_id: str) -> bool:
        """Whether, as far as this peer has synced, ``user_id`` is joined to ``room_id``."""
        room = self.client.rooms.get(room_id)
        return room is not None and user_id in room.users and user_id not in room.invited_users

    async def wait_for_member(
        self,
        room_id: str,
        user_id: str,
        timeout: float = 30,  # noqa: ASYNC109 (the harness API)
    ) -> None:
        """Wait until ``user_id`` has joined ``room_id`` (as seen in this peer's sync)."""
        await self._wait_until(
            lambda: self.has_joined(room_id, user_id),
            timeout,
            lambda: f"{user_id} did not join {room_id} within {timeout} s",
        )

    async def accept_invites(
        self,
        timeout: float = 30,  # noqa: ASYNC109 (the harness API)
    ) -> list[str]:
        """Wait for at least one invite, join every pending one; the joined room ids."""
        await self._wait_until(
            lambda: bool(self.client.invited_rooms),
            timeout,
            lambda: f"{self.user_id} got no invite within {timeout} s",
        )
        joined = []
        for room_id in list(self.client.invited_rooms):
            await self._join(room_id)
            joined.append(room_id)
        for room_id in joined:
            await self.wait_for_member(room_id, self.user_id, timeout)
        return joined

    async def _join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        if not isinstance(response, JoinResponse):
            raise AssertionError(f"{self.user_id} could not join {room_id}: {response}")

    # -- sending -------------------------------------------------------------------------------

    async def send(self, room_id: str, text: str, *, check_recipients: bool = True) -> str:
        """Send an m.text message (encrypted in an encrypted room); its event id.

        In an encrypted room every device of every other member must get the room key
        first: with ``check_recipients`` an AssertionError names any member device that
        the key could not be shared with (no device keys or no one-time keys uploaded).
        """
        return await self.send_event(
            room_id, "m.room.message", {"msgtype": "m.text", "body": text}, check_recipients
        )

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """Annotate ``event_id`` with ``key`` (an emoji); the reaction's event id.

        Like Element, reactions stay unencrypted even in encrypted rooms.
        """
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send_event(room_id, "m.reaction", content, check_recipients=False)

    async def send_event(
        self,
        room_id: str,
        event_type: str,
        content: dict[str, Any],
        check_recipients: bool = True,
    ) -> str:
        """Send any room event (encrypted in encrypted rooms, except reactions)."""
        room = self.client.rooms.get(room_id)
        if room is None:
            raise AssertionError(f"{self.user_id} is not in room {room_id}")
        if not room.encrypted:
            response = await self.client.room_send(room_id, event_type, content)
        else:
            async with self._crypto_lock:
                await self._share_room_key(room_id, check_recipients)
                response = await self.client.room_send(
                    room_id, event_type, content, ignore_unverified_devices=True
                )
        if not isinstance(response, RoomSendResponse):
            raise AssertionError(f"{self.user_id} could not send to {room_id}: {response}")
        return str(response.event_id)

    async def _share_room_key(self, room_id: str, check_recipients: bool) -> None:
        """Make sure every current member device holds the room's outbound megolm key."""
        client = self.client
        room = client.rooms[room_id]
        if not room.members_synced:
            await client.joined_members(room_id)
        if client.should_query_keys:
            await client.keys_query()
        olm = client.olm
        assert olm is not None
        session = olm.outbound_group_sessions.get(room_id)
        if session is not None and session.shared and self._devices_without_key(room_id):
            # A device appeared after the key went out: start a new session for everyone.
            client.invalidate_outbound_session(room_id)
        if olm.should_share_group_session(room_id):
            await client.share_group_session(room_id, ignore_unverified_devices=True)
        if not check_recipients:
            return
        problems = [
            f"{user} {device}: no room key" for user, device in self._devices_without_key(room_id)
        ]
        for user_id in room.users:
            if user_id != self.user_id and not list(olm.device_store.active_user_devices(user_id)):
                problems.append(f"{user_id}: no device with encryption keys")
        if problems:
            raise AssertionError(
                f"{self.user_id} cannot encrypt for everyone in {room_id}: " + "; ".join(problems)
            )

    def _devices_without_key(self, room_id: str) -> list[tuple[str, str]]:
        olm = self.client.olm
        assert olm is not None
        session = olm.outbound_group_sessions.get(room_id)
        done = session.users_shared_with | session.users_ignored if session else set()
        missing = []
        for user_id in self.client.rooms[room_id].users:
            for device in olm.device_store.active_user_devices(user_id):
                own = user_id == self.user_id and device.id == self.client.device_id
                if not own and (user_id, device.id) not in done:
                    missing.append((user_id, device.id))
        return missing

    # -- receiving -----------------------------------------------------------------------------

    async def wait_for_messages(
        self,
        room_id: str,
        count: int,
        timeout: float = 30,  # noqa: ASYNC109 (the harness API)
    ) -> list[ReceivedMessage]:
        """The next ``count`` messages from others in ``room_id`` (a cursor per room).

        Raises AssertionError, listing what did arrive, if fewer come within ``timeout``.
        Messages that stay undecryptable come back with body ``<undecryptable>`` and
        ``error`` set.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        grace_until: float | None = None
        async with self._changed:
            while True:
                start = self._state.cursors.get(room_id, 0)
                entries = self._state.entries.get(room_id, [])[start : start + count]
                now = loop.time()
                if len(entries) >= count:
                    if all(entry.pending is None for entry in entries):
                        break
                    if grace_until is None:
                        grace_until = min(deadline, now + self.undecryptable_grace)
                    if now >= grace_until:
                        break
                elif now >= deadline:
                    raise AssertionError(self._missing_report(room_id, count, timeout, entries))
                wake = grace_until if grace_until is not None else deadline
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, wake - now)):
                        await self._changed.wait()
            self._state.cursors[room_id] = start + count
        return [entry.message for entry in entries]

    async def assert_no_messages(self, room_id: str, wait: float = 1.0) -> None:
        """Fail if any message from others arrives in ``room_id`` beyond the cursor."""
        await asyncio.sleep(wait)
        start = self._state.cursors.get(room_id, 0)
        extra = self._state.entries.get(room_id, [])[start:]
        if extra:
            listed = ", ".join(f"{e.message.sender}: {e.message.body!r}" for e in extra)
            raise AssertionError(f"unexpected messages in {room_id}: {listed}")

    def _missing_report(
        self,
        room_id: str,
        count: int,
        timeout: float,
        entries: list[_Entry],
    ) -> str:
        got = [f"{e.message.sender}: {e.message.body!r}" for e in entries]
        report = (
            f"{self.user_id} expected {count} message(s) in {room_id} within {timeout} s, "
            f"got {len(entries)}: {got}"
        )
        if self._state.last_error:
            report += f" (last sync error: {self._state.last_error})"
        return report

    # -- syncing -------------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        while True:
            try:
                response = await self.client.sync(timeout=SYNC_POLL_MS)
                if isinstance(response, SyncResponse):
                    await self._after_sync(response)
                else:
                    self._state.last_error = str(response)
                    await asyncio.sleep(0.2)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep syncing: a test reads last_error on timeout
                logger.warning("sync of %s failed: %r", self.user_id, error)
                self._state.last_error = repr(error)
                await asyncio.sleep(0.2)

    async def _crypto_housekeeping(self) -> None:
        """What nio's sync_forever does between syncs: to-device messages and keys."""
        client = self.client
        async with self._crypto_lock:
            await client.send_to_device_messages()
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())

    async def _after_sync(self, response: SyncResponse) -> None:
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                self._record(room_id, event)
        self._retry_undecryptable()
        async with self._changed:
            self._changed.notify_all()
        await self._crypto_housekeeping()
        if self.auto_join:
            for room_id in list(self.client.invited_rooms):
                if room_id not in self._state.joining:
                    self._state.joining.add(room_id)
                    await self._join(room_id)

    def _record(self, room_id: str, event: Any) -> None:
        source = getattr(event, "source", None)
        sender = getattr(event, "sender", None)
        event_id = getattr(event, "event_id", None)
        if not isinstance(source, dict) or sender == self.user_id or event_id in self._state.seen:
            return
        if isinstance(event, MegolmEvent):
            entry = _Entry(_undecryptable(event, "no room key (yet)"), pending=event)
        elif source.get("type") == "m.room.message":
            entry = _Entry(_message_from_source(source, bool(getattr(event, "decrypted", False))))
        else:
            return
        self._state.seen.add(str(event_id))
        self._state.entries.setdefault(room_id, []).append(entry)

    def _retry_undecryptable(self) -> None:
        """Decrypt held-back events whose room key has arrived since."""
        for room_id, entries in self._state.entries.items():
            cursor = self._state.cursors.get(room_id, 0)
            kept: list[_Entry] = []
            for index, entry in enumerate(entries):
                if entry.pending is None:
                    kept.append(entry)
                    continue
                try:
                    decrypted = self.client.decrypt_event(entry.pending)
                except EncryptionError as error:
                    kept.append(_Entry(_undecryptable(entry.pending, str(error)), entry.pending))
                    continue
                source = getattr(decrypted, "source", {})
                if source.get("type") == "m.room.message" or index < cursor:
                    kept.append(_Entry(_message_from_source(source, encrypted=True)))
                # else: an encrypted non-message (e.g. a reaction) not yet handed out: drop it
            entries[:] = kept

    async def _wait_until(
        self,
        condition: Callable[[], bool],
        seconds: float,
        failure: Callable[[], str],
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        async with self._changed:
            while not condition():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(failure())
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()
