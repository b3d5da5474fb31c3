"""Conversations on the console transport, in process, against a real SQLite database."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.app import App
from bot.core.messages import Incoming
from bot.i18n.bidi import RLM
from bot.storage.models import UserRow
from bot.transports.console import ConsoleTransport


async def chat(app: App, *lines: str, hint: str | None = None, user: str = "amal") -> str:
    stdout = io.StringIO()
    transport = ConsoleTransport(
        user=user, language_hint=hint, stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=stdout,
    )  # fmt: skip
    await transport.run(app.handle)
    return stdout.getvalue()


async def stored_user(app: App, external_id: str) -> UserRow:
    async with app.database.session() as session:
        row = await session.scalar(select(UserRow).where(UserRow.external_id == external_id))
    assert row is not None
    return row


async def test_onboarding_by_numbers_then_a_question(app: App) -> None:
    out = await chat(app, "1", "2", "19", "وين الجوب سنتر؟", hint="ar")
    first_screen = out.split("\n\n")[0]
    assert "1) العربية" in first_screen  # the hinted language comes first
    assert "Українська" in first_screen and "Türkçe" in first_screen
    assert "Kreis Steinfurt" in out
    assert "Jobcenter Kreis Steinfurt" in out
    answer = out[out.index("Jobcenter Kreis Steinfurt") - 10 :]
    assert answer.count(RLM) >= 5  # every line of the Arabic answer is laid out right to left
    row = await stored_user(app, "amal")
    assert (row.locale, row.region_key, row.town) == ("ar", "steinfurt", "Rheine")


async def test_a_question_instead_of_a_language_skips_onboarding(app: App) -> None:
    out = await chat(app, "Ich brauche Hilfe bei meinen Schulden in Kempen")
    assert "Schuldner" in out
    row = await stored_user(app, "amal")
    assert row.locale == "de"
    assert row.onboarded


async def test_region_is_asked_once_when_it_matters(app: App) -> None:
    out = await chat(app, "2", "Skip", "I need a German course", "3", "debts")
    assert "In which region do you live?" in out
    assert out.count("In which region do you live?") == 1
    after_choice = out.split("In which region do you live?")[1]
    assert "VHS" in after_choice or "Volkshochschule" in after_choice
    assert "Rhein-Sieg" in after_choice or "Siegburg" in after_choice
    row = await stored_user(app, "amal")
    assert row.region_key == "rhein-sieg"


async def test_commands_help_privacy_and_unknown(app: App) -> None:
    out = await chat(app, "1", "/help", "/privacy", "/nonsense", "/region", "1", "Skip")
    assert "/language" in out and "/privacy" in out
    assert "Kreis Viersen" in out
    assert "/help" in out


async def test_forged_button_data_is_answered_politely(app: App) -> None:
    replies = await app.handle(Incoming("console", "x", "x", choice="evil:payload"))
    assert "no longer valid" in replies[0].text or "nicht mehr" in replies[0].text
    replies = await app.handle(Incoming("console", "x", "x", choice="town:999"))
    assert replies  # an unknown town index finishes onboarding without a crash


async def test_each_identity_is_its_own_user(app: App) -> None:
    await chat(app, "1", user="a")
    await chat(app, "2", user="b")
    first, second = await stored_user(app, "a"), await stored_user(app, "b")
    assert (first.locale, second.locale) == ("de", "en")
