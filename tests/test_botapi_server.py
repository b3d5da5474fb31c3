"""The fake Telegram Bot API server: wire format, strict validation, PTB compatibility."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (  # noqa: TID251
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode  # noqa: TID251
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter  # noqa: TID251
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes  # noqa: TID251
from telegram.request import HTTPXRequest  # noqa: TID251

from tests.botapi import BotApiServer, ParseError, format_text, parse_html

TOKEN = "123456:ABC-test"
OLENA = 1001
KAREEM = 1002


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(token=TOKEN, bot_username="wegweiser_test_bot") as running:
        running.add_user(OLENA, "Olena", language_code="uk")
        running.add_user(KAREEM, "Kareem", language_code="ar")
        yield running


@pytest.fixture
async def http(server: BotApiServer) -> AsyncIterator[httpx.AsyncClient]:
    base_url = f"{server.base_url}{TOKEN}/"
    async with httpx.AsyncClient(base_url=base_url, timeout=10, verify=False) as client:
        yield client


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=plain_http(),
        get_updates_request=plain_http(),
    ) as ptb:
        yield ptb


def plain_http() -> HTTPXRequest:
    """PTB's HTTP client without loading CA certificates (the fake speaks plain HTTP; faster)."""
    return HTTPXRequest(httpx_kwargs={"verify": False})


def form(**params: Any) -> dict[str, str]:
    """Form-encodes like PTB: strings as they are, everything else as JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> dict[str, Any]:
    response = await http.post(method, data=form(**params))
    body: dict[str, Any] = response.json()
    assert response.status_code == body.get("error_code", 200)
    return body


def keyboard(*data: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [[{"text": f"B{i}", "callback_data": d}] for i, d in enumerate(data)]
    }


# ------------------------------------------------------------------ wire format


async def test_wire_format_token_and_method_names(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    me = (await http.get("getMe")).json()
    assert me["ok"] is True
    assert me["result"]["username"] == "wegweiser_test_bot"
    assert me["result"]["id"] == 123456
    assert (await http.get("GETME")).json()["ok"] is True
    async with httpx.AsyncClient(verify=False) as client:
        wrong = await client.post(f"{server.base_url}123456:wrong/getMe")
        unknown = await client.post(f"{server.base_url}{TOKEN}/sendTelepathy")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"


async def test_parameters_come_from_query_form_and_json(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    by_query = await http.get("sendMessage", params={"chat_id": OLENA, "text": "123"})
    by_json = await http.post("sendMessage", json={"chat_id": OLENA, "text": "json"})
    by_form = await call(http, "sendMessage", chat_id=OLENA, text="true")
    assert by_query.json()["result"]["text"] == "123"
    assert by_json.json()["result"]["text"] == "json"
    assert by_form["result"]["text"] == "true"
    assert [m.text for m in server.messages_to(OLENA)] == ["123", "json", "true"]
    assert server.calls_of("sendmessage")[2].params == {"chat_id": OLENA, "text": "true"}


@pytest.mark.parametrize(
    ("params", "status", "description"),
    [
        ({"text": "hi"}, 400, "Bad Request: chat_id is empty"),
        ({"chat_id": 999, "text": "hi"}, 400, "Bad Request: chat not found"),
        ({"chat_id": "@nobody", "text": "hi"}, 400, "Bad Request: chat not found"),
        ({"chat_id": OLENA}, 400, "Bad Request: message text is empty"),
        ({"chat_id": OLENA, "text": " \n "}, 400, "Bad Request: message text is empty"),
        (
            {"chat_id": OLENA, "text": "<b> </b>", "parse_mode": "HTML"},
            400,
            "Bad Request: message text is empty",
        ),
        ({"chat_id": OLENA, "text": "x" * 4097}, 400, "Bad Request: message is too long"),
        (
            {"chat_id": OLENA, "text": "Hallo <foo>!", "parse_mode": "HTML"},
            400,
            'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 6',
        ),
        (
            {"chat_id": OLENA, "text": "x", "parse_mode": "BBCode"},
            400,
            "Bad Request: unsupported parse_mode",
        ),
        (
            {"chat_id": OLENA, "text": "x", "reply_parameters": {"message_id": 77}},
            400,
            "Bad Request: message to be replied not found",
        ),
    ],
)
async def test_send_message_is_validated_like_telegram(
    server: BotApiServer,
    http: httpx.AsyncClient,
    params: dict[str, Any],
    status: int,
    description: str,
) -> None:
    body = await call(http, "sendMessage", **params)
    assert (body["error_code"], body["description"]) == (status, description)
    assert server.messages == []
    assert server.calls[-1].status == status


async def test_text_length_counts_utf16_units_after_parsing(http: httpx.AsyncClient) -> None:
    emoji = "😀"
    assert (await call(http, "sendMessage", chat_id=OLENA, text=emoji * 2048))["ok"]
    too_long = await call(http, "sendMessage", chat_id=OLENA, text=emoji * 2049)
    assert too_long["description"] == "Bad Request: message is too long"
    html = "<b>" + "a" * 4096 + "</b>"
    sent = await call(http, "sendMessage", chat_id=OLENA, text=html, parse_mode="HTML")
    assert sent["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


async def test_users_who_cannot_receive_get_forbidden(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    server.block(OLENA)
    server.deactivate(KAREEM)
    server.add_user(1003, "Quiet", started=False)
    blocked = await call(http, "sendMessage", chat_id=OLENA, text="hi")
    deactivated = await call(http, "sendMessage", chat_id=KAREEM, text="hi")
    stranger = await call(http, "sendMessage", chat_id=1003, text="hi")
    assert blocked["description"] == "Forbidden: bot was blocked by the user"
    assert deactivated["description"] == "Forbidden: user is deactivated"
    assert stranger["description"] == "Forbidden: bot can't initiate conversation with a user"
    assert {blocked["error_code"], deactivated["error_code"], stranger["error_code"]} == {403}
    server.unblock(OLENA)
    server.send_text(1003, "hallo")
    assert (await call(http, "sendMessage", chat_id=OLENA, text="hi"))["ok"]
    assert (await call(http, "sendMessage", chat_id=1003, text="hi"))["ok"]


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (keyboard("x" * 64), None),
        (keyboard("ä" * 32), None),
        (keyboard("x" * 65), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard("ä" * 33), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard(""), "Bad Request: BUTTON_DATA_INVALID"),
        (
            {"inline_keyboard": [[{"text": "plain"}]]},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (keyboard(*[str(i) for i in range(101)]), "Bad Request: REPLY_MARKUP_TOO_LONG"),
        (
            {"inline_keyboard": [[{"text": "go", "url": "javascript:x"}]]},
            "Bad Request: BUTTON_URL_INVALID",
        ),
        ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
        ({"remove_keyboard": True}, None),
        ({"keyboard": [["Ja", {"text": "Nein"}]], "resize_keyboard": True}, None),
    ],
)
async def test_reply_markup_is_validated(
    http: httpx.AsyncClient, markup: Any, description: str | None
) -> None:
    body = await call(http, "sendMessage", chat_id=OLENA, text="Wähle", reply_markup=markup)
    assert body.get("description") == description


async def test_documents_by_multipart_upload_and_attach(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    direct = await http.post(
        "sendDocument",
        data={"chat_id": str(OLENA), "caption": "Liste"},
        files={"document": ("liste.txt", b"A\nB", "text/plain")},
    )
    attached = await http.post(
        "sendDocument",
        data={"chat_id": str(OLENA), "document": "attach://part"},
        files={"part": ("plan.csv", b"a,b", "application/octet-stream")},
    )
    empty = await http.post("sendDocument", data={"chat_id": str(OLENA)})
    assert direct.json()["result"]["document"]["file_name"] == "liste.txt"
    assert direct.json()["result"]["caption"] == "Liste"
    assert attached.json()["result"]["document"]["mime_type"] == "text/csv"
    assert empty.json()["description"] == "Bad Request: there is no document in the request"
    first, second = server.messages_to(OLENA)
    assert first.document is not None
    assert first.document.content == b"A\nB"
    assert second.text is None


async def test_user_messages_get_telegram_entities(server: BotApiServer) -> None:
    update = server.update(server.send_text(KAREEM, "/hilfe@wegweiser_test_bot jetzt"))
    entities = update["message"]["entities"]
    assert entities == [{"type": "bot_command", "offset": 0, "length": 25}]
    edited = server.update(server.edit_text(KAREEM, update["message"]["message_id"], "neu"))
    assert edited["edited_message"]["text"] == "neu"
    assert "entities" not in edited["edited_message"]
    with pytest.raises(AssertionError, match="unknown user 5"):
        server.send_text(5, "hallo")


# ------------------------------------------------------------------ Telegram HTML


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>fett</b> <strong>x</strong>", "fett x", [("bold", 0, 4), ("bold", 5, 1)]),
        (
            "<i>a</i><em>b</em><u>c</u><ins>d</ins>",
            "abcd",
            [("italic", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("underline", 3, 1)],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del>",
            "abc",
            [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)],
        ),
        (
            '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>',
            "ab",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ("<b>x <i>y</i></b>", "x y", [("bold", 0, 3), ("italic", 2, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("😀 <b>ب</b>", "😀 ب", [("bold", 3, 1)]),
        ("&lt;b&gt; &amp; &quot;&#65;&#x42;", '<b> & "AB', []),
        ("\u200b\u05e9\u05dc\u05d5\u05dd e\u0301", "\u200b\u05e9\u05dc\u05d5\u05dd e\u0301", []),
    ],
)
def test_html_is_parsed_into_text_and_utf16_entities(
    source: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    parsed_text, parsed = format_text(source, "html")
    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_html_links_code_and_custom_emoji() -> None:
    _, link = parse_html('<a href="https://a.example/?x=1&amp;y=2">hier</a>')
    assert link == [
        {"type": "text_url", "offset": 0, "length": 4, "url": "https://a.example/?x=1&y=2"}
    ]
    _, pre = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert pre == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    _, code = parse_html("<code>x</code>")
    assert code == [{"type": "code", "offset": 0, "length": 1}]
    _, emoji = parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    assert emoji[0]["custom_emoji_id"] == "5368324170671202286"
    for href in ("tg://resolve?domain=x", "mailto:a@example.org", "http://x.example"):
        assert parse_html(f'<a href="{href}">x</a>')[1][0]["url"] == href


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("Hallo <foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("Привет <x>", 'Unsupported start tag "x" at byte offset 13'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("a > b", 'Character ">" must be escaped as "&gt;" at byte offset 2'),
        ("Q&A", 'Character "&" must be escaped as "&amp;" at byte offset 1'),
        ("&nbsp;", 'Character "&" must be escaped as "&amp;" at byte offset 0'),
        ("<b>fett", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="javascript:alert(1)">x</a>', 'Unsupported URL protocol "javascript"'),
        ('<a href="tel:+4930123">x</a>', 'Unsupported URL protocol "tel"'),
    ],
)
def test_html_errors_use_telegram_wording(source: str, detail: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_html(source)
    assert raised.value.description.startswith("Bad Request: can't parse entities: " + detail)


def test_entities_are_detected_like_telegram() -> None:
    text, entities = format_text(
        "Mail info@example.org, call +49 30 1234567 or see https://ki.example/a. /start", None
    )
    found = {(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in entities}
    assert found == {
        ("email", "info@example.org"),
        ("phone_number", "+49 30 1234567"),
        ("url", "https://ki.example/a"),
        ("bot_command", "/start"),
    }
    _, in_code = format_text("<code>https://x.example</code>", "html")
    assert [e["type"] for e in in_code] == ["code"]
    assert format_text("+49 12", None)[1] == []


# ------------------------------------------------------------------ updates


async def test_get_updates_confirms_by_offset(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    ids = [server.send_text(OLENA, f"m{i}") for i in range(3)]
    first = await call(http, "getUpdates", limit=2)
    assert [u["update_id"] for u in first["result"]] == ids[:2]
    again = await call(http, "getUpdates")
    assert [u["update_id"] for u in again["result"]] == ids
    confirmed = await call(http, "getUpdates", offset=ids[1])
    assert [u["message"]["text"] for u in confirmed["result"]] == ["m1", "m2"]
    assert server.pending_update_ids() == ids[1:]
    await call(http, "getUpdates", offset=-1)
    assert server.pending_update_ids() == ids[2:]
    await call(http, "getUpdates", offset=ids[2] + 1, timeout=0)
    assert server.pending_update_ids() == []


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(call(http, "getUpdates", timeout=5))
    await server.wait_until(lambda: server.is_long_polling, timeout=2)
    server.send_text(OLENA, "hallo")
    body = await poll
    assert [u["message"]["text"] for u in body["result"]] == ["hallo"]
    assert time.monotonic() - started < 2


async def test_second_poller_terminates_the_first(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(call(http, "getUpdates", timeout=5))
    await server.wait_until(lambda: server.is_long_polling, timeout=2)
    second = asyncio.create_task(call(http, "getUpdates", timeout=5))
    conflict = await first
    assert conflict["error_code"] == 409
    assert conflict["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    server.send_text(OLENA, "still here")
    assert (await second)["result"][0]["message"]["text"] == "still here"


async def test_allowed_updates_persist(server: BotApiServer, http: httpx.AsyncClient) -> None:
    sent = await call(http, "sendMessage", chat_id=OLENA, text="x", reply_markup=keyboard("a"))
    await call(http, "getUpdates", allowed_updates=["callback_query"])
    server.send_text(OLENA, "dropped")
    await call(http, "getUpdates")
    pressed = server.press_button(OLENA, sent["result"]["message_id"], "a")
    assert server.pending_update_ids() == [pressed]
    await call(http, "getUpdates", allowed_updates=[])
    assert "message" in server.allowed_updates


async def test_stop_answers_an_open_long_poll() -> None:
    server = BotApiServer(token=TOKEN)
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.base_url}{TOKEN}/", verify=False) as client:
        poll = asyncio.create_task(client.post("getUpdates", data={"timeout": "30"}))
        await server.wait_until(lambda: server.is_long_polling, timeout=2)
        started = time.monotonic()
        await server.stop()
        assert (await poll).json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 2


# ------------------------------------------------------------------ webhook


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[web.Request], list[dict[str, Any]]]]:
    """A webhook endpoint: fails the first request, then answers 200 after a short pause."""
    requests: list[web.Request] = []
    bodies: list[dict[str, Any]] = []
    active = [0, 0]  # now, maximum

    async def handle(request: web.Request) -> web.Response:
        requests.append(request)
        if len(requests) == 1:
            return web.Response(status=500)
        active[0] += 1
        active[1] = max(active)
        await asyncio.sleep(0.02)
        active[0] -= 1
        bodies.append({**(await request.json()), "max_active": active[1]})
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", requests, bodies
    await runner.cleanup()


async def test_webhook_delivers_retries_and_confirms(
    server: BotApiServer,
    http: httpx.AsyncClient,
    receiver: tuple[str, list[web.Request], list[dict[str, Any]]],
) -> None:
    url, requests, bodies = receiver
    ids = [server.send_text(OLENA, f"m{i}") for i in range(5)]
    body = await call(http, "setWebhook", url=url, secret_token="s3cr-et_", max_connections=2)
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    await server.wait_until(lambda: not server.pending_update_ids(), timeout=3)
    assert sorted(b["update_id"] for b in bodies) == ids
    assert max(b["max_active"] for b in bodies) <= 2
    assert {r.headers["X-Telegram-Bot-Api-Secret-Token"] for r in requests} == {"s3cr-et_"}
    assert server.webhook is not None
    assert sorted(server.webhook.delivered) == ids
    info = (await call(http, "getWebhookInfo"))["result"]
    assert info["url"] == url
    assert info["pending_update_count"] == 0
    assert info["last_error_message"].startswith("Wrong response from the webhook: 500")
    conflict = await call(http, "getUpdates")
    assert conflict["description"].startswith("Conflict: can't use getUpdates method while")
    deleted = await call(http, "deleteWebhook")
    assert deleted["description"] == "Webhook was deleted"
    assert server.webhook is None
    assert (await call(http, "getUpdates"))["ok"]


async def test_webhook_secret_is_checked(http: httpx.AsyncClient) -> None:
    body = await call(http, "setWebhook", url="https://x.example/hook", secret_token="no spaces")
    assert body["description"] == "Bad Request: secret token contains unallowed characters"


# ------------------------------------------------------------------ edits, deletes, callbacks


async def test_edits_are_checked_and_kept(server: BotApiServer, http: httpx.AsyncClient) -> None:
    sent = await call(
        http,
        "sendMessage",
        chat_id=OLENA,
        text="<b>A</b>",
        parse_mode="HTML",
        reply_markup=keyboard("a"),
    )
    message_id = sent["result"]["message_id"]
    same = await call(
        http,
        "editMessageText",
        chat_id=OLENA,
        message_id=message_id,
        text="<b>A</b>",
        parse_mode="HTML",
        reply_markup=keyboard("a"),
    )
    assert same["description"].startswith("Bad Request: message is not modified: specified")
    edited = await call(http, "editMessageText", chat_id=OLENA, message_id=message_id, text="B")
    assert "reply_markup" not in edited["result"]
    assert edited["result"]["edit_date"] >= edited["result"]["date"]
    markup = await call(
        http,
        "editMessageReplyMarkup",
        chat_id=OLENA,
        message_id=message_id,
        reply_markup=keyboard("b"),
    )
    assert markup["result"]["reply_markup"] == keyboard("b")
    stored = server.messages_to(OLENA)[0]
    assert [v.text for v in stored.versions()] == ["A", "B", "B"]
    assert stored.html == "B"
    assert stored.button_data("B0") == "b"
    missing = await call(http, "editMessageText", chat_id=OLENA, message_id=99, text="C")
    assert missing["description"] == "Bad Request: message to edit not found"
    update_id = server.send_text(OLENA, "mine")
    theirs = server.update(update_id)["message"]["message_id"]
    foreign = await call(http, "editMessageText", chat_id=OLENA, message_id=theirs, text="C")
    assert foreign["description"] == "Bad Request: message can't be edited"


async def test_delete_message(server: BotApiServer, http: httpx.AsyncClient) -> None:
    sent = await call(http, "sendMessage", chat_id=OLENA, text="weg")
    message_id = sent["result"]["message_id"]
    assert (await call(http, "deleteMessage", chat_id=OLENA, message_id=message_id))["ok"]
    again = await call(http, "deleteMessage", chat_id=OLENA, message_id=message_id)
    assert again["description"] == "Bad Request: message to delete not found"
    edit = await call(http, "editMessageText", chat_id=OLENA, message_id=message_id, text="x")
    assert edit["description"] == "Bad Request: message to edit not found"
    assert server.messages_to(OLENA)[0].deleted


async def test_callback_queries_are_answered_once(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    sent = await call(http, "sendMessage", chat_id=OLENA, text="x", reply_markup=keyboard("a"))
    message_id = sent["result"]["message_id"]
    with pytest.raises(AssertionError, match="no button with data 'zz'"):
        server.press_button(OLENA, message_id, "zz")
    forged = server.update(server.press_button(OLENA, message_id, "zz", forge=True))
    assert forged["callback_query"]["data"] == "zz"
    query = server.update(server.press_button(OLENA, message_id, "a"))["callback_query"]
    assert query["message"]["message_id"] == message_id
    assert query["from"]["id"] == OLENA
    long_text = await call(
        http, "answerCallbackQuery", callback_query_id=query["id"], text="x" * 201
    )
    assert long_text["error_code"] == 400
    assert (await call(http, "answerCallbackQuery", callback_query_id=query["id"]))["ok"]
    twice = await call(http, "answerCallbackQuery", callback_query_id=query["id"])
    assert twice["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert [a.query_id for a in server.callback_answers] == [query["id"]]


# ------------------------------------------------------------------ bot settings


@pytest.mark.parametrize(
    ("commands", "language", "description"),
    [
        ([{"command": "start", "description": "Start"}], "", None),
        ([{"command": "hilfe_2", "description": "Hilfe"}], "de", None),
        ([{"command": "Start", "description": "x"}], "", "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "/start", "description": "x"}], "", "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "a" * 33, "description": "x"}], "", "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "x", "description": ""}], "", "Bad Request: command description is empty"),
        (
            [{"command": "x", "description": "d" * 257}],
            "",
            "Bad Request: command description is too long",
        ),
        (
            [{"command": "x", "description": "d"}],
            "deu",
            "Bad Request: invalid language code specified",
        ),
    ],
)
async def test_set_my_commands_is_validated(
    server: BotApiServer,
    http: httpx.AsyncClient,
    commands: list[dict[str, str]],
    language: str,
    description: str | None,
) -> None:
    body = await call(http, "setMyCommands", commands=commands, language_code=language)
    assert body.get("description") == description
    expected = {("default", language): commands} if description is None else {}
    assert server.commands == expected


async def test_descriptions_are_stored_per_language(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    await call(http, "setMyDescription", description="Wegweiser", language_code="de")
    await call(http, "setMyShortDescription", short_description="Kurz")
    too_long = await call(http, "setMyShortDescription", short_description="x" * 121)
    assert too_long["error_code"] == 400
    assert server.descriptions == {"de": "Wegweiser"}
    assert server.short_descriptions == {"": "Kurz"}
    got = await call(http, "getMyDescription", language_code="de")
    assert got["result"] == {"description": "Wegweiser"}


# ------------------------------------------------------------------ fault injection


async def test_injected_failures(server: BotApiServer, http: httpx.AsyncClient) -> None:
    server.fail_next("sendMessage", 429, retry_after=2)
    server.fail_next("SENDMESSAGE", 500, count=2)
    server.fail_next("sendMessage", 400, description="custom trouble")
    flood = await call(http, "sendMessage", chat_id=OLENA, text="x")
    assert flood == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    for _ in range(2):
        failed = await call(http, "sendMessage", chat_id=OLENA, text="x")
        assert failed["description"] == "Internal Server Error"
    custom = await call(http, "sendMessage", chat_id=OLENA, text="x")
    assert custom["description"] == "Bad Request: custom trouble"
    assert (await call(http, "sendMessage", chat_id=OLENA, text="x"))["ok"]
    assert [c.status for c in server.calls_of("sendMessage")] == [429, 500, 500, 400, 200]


async def test_random_rejections_are_reproducible(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    async def outcomes() -> list[int]:
        server.reject_share("sendMessage", 0.5, retry_after=1, seed=7)
        bodies = [await call(http, "sendMessage", chat_id=OLENA, text="x") for _ in range(20)]
        return [b.get("error_code", 200) for b in bodies]

    first, second = await outcomes(), await outcomes()
    assert first == second
    assert 0 < first.count(429) < 20
    server.reject_share("sendMessage", 0)
    assert (await call(http, "sendMessage", chat_id=OLENA, text="x"))["ok"]


async def test_rate_limits_per_chat_and_global(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    server.limit_rate(per_chat_per_second=2, retry_after=3)
    results = [await call(http, "sendMessage", chat_id=OLENA, text="x") for _ in range(3)]
    assert [r.get("error_code", 200) for r in results] == [200, 200, 429]
    assert results[2]["parameters"] == {"retry_after": 3}
    assert (await call(http, "sendMessage", chat_id=KAREEM, text="x"))["ok"]
    server.limit_rate(global_per_second=1)
    assert (await call(http, "sendMessage", chat_id=KAREEM, text="x"))["ok"]
    assert (await call(http, "sendMessage", chat_id=OLENA, text="x"))["error_code"] == 429


async def test_delay_slows_one_method(server: BotApiServer, http: httpx.AsyncClient) -> None:
    server.delay("sendMessage", 0.2)
    started = time.monotonic()
    await call(http, "sendMessage", chat_id=OLENA, text="x")
    assert time.monotonic() - started >= 0.2
    server.clear_faults()


async def test_a_delay_can_hold_only_the_next_calls(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    server.delay("sendMessage", 0.5, count=1)
    held = asyncio.create_task(call(http, "sendMessage", chat_id=OLENA, text="slow"))
    await server.wait_until(lambda: server.delayed_calls)
    assert server.delayed_calls == [("sendMessage", {"chat_id": OLENA, "text": "slow"})]
    started = time.monotonic()
    await call(http, "sendMessage", chat_id=OLENA, text="fast")
    assert time.monotonic() - started < 0.4
    await held
    assert [m.text for m in server.messages_to(OLENA)] == ["fast", "slow"]
    assert len(server.delayed_calls) == 1


async def test_wait_for_messages_reports_what_arrived(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await call(http, "sendMessage", chat_id=OLENA, text="a")

    sender = asyncio.create_task(send_later())
    assert [m.text for m in await server.wait_for_messages(OLENA, 1, timeout=2)] == ["a"]
    await sender
    await call(http, "sendMessage", chat_id=OLENA, text="<b>", parse_mode="HTML")
    with pytest.raises(AssertionError, match=r"expected 2 message\(s\).*\['a'\].*sendMessage 400"):
        await server.wait_for_messages(OLENA, 2, timeout=0.1)


# ------------------------------------------------------------------ python-telegram-bot


async def test_ptb_sends_and_reads_messages(server: BotApiServer, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("العربية", callback_data="lang:ar")]])
    message = await bot.send_message(
        OLENA,
        "<b>Wähle</b> deine Sprache 🌍",
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert message.text == "Wähle deine Sprache 🌍"
    assert message.entities[0].type == "bold"
    assert message.reply_markup == markup
    assert message.from_user is not None
    assert message.from_user.username == "wegweiser_test_bot"
    sent = server.messages_to(OLENA)[0]
    assert sent.html == "<b>Wähle</b> deine Sprache 🌍"
    assert sent.button_data("العربية") == "lang:ar"

    server.start_deep_link(OLENA, "lang-ar")
    server.press_button(OLENA, message.message_id, "lang:ar")
    updates = await bot.get_updates(timeout=1, allowed_updates=["message", "callback_query"])
    command, press = updates
    assert command.message is not None
    assert command.message.text == "/start lang-ar"
    assert command.message.entities[0].type == "bot_command"
    assert command.effective_user is not None
    assert command.effective_user.language_code == "uk"
    assert press.callback_query is not None
    assert press.callback_query.data == "lang:ar"
    assert await bot.answer_callback_query(press.callback_query.id, text="OK")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(press.callback_query.id)
    assert await bot.get_updates(offset=press.update_id + 1, timeout=0) == ()


async def test_ptb_edits_deletes_and_documents(server: BotApiServer, bot: Bot) -> None:
    message = await bot.send_message(KAREEM, "eins")
    edited = await bot.edit_message_text("zwei", chat_id=KAREEM, message_id=message.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "zwei"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("zwei", chat_id=KAREEM, message_id=message.message_id)
    assert await bot.delete_message(KAREEM, message.message_id)

    document = await bot.send_document(
        KAREEM,
        b"%PDF-1.4 fake",
        filename="Beratung.pdf",
        caption="<i>Infos</i>",
        parse_mode=ParseMode.HTML,
    )
    assert document.document is not None
    assert document.document.file_name == "Beratung.pdf"
    assert document.document.mime_type == "application/pdf"
    assert document.caption == "Infos"
    stored = server.messages_to(KAREEM)[-1].document
    assert stored is not None
    assert stored.content == b"%PDF-1.4 fake"
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 fake"
    again = await bot.send_document(OLENA, document.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == document.document.file_unique_id


async def test_ptb_commands_and_descriptions(server: BotApiServer, bot: Bot) -> None:
    commands = [BotCommand("start", "Neu beginnen"), BotCommand("sprache", "Sprache wählen")]
    scope = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(commands, scope=scope, language_code="de")
    assert await bot.get_my_commands(scope=scope, language_code="de") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert server.commands[("all_private_chats", "de")][0] == {
        "command": "start",
        "description": "Neu beginnen",
    }
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    assert await bot.set_my_description("Hilfe für Neuankömmlinge", language_code="de")
    assert await bot.set_my_short_description("Wegweiser")
    assert server.descriptions == {"de": "Hilfe für Neuankömmlinge"}
    assert await bot.delete_my_commands(scope=scope, language_code="de")
    assert server.commands == {}


async def test_ptb_maps_errors(
    server: BotApiServer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "hallo")
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(OLENA, "a <foo> b", parse_mode=ParseMode.HTML)
    server.block(OLENA)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(OLENA, "hallo")
    server.fail_next("sendMessage", 429, retry_after=2)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(KAREEM, "hallo")
    assert flood.value.retry_after == dt.timedelta(seconds=2)
    await bot.set_webhook("https://bot.example/hook", secret_token="abc")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()


async def test_ptb_application_polls_and_replies(server: BotApiServer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Sprache: {' '.join(context.args or [])}")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .request(plain_http())
        .get_updates_request(plain_http())
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        server.start_deep_link(KAREEM, "lang-ar")
        replies = await server.wait_for_messages(KAREEM, 1, timeout=5)
        await application.updater.stop()
        await application.stop()
    assert [m.text for m in replies] == ["Sprache: lang-ar"]
    assert server.pending_update_ids() == []


# ------------------------------------------------------------------ groups, stickers, photos

STAFF = -1001234567890
ELSEWHERE = -1009876543210
KIM = 1004


@pytest.fixture
async def group(server: BotApiServer) -> int:
    server.add_user(KIM, "Kim", username="kim_ki", started=False)
    server.add_group(STAFF, "KI Team", [KIM, OLENA], bot_is_admin=True)
    return STAFF


async def test_group_messages_have_the_supergroup_wire_format(
    server: BotApiServer, http: httpx.AsyncClient, group: int
) -> None:
    hello = server.update(server.send_group_text(group, KIM, "Guten Morgen"))["message"]
    assert hello["chat"] == {"id": STAFF, "type": "supergroup", "title": "KI Team"}
    assert hello["from"] == {"id": KIM, "is_bot": False, "first_name": "Kim", "username": "kim_ki"}
    assert "reply_to_message" not in hello
    sent = await call(
        http, "sendMessage", chat_id=group, text="<b>Ticket #1</b>", parse_mode="HTML"
    )
    ticket = sent["result"]
    assert ticket["chat"] == hello["chat"]
    assert ticket["from"]["id"] == 123456
    assert ticket["message_id"] == hello["message_id"] + 1  # one numbering per chat
    reply = server.update(
        server.send_group_text(group, KIM, "Antwort", reply_to=ticket["message_id"])
    )["message"]
    assert reply["reply_to_message"] == ticket  # the full message, as Telegram sends it
    on_chatter = server.send_group_text(group, OLENA, "+1", reply_to=reply["message_id"])
    nested = server.update(on_chatter)["message"]["reply_to_message"]
    assert nested == {k: v for k, v in reply.items() if k != "reply_to_message"}  # one level
    assert [m.text for m in server.messages_to(group)] == ["Ticket #1"]
    assert [m.text for m in await server.wait_for_messages(group, 1)] == ["Ticket #1"]
    assert server.messages_to(OLENA) == []  # the group is not a member's private chat
    update = Update.de_json(server.update(on_chatter), None)
    assert update.effective_chat is not None and update.effective_chat.type == "supergroup"
    assert update.message is not None and update.message.reply_to_message is not None


async def test_sending_to_groups_is_checked(
    server: BotApiServer, http: httpx.AsyncClient, group: int
) -> None:
    server.add_group(ELSEWHERE, "Elsewhere", [KIM], bot_is_member=False)
    unknown = await call(http, "sendMessage", chat_id=-1005555555555, text="x")
    outside = await call(http, "sendMessage", chat_id=ELSEWHERE, text="x")
    action = await call(http, "sendChatAction", chat_id=ELSEWHERE, action="typing")
    assert unknown["description"] == "Bad Request: chat not found"
    assert outside["error_code"] == 403
    assert outside["description"] == "Forbidden: bot is not a member of the supergroup chat"
    assert action["error_code"] == 403
    empty = await call(http, "sendMessage", chat_id=group, text="<b> </b>", parse_mode="HTML")
    assert empty["description"] == "Bad Request: message text is empty"
    markup = await call(http, "sendMessage", chat_id=group, text="x", reply_markup=keyboard(""))
    assert markup["description"] == "Bad Request: BUTTON_DATA_INVALID"
    missing = await call(
        http, "sendMessage", chat_id=group, text="x", reply_parameters={"message_id": 99}
    )
    assert missing["description"] == "Bad Request: message to be replied not found"
    assert server.messages_to(group) == [] and server.messages_to(ELSEWHERE) == []
    sent = await call(http, "sendMessage", chat_id=group, text="x", reply_markup=keyboard("a"))
    message_id = sent["result"]["message_id"]
    edited = await call(http, "editMessageText", chat_id=group, message_id=message_id, text="y")
    assert edited["result"]["chat"]["type"] == "supergroup"
    assert (await call(http, "deleteMessage", chat_id=group, message_id=message_id))["ok"]
    with pytest.raises(AssertionError, match="supergroup ids look like"):
        server.add_group(-42, "Old style", [KIM])
    with pytest.raises(AssertionError, match="not a member"):
        server.send_group_text(group, KAREEM, "hallo")
    with pytest.raises(AssertionError, match="has no message 77"):
        server.send_group_text(group, KIM, "hallo", reply_to=77)
    with pytest.raises(AssertionError, match="unknown group"):
        server.send_group_text(-1001111111111, KIM, "hallo")


async def test_privacy_mode_decides_which_group_messages_reach_the_bot(
    server: BotApiServer, http: httpx.AsyncClient
) -> None:
    server.add_user(KIM, "Kim")
    server.add_group(STAFF, "KI Team", [KIM])
    server.add_group(ELSEWHERE, "Admins", [KIM], bot_is_admin=True)
    quiet = server.add_group(-1003333333333, "Left", [KIM], bot_is_member=False)
    ticket = (await call(http, "sendMessage", chat_id=STAFF, text="Ticket"))["result"]
    hidden = [
        server.send_group_text(STAFF, KIM, "Guten Morgen"),
        server.send_group_text(STAFF, KIM, "/start@other_bot"),
        server.send_group_text(STAFF, KIM, "Was meint ihr? /help"),  # no command first
        server.send_group_text(STAFF, KIM, "Schreibt @wegweiser_test_botfan"),  # someone else
        server.send_group_text(quiet.id, KIM, "/start@wegweiser_test_bot"),
    ]
    seen = [
        server.send_group_text(STAFF, KIM, "Erledigt", reply_to=ticket["message_id"]),
        server.send_group_text(STAFF, KIM, "/close"),
        server.send_group_text(STAFF, KIM, "/help@Wegweiser_Test_Bot jetzt"),
        server.send_group_text(STAFF, KIM, "Frage an @wegweiser_test_bot"),
        server.send_group_text(ELSEWHERE, KIM, "Guten Morgen"),  # admins see everything
    ]
    assert server.pending_update_ids() == seen
    assert all(server.update(update_id)["message"]["text"] for update_id in hidden)
    me = await call(http, "getMe")
    assert me["result"]["can_read_all_group_messages"] is False


async def test_groups_take_at_most_20_messages_a_minute(
    server: BotApiServer, http: httpx.AsyncClient, group: int
) -> None:
    statuses = [
        (await call(http, "sendMessage", chat_id=group, text=str(n))).get("error_code", 200)
        for n in range(21)
    ]
    assert statuses == [200] * 20 + [429]
    refused = server.calls_of("sendMessage")[-1]
    assert refused.description is not None and refused.description.startswith(
        "Too Many Requests: retry after "
    )
    flood = await call(http, "sendMessage", chat_id=group, text="again")
    assert 1 <= flood["parameters"]["retry_after"] <= 60
    assert (await call(http, "sendMessage", chat_id=OLENA, text="private"))["ok"]
    assert len(server.messages_to(group)) == 20
    server.group_messages_per_minute = None
    assert (await call(http, "sendMessage", chat_id=group, text="unlimited"))["ok"]


async def test_stickers_and_photos_arrive_without_text(server: BotApiServer, bot: Bot) -> None:
    server.send_sticker(OLENA, "🙂")
    server.send_photo(OLENA)
    server.send_photo(KAREEM, caption="صورة الإقامة")
    sticker, photo, captioned = await bot.get_updates(timeout=1)
    assert sticker.message is not None and sticker.message.text is None
    assert sticker.message.sticker is not None and sticker.message.sticker.emoji == "🙂"
    assert photo.message is not None and photo.message.text is None
    assert photo.message.caption is None and len(photo.message.photo) == 4
    assert captioned.message is not None and captioned.message.caption == "صورة الإقامة"
    ids = [update.message.message_id for update in (sticker, photo) if update.message]
    assert ids == [1, 2]


async def test_ptb_talks_to_a_group(server: BotApiServer, bot: Bot, group: int) -> None:
    server.add_group(ELSEWHERE, "Elsewhere", [KIM], bot_is_member=False)
    message = await bot.send_message(group, "<i>Ticket #1</i>", parse_mode=ParseMode.HTML)
    assert message.chat.type == "supergroup" and message.chat.title == "KI Team"
    assert message.chat_id == STAFF
    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await bot.send_message(ELSEWHERE, "hallo")
    server.send_group_text(group, KIM, "Danke", reply_to=message.message_id)
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == message.message_id
    assert update.message.reply_to_message.text == "Ticket #1"
    assert update.message.from_user is not None and update.message.from_user.id == KIM
