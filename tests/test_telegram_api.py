"""The lean Bot API client the sender and poller use, against the local Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.error import (  # noqa: TID251
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.core.messages import Choice, Reply
from bot.core.ratelimit import Pacer
from bot.core.transport import Outcome
from bot.storage.database import Database
from bot.storage.user_repository import UserRepository
from bot.transports.telegram.api import BotApi, Upload
from bot.transports.telegram.sender import TelegramSender, keyboard
from tests.botapi import BotApiServer
from tests.telegram_support import free_port

TOKEN = "424242:api-client-test"
OLENA = 2001


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(token=TOKEN, bot_username="wegweiser_test_bot") as running:
        running.add_user(OLENA, "Olena", language_code="uk")
        yield running


@pytest.fixture
async def api(server: BotApiServer) -> AsyncIterator[BotApi]:
    client = BotApi(server.base_url, TOKEN, connections=4)
    await client.start()
    yield client
    await client.close()


async def test_a_message_with_buttons_arrives_as_telegram_reads_it(
    server: BotApiServer, api: BotApi
) -> None:
    choices = (Choice("Так", "consent:yes"), Choice("Ні", "consent:no"))
    sent = await api.call(
        "sendMessage",
        {
            "chat_id": str(OLENA),
            "text": "<b>Чи згодні ви?</b> Дані — лише для відповіді.",
            "parse_mode": "HTML",
            "reply_markup": keyboard(choices),
            "link_preview_options": {"is_disabled": True},
        },
    )
    [message] = server.messages_to(OLENA)
    assert sent["message_id"] == message.message_id
    assert message.text == "Чи згодні ви? Дані — лише для відповіді."
    assert message.entities[0]["type"] == "bold"
    assert message.buttons() == [("Так", "consent:yes"), ("Ні", "consent:no")]
    assert message.params["link_preview_options"] == {"is_disabled": True}


async def test_a_document_is_uploaded(server: BotApiServer, api: BotApi) -> None:
    content = '{"name": "Олена"}'.encode()
    await api.call("sendDocument", {"chat_id": OLENA}, Upload("document", "data.json", content))
    [message] = server.messages_to(OLENA)
    assert message.document is not None
    assert message.document.file_name == "data.json"
    assert message.document.content == content


async def test_updates_come_as_plain_json(server: BotApiServer, api: BotApi) -> None:
    server.send_text(OLENA, "Де Jobcenter?")
    [update] = await api.call("getUpdates", {"timeout": 0, "allowed_updates": ["message"]})
    assert update["message"]["text"] == "Де Jobcenter?"
    assert update["message"]["from"]["language_code"] == "uk"


async def test_refusals_raise_what_python_telegram_bot_raises(
    server: BotApiServer, api: BotApi
) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await api.call("sendMessage", {"chat_id": OLENA, "text": ""})
    server.block(OLENA)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await api.call("sendMessage", {"chat_id": OLENA, "text": "hallo"})
    server.unblock(OLENA)
    server.limit_rate(global_per_second=1, retry_after=7)
    await api.call("sendMessage", {"chat_id": OLENA, "text": "eins"})
    with pytest.raises(RetryAfter) as limited:
        await api.call("sendMessage", {"chat_id": OLENA, "text": "zwei"})
    assert "7" in str(limited.value)
    assert [message.text for message in server.messages_to(OLENA)] == ["eins"]


async def test_a_wrong_token_and_no_server_are_told_apart(server: BotApiServer) -> None:
    wrong = BotApi(server.base_url, "424242:wrong", connections=1)
    nowhere = BotApi(f"http://127.0.0.1:{free_port()}/bot", TOKEN, connections=1)
    for client in (wrong, nowhere):
        await client.start()
    try:
        with pytest.raises(InvalidToken):
            await wrong.call("getMe", {})
        with pytest.raises(NetworkError) as unreachable:
            await nowhere.call("getMe", {})
        assert TOKEN not in str(unreachable.value)
    finally:
        for client in (wrong, nowhere):
            await client.close()


async def test_a_notice_without_an_answer_in_time_is_not_sent_again(
    server: BotApiServer, database_url: str
) -> None:
    database = Database(database_url)
    await database.upgrade()
    slow = BotApi(server.base_url, TOKEN, connections=2, read_seconds=0.3)
    await slow.start()
    sender = TelegramSender(slow, UserRepository(database), Pacer(100.0, 10.0))
    try:
        server.delay("sendMessage", 1.0, count=1)
        notice = await sender.send(
            str(OLENA), Reply.plain("Erinnerung: Treffen morgen"), defer=True
        )
        server.delay("sendMessage", 1.0, count=1)
        reply = await sender.send(str(OLENA), Reply.plain("Antwort"))
        await asyncio.sleep(1.2)  # the server finishes what it held
    finally:
        await slow.close()
        await database.close()
    assert notice.outcome is Outcome.UNKNOWN  # it may have arrived: the ledger never resends
    assert reply.outcome is Outcome.SENT  # a reply is tried again rather than lost
    texts = [message.text for message in server.messages_to(OLENA)]
    assert texts.count("Erinnerung: Treffen morgen") == 1
    assert texts.count("Antwort") == 2
