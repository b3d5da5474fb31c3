"""Handover to staff over Telegram, and bad input, through real python-telegram-bot traffic.

The fake Bot API server (tests/botapi) models the staff supergroup: the bot
posts tickets there, staff reply to them, and the person sees the answers in
their private chat. Every assertion reads what a Telegram app would show.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import pytest
from babel.numbers import format_decimal

from bot.core.clock import FixedClock
from bot.i18n import _
from bot.i18n.locales import babel_locale
from bot.storage.handled_events import HandledEvents
from tests.botapi import BotApiServer, SentMessage
from tests.telegram_support import RunningBot, last, onboard_by_buttons, telegram_bot

STAFF_GROUP = -1001234567890
OTHER_GROUP = -1009876543210
NOUR, KIM, LENA = 7340981, 5550123, 5550456
NOUR_NAME, NOUR_HANDLE = "Nour", "nour_k"
OLENA = 7340982
# Unanswerable on purpose: a quarrel with the neighbour, with markup-like text in it.
QUESTION = "لدي مشكلة مع جاري بسبب الضجيج في الليل <b>x</b> & <script>"
MORE = "وأيضا يصرخ علي عندما أخرج القمامة & <i>كل يوم</i>"
STAFF_ANSWER = (
    "Bitte kommen Sie am Montag um 10 Uhr in unser Büro in Viersen & bringen Sie <Pass> mit."
)
# Replies of one update go out back to back; this much quiet means they are all there.
SETTLE = 0.25


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


def tr(bot: RunningBot, locale: str, msgid: str, **values: Any) -> str:
    """``msgid`` as the bot says it in ``locale``."""
    with bot.app.services.catalogs.use(locale):
        text = _(msgid)
    return text.format(**values) if values else text


async def exchange(
    server: BotApiServer, chat: int, act: Callable[[], object], count: int
) -> list[SentMessage]:
    """Do ``act`` and return the ``count`` messages it brought to ``chat`` (exactly that many)."""
    before = len(server.messages_to(chat))
    act()
    await server.wait_for_messages(chat, before + count)
    await asyncio.sleep(SETTLE)
    new = server.messages_to(chat)[before:]
    assert len(new) == count, [message.text for message in new]
    return new


async def staff_replies(
    server: BotApiServer, watched: int, staff: int, text: str, ticket: SentMessage
) -> SentMessage:
    """A staff member answers ``ticket`` in the group; the one message ``watched`` gets."""
    [message] = await exchange(
        server,
        watched,
        lambda: server.send_group_text(STAFF_GROUP, staff, text, reply_to=ticket.message_id),
        1,
    )
    return message


async def handled(server: BotApiServer, bot: RunningBot, update_id: int) -> None:
    """Wait until the bot has finished with an update (also one it answered with silence)."""
    events = HandledEvents(bot.app.database, "telegram")
    await server.wait_until(
        lambda: events.was_handled(str(update_id)),
        message=f"update {update_id} was not handled",
    )


def sent_html(messages: list[SentMessage]) -> str:
    """The HTML the bot sent to Telegram for these messages."""
    return "\n".join(message.html or "" for message in messages)


def add_staff_group(server: BotApiServer, *, bot_is_admin: bool = True) -> None:
    server.add_user(KIM, "Kim", username="kim_ki", language_code="de", started=False)
    server.add_user(LENA, "Lena", language_code="de", started=False)
    server.add_group(STAFF_GROUP, "KI Team", [KIM, LENA], bot_is_admin=bot_is_admin)


async def onboard_with_consent(server: BotApiServer, bot: RunningBot, chat: int) -> None:
    """Onboard by buttons, then agree to the privacy notice's consent question."""
    await onboard_by_buttons(server, chat, "العربية", "Kreis Viersen")
    notice = server.messages_to(chat)[4]
    assert [data for _, data in notice.buttons()] == ["consent:yes", "consent:no"]
    [thanks] = await exchange(
        server, chat, lambda: server.press_button(chat, notice.message_id, "consent:yes"), 1
    )
    assert thanks.text == tr(
        bot, "ar", "Thank you. You can see your data with /mydata and erase it with /delete."
    )
    assert notice.buttons() == []  # the consent buttons are gone once pressed


async def start_by_link(server: BotApiServer, chat: int, language: str) -> SentMessage:
    """A flyer's deep link (language, Kreis Viersen) in one step, then consent; the invite."""
    link = f"lang-{language}_region-viersen"
    _confirmation, notice, invite = await exchange(
        server, chat, lambda: server.start_deep_link(chat, link), 3
    )
    [thanks] = await exchange(
        server, chat, lambda: server.press_button(chat, notice.message_id, "consent:yes"), 1
    )
    assert "/mydata" in (thanks.text or "")
    return invite


async def open_ticket(server: BotApiServer, bot: RunningBot, chat: int) -> SentMessage:
    """Ask the unanswerable question and accept the handover; returns the ticket post."""
    answer, offer = await exchange(server, chat, lambda: server.send_text(chat, QUESTION), 2)
    assert "Kommunales Integrationszentrum" in (answer.text or "")
    assert [data for _, data in offer.buttons()] == ["handover:yes", "handover:no"]
    assert server.messages_to(STAFF_GROUP) == []  # nothing leaves before the person agrees
    [opened] = await exchange(
        server, chat, lambda: server.press_button(chat, offer.message_id, "handover:yes"), 1
    )
    assert "#1" in (opened.text or "") and "/done" in (opened.text or "")
    [ticket] = await server.wait_for_messages(STAFF_GROUP, 1)
    return ticket


@pytest.mark.slow
async def test_handover_to_the_staff_group_and_back(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, last_name="Haddad", username=NOUR_HANDLE, language_code="ar")
    add_staff_group(server)
    server.add_group(OTHER_GROUP, "Stammtisch", [KIM, NOUR], bot_is_admin=True)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await onboard_with_consent(server, bot, NOUR)
        ticket = await open_ticket(server, bot, NOUR)

        # The staff see the question, the language and the region, never who asked.
        text = ticket.text or ""
        assert tr(bot, "de", "Ticket #{number}: a question for the staff", number=1) in text
        assert "Arabisch" in text and "Kreis Viersen" in text
        assert QUESTION in text  # shown exactly as written …
        assert "<script>" not in (ticket.html or "")  # … because the HTML was escaped
        assert "&lt;script&gt;" in (ticket.html or "")
        for secret in (NOUR_NAME, "Haddad", NOUR_HANDLE, str(NOUR)):
            assert secret not in text and secret not in str(ticket.params), secret

        # What the person adds while the ticket is open reaches the group too.
        [passed] = await exchange(server, NOUR, lambda: server.send_text(NOUR, MORE), 1)
        assert passed.text == tr(bot, "ar", "Passed on to the staff (ticket #{number}).", number=1)
        added = last(await server.wait_for_messages(STAFF_GROUP, 2))
        assert MORE in (added.text or "") and "#1" in (added.text or "")
        assert "<i>" not in (added.html or "")

        # A staff member replies to the ticket: the person gets it, in their language.
        relayed = await staff_replies(server, NOUR, KIM, STAFF_ANSWER, ticket)
        relayed_text = relayed.text or ""
        assert STAFF_ANSWER in relayed_text and "#1" in relayed_text
        assert tr(bot, "ar", "Answer from the KI staff (ticket #{number}):", number=1) in (
            relayed_text
        )
        note = tr(bot, "ar", "(The staff answered in German.)")
        assert note in relayed_text and note != "(The staff answered in German.)"
        assert "<Pass>" not in (relayed.html or "")
        assert "Kim" not in relayed_text and "kim_ki" not in relayed_text
        assert len(server.messages_to(STAFF_GROUP)) == 2  # a relayed answer needs no receipt

        # Chatter in the staff group that replies to no ticket gets no reaction at all.
        morning = server.send_group_text(STAFF_GROUP, LENA, "Guten Morgen zusammen!")
        morning_id = server.update(morning)["message"]["message_id"]
        chatter = [
            morning,
            server.send_group_text(STAFF_GROUP, LENA, "/close"),  # not a reply: no ticket
            server.send_group_text(STAFF_GROUP, KIM, "Moin!", reply_to=morning_id),
        ]
        # … and nothing said in another group the bot is in, not even a reply or a command.
        chatter += [
            server.send_group_text(OTHER_GROUP, KIM, "Hallo Bot"),
            server.send_group_text(OTHER_GROUP, NOUR, "/help"),
            server.send_group_text(OTHER_GROUP, NOUR, "سؤال: أين مكتب الأجانب؟"),
        ]
        for update_id in chatter:
            await handled(server, bot, update_id)
        await asyncio.sleep(SETTLE)
        assert len(server.messages_to(STAFF_GROUP)) == 2
        assert server.messages_to(OTHER_GROUP) == []
        assert len(server.messages_to(NOUR)) == 12  # nothing new since the relayed answer

        # /close as a reply closes the ticket: the person is told, the group gets a receipt.
        closed = await staff_replies(server, NOUR, LENA, "/close", ticket)
        assert closed.text == tr(
            bot,
            "ar",
            "The staff closed ticket #{number}. Write to me at any time if you need more help.",
            number=1,
        )
        receipt = last(await server.wait_for_messages(STAFF_GROUP, 3))
        assert receipt.text == tr(bot, "de", "Ticket #{number} is closed.", number=1)

        # A late answer to a closed ticket is not relayed; the group is told why.
        late = await staff_replies(server, STAFF_GROUP, KIM, "Noch etwas?", ticket)
        assert late.text == receipt.text
        assert len(server.messages_to(NOUR)) == 13

        # The person's words are questions again, not ticket messages.
        answer = await exchange(server, NOUR, lambda: server.send_text(NOUR, "وين الجوب سنتر؟"), 1)
        assert "Jobcenter" in (answer[0].text or "")
    assert len(server.messages_to(STAFF_GROUP)) == 4
    group_text = "\n".join(message.text or "" for message in server.messages_to(STAFF_GROUP))
    for secret in (NOUR_NAME, "Haddad", NOUR_HANDLE, str(NOUR)):
        assert secret not in group_text
    refused = [call for call in server.calls_of("sendMessage") if call.status != 200]
    assert refused == []


async def test_in_privacy_mode_the_bot_still_gets_the_replies_to_its_tickets(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, username=NOUR_HANDLE, language_code="ar")
    add_staff_group(server, bot_is_admin=False)  # Telegram's default for a bot in a group
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await start_by_link(server, NOUR, "ar")
        ticket = await open_ticket(server, bot, NOUR)
        chatter = server.send_group_text(STAFF_GROUP, LENA, "Guten Morgen zusammen!")
        assert chatter not in server.pending_update_ids()  # Telegram keeps it from the bot
        relayed = await staff_replies(server, NOUR, KIM, STAFF_ANSWER, ticket)
        assert STAFF_ANSWER in (relayed.text or "") and "#1" in (relayed.text or "")
        closed = await staff_replies(server, NOUR, KIM, "/close", ticket)
        assert "#1" in (closed.text or "")
        receipt = last(await server.wait_for_messages(STAFF_GROUP, 2))
        assert receipt.text == tr(bot, "de", "Ticket #{number} is closed.", number=1)


async def test_close_with_the_bot_name_closes_the_ticket(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, language_code="ar")
    add_staff_group(server)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await start_by_link(server, NOUR, "ar")
        ticket = await open_ticket(server, bot, NOUR)
        # Picking /close from the command menu in a group sends "/close@<bot>".
        closed = await staff_replies(server, NOUR, KIM, "/close@wegweiser_test_bot", ticket)
    assert closed.text == tr(
        bot,
        "ar",
        "The staff closed ticket #{number}. Write to me at any time if you need more help.",
        number=1,
    )


async def test_an_answer_sent_right_before_close_reaches_the_person_first(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, language_code="ar")
    add_staff_group(server)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await start_by_link(server, NOUR, "ar")
        ticket = await open_ticket(server, bot, NOUR)
        before = len(server.messages_to(NOUR))
        server.delay("sendMessage", 1.0, count=1)  # a slow network for the answer only
        server.send_group_text(STAFF_GROUP, KIM, STAFF_ANSWER, reply_to=ticket.message_id)
        await server.wait_until(lambda: server.delayed_calls)
        server.send_group_text(STAFF_GROUP, KIM, "/close", reply_to=ticket.message_id)
        relayed, closed = (await server.wait_for_messages(NOUR, before + 2))[before:]
    assert STAFF_ANSWER in (relayed.text or "")  # the answer first, as the staff sent it
    assert "#1" in (closed.text or "") and STAFF_ANSWER not in (closed.text or "")


async def test_a_429_on_handover_messages_is_waited_out(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, language_code="ar")
    add_staff_group(server)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP):
        await start_by_link(server, NOUR, "ar")
        _answer, offer = await exchange(server, NOUR, lambda: server.send_text(NOUR, QUESTION), 2)
        # Telegram refuses the ticket post once (a staff group takes 20 messages a minute).
        server.fail_next("sendMessage", 429, retry_after=1)
        [opened] = await exchange(
            server, NOUR, lambda: server.press_button(NOUR, offer.message_id, "handover:yes"), 1
        )
        assert "#1" in (opened.text or ""), opened.text
        [ticket] = await server.wait_for_messages(STAFF_GROUP, 1)
        server.fail_next("sendMessage", 429, retry_after=1)
        relayed = await staff_replies(server, NOUR, KIM, STAFF_ANSWER, ticket)
        assert STAFF_ANSWER in (relayed.text or "")
        assert len(server.messages_to(STAFF_GROUP)) == 1  # no "not delivered" notice


async def start_in_ukrainian(server: BotApiServer, bot: RunningBot) -> SentMessage:
    """Olena starts by deep link (Ukrainian, Kreis Viersen) and consents; returns the invite."""
    server.add_user(OLENA, "Olena", username="olena_k", language_code="uk")
    return await start_by_link(server, OLENA, "uk")


async def assert_still_answers_in_ukrainian(server: BotApiServer, bot: RunningBot) -> None:
    """A normal question afterwards: answered in Ukrainian for Kreis Viersen, settings kept."""
    [answer] = await exchange(
        server, OLENA, lambda: server.send_text(OLENA, "Мені потрібна допомога з боргами"), 1
    )
    text = answer.text or ""
    assert "Schuldner- und Insolvenzberatung (Diakonie im Kreis Viersen)" in text
    headings = ("These advice centres can help you:", "This advice centre can help you:")
    assert any(tr(bot, "uk", heading) in text for heading in headings), text


@pytest.mark.slow
async def test_bad_input_gets_clear_replies_and_the_bot_keeps_answering(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    async with telegram_bot(server, database_url, clock) as bot:
        invite = await start_in_ukrainian(server, bot)
        write_as_text = tr(bot, "uk", "Please write your question as text.")
        unknown_command = tr(
            bot, "uk", "I do not know this command. Send /help to see what I can do."
        )
        limit = format_decimal(4096, locale=babel_locale("uk"))
        too_long = tr(
            bot,
            "uk",
            "Your message is too long. Please write at most {limit} characters.",
            limit=limit,
        )
        write_again = tr(bot, "uk", "Please write your question again.")
        cases: list[tuple[str, Callable[[], object], str | None]] = [
            ("only spaces", lambda: server.send_text(OLENA, "   \n\t  "), write_as_text),
            ("a sticker", lambda: server.send_sticker(OLENA, "🙂"), write_as_text),
            ("a photo without caption", lambda: server.send_photo(OLENA), write_as_text),
            ("an unknown command", lambda: server.send_text(OLENA, "/foobar x"), unknown_command),
            (
                "an unknown command for this bot",
                lambda: server.send_text(OLENA, "/FooBar@wegweiser_test_bot"),
                unknown_command,
            ),
            # Telegram apps split longer pastes; the bot's own limit must hold regardless.
            ("5000 characters", lambda: server.send_text(OLENA, "ы" * 5000), too_long),
            (
                "a forged handover button without a question",
                lambda: server.press_button(OLENA, invite.message_id, "handover:yes", forge=True),
                write_again,
            ),
            (
                "combining marks piled up",
                lambda: server.send_text(
                    OLENA, "e\u0301\u0301\u0301\u0301 Z\u0334\u0321a\u0336l\u0337g\u0338o\u0335"
                ),
                None,
            ),
            (
                "a right-to-left override",
                lambda: server.send_text(OLENA, "\u202eМені потрібна допомога з боргами"),
                None,
            ),
            (
                "a 4096-character paste",
                lambda: server.send_text(
                    OLENA, ("Мені потрібна допомога з боргами. " * 130)[:4096]
                ),
                None,
            ),
            (
                "markup in a question",
                lambda: server.send_text(OLENA, "Борги <b>x</b> & <script>alert(1)</script>"),
                None,
            ),
        ]
        for what, act, expected in cases:
            [reply] = await exchange(server, OLENA, act, 1)
            assert reply.text, what
            if expected is not None:
                assert reply.text == expected, what
            else:
                assert reply.text not in (write_as_text, unknown_command, too_long), what
        answers = server.messages_to(OLENA)[-4:]
        assert "Schuldner" in (answers[1].text or "")  # the RTL override did not hide it
        assert "Schuldner" in (answers[2].text or "")  # 4096 characters are not too many
        await assert_still_answers_in_ukrainian(server, bot)
    everything = server.messages_to(OLENA)
    assert "<script>" not in sent_html(everything)
    assert [call for call in server.calls_of("sendMessage") if call.status != 200] == []


async def test_invisible_text_is_treated_like_empty_text(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    add_staff_group(server)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await start_in_ukrainian(server, bot)
        write_as_text = tr(bot, "uk", "Please write your question as text.")
        for invisible in ("\u200b\u200b\u2060", "\u200f\u200e\ufeff", " \u200b \u00ad "):
            replies = await exchange(server, OLENA, partial(server.send_text, OLENA, invisible), 1)
            assert [reply.text for reply in replies] == [write_as_text], repr(invisible)
        assert server.messages_to(STAFF_GROUP) == []  # and no handover offered for nothing


async def test_invisible_text_in_an_open_ticket_is_not_posted_to_the_staff(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    server.add_user(NOUR, NOUR_NAME, language_code="ar")
    add_staff_group(server)
    async with telegram_bot(server, database_url, clock, staff_group=STAFF_GROUP) as bot:
        await start_by_link(server, NOUR, "ar")
        await open_ticket(server, bot, NOUR)
        [reply] = await exchange(
            server, NOUR, lambda: server.send_text(NOUR, "\u200b\u2060\u200b"), 1
        )
        assert reply.text == tr(bot, "ar", "Please write your question as text.")
        assert len(server.messages_to(STAFF_GROUP)) == 1  # only the ticket itself


async def test_a_forged_consent_value_erases_nothing(
    server: BotApiServer, database_url: str, clock: FixedClock
) -> None:
    async with telegram_bot(server, database_url, clock) as bot:
        invite = await start_in_ukrainian(server, bot)
        [reply] = await exchange(
            server,
            OLENA,
            lambda: server.press_button(OLENA, invite.message_id, "consent:maybe", forge=True),
            1,
        )
        assert reply.text  # something clear, e.g. that the button is not valid
        user = await bot.app.services.users.get_or_create(
            "telegram", str(OLENA), str(OLENA), clock.now()
        )
        assert (user.locale, user.region) == ("uk", "viersen")
        assert user.consent_at is not None
        await assert_still_answers_in_ukrainian(server, bot)
