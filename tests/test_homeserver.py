"""The Matrix test harness on its own: a real Synapse, two test peers, no bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.homeserver import Homeserver, HomeserverError
from tests.matrix_support import MatrixUser, unique_name

pytestmark = pytest.mark.slow


async def test_unencrypted_dm_round_trip(homeserver: Homeserver, tmp_path: Path) -> None:
    alice = await MatrixUser.create(homeserver, unique_name("alice"), tmp_path / "alice")
    bob = await MatrixUser.create(homeserver, unique_name("bob"), tmp_path / "bob", auto_join=True)
    try:
        room_id = await alice.open_dm(bob.user_id, encrypted=False)
        event_id = await alice.send(room_id, "Hallo, ich brauche Hilfe")

        [message] = await bob.wait_for_messages(room_id, 1)
        assert (message.event_id, message.sender) == (event_id, alice.user_id)
        assert message.body == "Hallo, ich brauche Hilfe"
        assert not message.encrypted
        assert message.msgtype == "m.text"

        await bob.send_event(room_id, "m.room.message", _html_notice("Gern: <b>MBE</b>"))
        [reply] = await alice.wait_for_messages(room_id, 1)
        assert reply.sender == bob.user_id
        assert reply.formatted_body == "Gern: <b>MBE</b>"
        assert (reply.body, reply.msgtype) == ("Gern: MBE", "m.notice")

        await alice.react(room_id, reply.event_id, "👍")
        await bob.assert_no_messages(room_id, wait=0.3)  # a reaction is not a message
    finally:
        await alice.close()
        await bob.close()


async def test_encrypted_dm_round_trip(homeserver: Homeserver, tmp_path: Path) -> None:
    alice = await MatrixUser.create(homeserver, unique_name("alice"), tmp_path / "alice")
    bob = await MatrixUser.create(homeserver, unique_name("bob"), tmp_path / "bob", auto_join=True)
    try:
        room_id = await alice.open_dm(bob.user_id, encrypted=True)
        await alice.send(room_id, "Wo ist die Ausländerbehörde?")
        await alice.send(room_id, "Und wann hat sie offen?")

        first, second = await bob.wait_for_messages(room_id, 2)
        assert first.encrypted and second.encrypted
        assert not first.undecryptable, first.error
        assert (first.body, second.body) == (
            "Wo ist die Ausländerbehörde?",
            "Und wann hat sie offen?",
        )
        assert first.sender == alice.user_id

        await bob.send_event(room_id, "m.room.message", _html_notice("In <i>Viersen</i>"))
        [reply] = await alice.wait_for_messages(room_id, 1)
        assert reply.encrypted
        assert (reply.body, reply.formatted_body) == ("In Viersen", "In <i>Viersen</i>")
    finally:
        await alice.close()
        await bob.close()


async def test_undecryptable_message_is_reported_as_such(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    alice = await MatrixUser.create(homeserver, unique_name("alice"), tmp_path / "alice")
    bob = await MatrixUser.create(homeserver, unique_name("bob"), tmp_path / "bob", auto_join=True)
    alice.undecryptable_grace = 0.2
    try:
        room_id = await alice.open_dm(bob.user_id, encrypted=True)
        # Bob's client "forgets" to share the room key: a megolm event nobody can decrypt.
        content = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": "c2VuZGVyIGtleSBvZiBhIGxvc3QgZGV2aWNl",
            "session_id": "bm8gc3VjaCBzZXNzaW9u",
            "device_id": bob.device_id,
            "ciphertext": "AwgAEnB1bmtzIG5vdCBhIHJlYWwgbWVnb2xtIG1lc3NhZ2U",
        }
        path = f"/_matrix/client/v3/rooms/{room_id}/send/m.room.encrypted/lost-key"
        homeserver.request("PUT", path, content, token=bob.client.access_token)

        [message] = await alice.wait_for_messages(room_id, 1)
        assert message.undecryptable and message.encrypted
        assert message.body == "<undecryptable>"
        assert message.error is not None and "no session" in message.error
    finally:
        await alice.close()
        await bob.close()


async def test_wait_for_messages_reports_what_arrived(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    alice = await MatrixUser.create(homeserver, unique_name("alice"), tmp_path / "alice")
    bob = await MatrixUser.create(homeserver, unique_name("bob"), tmp_path / "bob", auto_join=True)
    try:
        room_id = await alice.open_dm(bob.user_id, encrypted=False)
        await alice.send(room_id, "nur eine")
        with pytest.raises(AssertionError, match=r"got 1: .*'nur eine'"):
            await bob.wait_for_messages(room_id, 2, timeout=1)
    finally:
        await alice.close()
        await bob.close()


async def test_restart_keeps_users_port_and_sessions(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    alice = await MatrixUser.create(homeserver, unique_name("alice"), tmp_path / "alice")
    bob = await MatrixUser.create(homeserver, unique_name("bob"), tmp_path / "bob", auto_join=True)
    try:
        room_id = await alice.open_dm(bob.user_id, encrypted=True)
        url = homeserver.url

        homeserver.stop()
        assert not homeserver.running
        with pytest.raises(OSError):
            homeserver.request("GET", "/_matrix/client/versions", timeout=2)
        homeserver.start()

        assert homeserver.url == url
        assert homeserver.login(alice.user_id, alice.password)
        await alice.send(room_id, "nach dem Neustart")
        [message] = await bob.wait_for_messages(room_id, 1)
        assert (message.body, message.encrypted) == ("nach dem Neustart", True)
    finally:
        await alice.close()
        await bob.close()


def test_override_ratelimit_makes_one_user_hit_429(homeserver: Homeserver) -> None:
    name = unique_name("hasty")
    user_id = homeserver.register(name, "pw")
    token = homeserver.login(name, "pw")
    room_id = homeserver.request("POST", "/_matrix/client/v3/createRoom", {}, token=token)[
        "room_id"
    ]

    def send(number: int) -> None:
        homeserver.request(
            "PUT",
            f"/_matrix/client/v3/rooms/{room_id}/send/m.room.message/t{number}",
            {"msgtype": "m.text", "body": f"{number}"},
            token=token,
        )

    homeserver.override_ratelimit(user_id, messages_per_second=1, burst_count=1)
    with pytest.raises(HomeserverError) as limited:
        for number in range(5):
            send(number)
    assert (limited.value.status, limited.value.errcode) == (429, "M_LIMIT_EXCEEDED")

    homeserver.clear_ratelimit_override(user_id)
    for number in range(10, 30):
        send(number)


def _html_notice(html: str) -> dict[str, str]:
    """What the bot sends: a notice with a plain body and an HTML formatted body."""
    plain = html.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace("</i>", "")
    return {
        "msgtype": "m.notice",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": html,
    }
