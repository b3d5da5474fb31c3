"""Deep links from flyers and QR codes (`/start lang-ar`, `region-…`, `topic-…`), any transport."""

from __future__ import annotations

from bot.app import App
from bot.core.messages import Incoming, Reply


async def send(app: App, text: str | None = None, choice: str | None = None) -> list[Reply]:
    return await app.handle(
        Incoming("telegram", "501", "501", text=text, choice=choice, language_hint="de")
    )


async def test_a_language_link_skips_the_language_question(app: App) -> None:
    replies = await send(app, "/start lang-uk")
    assert replies[0].text == "Мова: Українська"
    assert [c.data for c in replies[1].choices][:3] == [
        "region:viersen",
        "region:steinfurt",
        "region:rhein-sieg",
    ]


async def test_language_region_and_topic_from_one_link_show_the_centres_at_once(
    app: App,
) -> None:
    replies = await send(app, "/start lang-ar_region-steinfurt_topic-asylum")
    text = "\n".join(reply.text for reply in replies)
    assert "العربية" in replies[0].text
    asked = [choice.data for reply in replies for choice in reply.choices]
    assert asked == ["consent:yes", "consent:no"]  # nothing more to ask but consent
    assert "Steinfurt" in text and "Asylverfahrensberatung" in text
    assert "Viersen" not in text and "Siegburg" not in text


async def test_a_region_link_asks_only_the_language_then_answers_the_topic(app: App) -> None:
    replies = await send(app, "/start region-viersen_topic-debt")
    assert replies[0].choices[0].data == "lang:de"  # the hinted language first
    replies = await send(app, choice="lang:tr")
    text = "\n".join(reply.text for reply in replies)
    assert replies[0].text == "Dil: Türkçe"
    assert "Schuldnerberatung" in text and "Viersen" in text
    asked = [choice.data for reply in replies for choice in reply.choices]
    assert asked == ["consent:yes", "consent:no"]


async def test_unknown_link_parts_are_ignored(app: App) -> None:
    replies = await send(app, "/start lang-xx_region-mars_topic-magic")
    assert replies[0].choices[0].data == "lang:de"
    assert len(replies) == 1
