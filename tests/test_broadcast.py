"""Announcements: composed in chat, approved by a second staff member, delivered once per
person in their language, with a report; audiences, permissions, scheduling, cancelling."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.app import App, open_app
from bot.broadcasts.audience import AudienceError, parse_audience
from bot.config import BroadcastConfig, Config, DatabaseConfig, StaffConfig
from bot.core.clock import FixedClock
from bot.core.messages import Incoming, Reply
from bot.core.transport import Delivery, Outcome
from bot.i18n import _
from bot.serve import notice_sender
from bot.storage.broadcast_repository import Decision, Draft
from bot.storage.ledger import Ledger
from bot.storage.models import UserRow

ARABIC = "اجتماع مهم للجمعيات يوم الخميس في راينه."
UKRAINIAN = "Важлива зустріч для об'єднань у четвер у Райне."
GERMAN = "Wichtiges Treffen der Vereine am Donnerstag in Rheine.\nBitte anmelden."


@dataclass
class Recorder:
    """The outermost edge: a transport that records what each chat was sent."""

    name: str = "console"
    unreachable: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # the platform took it, then went quiet
    sent: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))

    async def run(self, on_message: object) -> None:  # pragma: no cover - never started
        raise NotImplementedError

    async def send(
        self, chat_id: str, reply: Reply, key: str = "", defer: bool = True
    ) -> Delivery:
        if chat_id in self.unreachable:
            return Delivery(
                Outcome.UNREACHABLE, reason="403 Forbidden: bot was blocked by the user"
            )
        self.sent[chat_id].append(reply)
        if chat_id in self.unanswered:
            return Delivery(Outcome.UNKNOWN, reason="sendMessage: no answer in time")
        return Delivery(Outcome.SENT, (str(len(self.sent[chat_id])),))

    def texts(self, chat_id: str) -> list[str]:
        return [reply.text for reply in self.sent.get(chat_id, [])]


async def open_staffed(database_url: str, clock: FixedClock, approval: bool) -> AsyncIterator[App]:
    config = Config(
        database=DatabaseConfig(url=database_url),
        staff=StaffConfig(("console:kim",)),
        broadcast=BroadcastConfig(require_approval=approval),
    )
    async with open_app(config, clock) as app:
        yield app


@pytest.fixture
async def staffed(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    async for app in open_staffed(database_url, clock, approval=False):
        yield app


@pytest.fixture
async def approving(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    async for app in open_staffed(database_url, clock, approval=True):
        yield app


async def say(app: App, who: str, text: str | None = None, choice: str | None = None) -> str:
    incoming = Incoming("console", who, who, text=text, choice=choice, language_hint="en")
    replies = await app.handle(incoming)
    return "\n\n".join(reply.text for reply in replies)


def translated(app: App, locale: str, message: str) -> str:
    with app.services.catalogs.use(locale):
        return _(message)


async def person(
    app: App,
    who: str,
    locale: str,
    region: str | None,
    town: str | None = None,
    mso: str | None = None,
) -> None:
    """Someone who has used the bot: language, region, town, maybe an MSO contact."""
    services = app.services
    user = await services.users.get_or_create("console", who, who, services.clock.now())
    await services.users.save(
        user.with_changes(locale=locale, region=region, town=town, onboarded=True)
    )
    if mso is not None:
        found = next(item for item in await services.community.msos() if item.name == mso)
        await services.community.join(found, user.id, services.clock.now())


async def people(app: App) -> None:
    now = app.services.clock.now()
    await app.services.community.add_mso("Deutsch-Arabischer Kulturverein", "steinfurt", now)
    await app.services.community.add_mso("Ukrainische Gemeinde Viersen", "viersen", now)
    await person(app, "samir", "ar", "steinfurt", "Rheine", mso="Deutsch-Arabischer Kulturverein")
    await person(app, "olena", "uk", "steinfurt", "Greven", mso="Deutsch-Arabischer Kulturverein")
    await person(app, "emre", "tr", "steinfurt", "Rheine", mso="Deutsch-Arabischer Kulturverein")
    await person(
        app, "jonas", "de", "steinfurt", "Ibbenbüren", mso="Deutsch-Arabischer Kulturverein"
    )
    await person(app, "iryna", "uk", "viersen", "Kempen", mso="Ukrainische Gemeinde Viersen")
    await person(app, "amal", "ar", "steinfurt", "Rheine")  # a newcomer, no MSO contact


async def deliver(app: App, recorder: Recorder) -> int:
    """Send everything due and close finished broadcasts (reports), until nothing is left."""
    sender = notice_sender(app, [recorder])  # type: ignore[list-item]
    handled = 0
    while True:
        sent = await sender.drain()
        await app.services.broadcasts.finish(app.services.clock.now())
        sent += await sender.drain()
        handled += sent
        if not sent:
            return handled


async def compose(app: App, who: str, *steps: tuple[str, str]) -> list[str]:
    """Run the /broadcast dialogue: ("text", …) types, ("choice", …) presses a button."""
    outputs = [await say(app, who, "/broadcast")]
    for kind, value in steps:
        if kind == "text":
            outputs.append(await say(app, who, text=value))
        else:
            outputs.append(await say(app, who, choice=value))
    return outputs


MSO_STEINFURT = (
    ("text", GERMAN),
    ("choice", "bclang:ar"),
    ("text", ARABIC),
    ("choice", "bclang:uk"),
    ("text", UKRAINIAN),
    ("choice", "bclang:-"),
    ("choice", "bcgroup:mso"),
    ("choice", "bcregion:steinfurt"),
    ("choice", "bctown:-"),
    ("choice", "bcaudlang:-"),
    ("choice", "bcwhen:now"),
)


async def test_second_staff_member_approves_and_everyone_gets_one_copy_in_their_language(
    approving: App,
) -> None:
    app = approving
    await people(app)
    await person(app, "kim", "en", None)
    await person(app, "lena", "en", None)
    assert "is now staff" in await say(app, "kim", "/staff grant console:lena")

    outputs = await compose(app, "kim", *MSO_STEINFURT)
    preview = outputs[-1]
    assert "Recipients now: 4" in preview
    assert "Preview for Arabic (1 recipients)" in preview
    assert "Preview for Turkish (1 recipients)" in preview
    assert "second staff member must approve" in preview
    sent = await say(app, "kim", choice="bcsend:yes")
    assert "waits for a second staff member's approval" in sent

    recorder = Recorder()
    await deliver(app, recorder)
    assert recorder.texts("samir") == []  # nothing goes out before the approval
    [request] = recorder.sent["lena"]
    assert (
        "Please approve this announcement" in request.text
        and GERMAN.split("\n")[0] in request.text
    )
    assert [choice.data for choice in request.choices] == ["bcapprove:1", "bcreject:1"]
    assert "you wrote it yourself" in await say(app, "kim", choice="bcapprove:1")

    assert "Approved" in await say(app, "lena", choice="bcapprove:1")
    assert "no longer waits" in await say(app, "lena", choice="bcapprove:1")
    await deliver(app, recorder)

    [arabic] = recorder.texts("samir")
    [ukrainian] = recorder.texts("olena")
    [turkish] = recorder.texts("emre")
    [german] = recorder.texts("jonas")
    header = "Announcement from the Integration Centre"
    note = "This announcement is only available in German."
    assert ARABIC in arabic and translated(app, "ar", header) in arabic
    assert UKRAINIAN in ukrainian and GERMAN not in ukrainian
    assert GERMAN.split("\n")[1] in turkish and translated(app, "tr", note) in turkish
    assert translated(app, "tr", note) != note
    assert GERMAN.split("\n")[1] in german and translated(app, "de", note) not in german
    assert recorder.texts("iryna") == [] and recorder.texts("amal") == []
    assert recorder.sent["samir"][0].rtl and not recorder.sent["olena"][0].rtl

    # The preview shows each language's message exactly as it was delivered.
    for delivered in (arabic, ukrainian, turkish, german):
        assert delivered in preview

    decision, report = recorder.texts("kim")
    assert "approved by console:lena" in decision
    assert "Delivery report" in report and "sent: 4" in report and "Recipients: 4" in report
    assert recorder.texts("lena")[1:] == []

    entries = [(entry.actor, entry.action) for entry in await app.services.staff.entries()]
    assert ("console:kim", "staff.grant") in entries
    assert ("console:kim", "broadcast.create") in entries
    assert ("console:lena", "broadcast.approve") in entries

    await deliver(app, recorder)  # nothing is sent twice
    assert sum(len(replies) for replies in recorder.sent.values()) == 4 + 1 + 2


async def test_a_rejected_announcement_sends_nothing(approving: App) -> None:
    app = approving
    await people(app)
    await person(app, "kim", "en", None)
    await person(app, "lena", "en", None)
    await app.services.staff.grant("console:lena", "console:kim", app.services.clock.now())
    await compose(app, "kim", *MSO_STEINFURT)
    await say(app, "kim", choice="bcsend:yes")
    assert "Rejected" in await say(app, "lena", choice="bcreject:1")
    recorder = Recorder()
    await deliver(app, recorder)
    assert recorder.texts("samir") == []
    assert "rejected by console:lena" in recorder.texts("kim")[0]


async def test_without_approval_it_goes_out_at_once_and_blocked_people_are_reported(
    staffed: App,
) -> None:
    app = staffed
    await people(app)
    await person(app, "kim", "en", None)
    outputs = await compose(
        app, "kim", ("text", GERMAN), ("choice", "bclang:-"), ("choice", "bcgroup:all"),
        ("choice", "bcregion:-"), ("choice", "bcaudlang:uk"), ("choice", "bcwhen:now"),
    )  # fmt: skip
    assert "Recipients now: 2" in outputs[-1]  # Olena and Iryna use Ukrainian
    assert "goes out to 2 people now" in await say(app, "kim", choice="bcsend:yes")
    recorder = Recorder(unreachable={"iryna"})
    await deliver(app, recorder)
    note = translated(app, "uk", "This announcement is only available in German.")
    assert len(recorder.texts("olena")) == 1 and note in recorder.texts("olena")[0]
    [report] = recorder.texts("kim")
    assert "sent: 1" in report and "not reachable (blocked the bot): 1" in report
    assert "403 Forbidden: bot was blocked by the user (1)" in report
    async with app.database.session() as session:
        iryna = await session.get(UserRow, 5)
    assert iryna is not None and iryna.external_id == "iryna" and not iryna.active


async def test_a_send_the_platform_never_answered_is_reported_unknown_and_not_repeated(
    staffed: App,
) -> None:
    app = staffed
    await people(app)
    await person(app, "kim", "en", None)
    await compose(
        app, "kim", ("text", GERMAN), ("choice", "bclang:-"), ("choice", "bcgroup:all"),
        ("choice", "bcregion:-"), ("choice", "bcaudlang:uk"), ("choice", "bcwhen:now"),
    )  # fmt: skip
    await say(app, "kim", choice="bcsend:yes")
    recorder = Recorder(unanswered={"iryna"})
    await deliver(app, recorder)
    await deliver(app, recorder)
    assert len(recorder.texts("iryna")) == 1  # it may have arrived: never a second copy
    assert len(recorder.texts("olena")) == 1
    [report] = recorder.texts("kim")
    assert "sent: 1" in report
    assert "unknown (crashed or unanswered while sending, not sent again): 1" in report


async def test_a_scheduled_announcement_waits_and_can_be_cancelled_while_sending(
    staffed: App, clock: FixedClock
) -> None:
    app = staffed
    await people(app)
    await person(app, "kim", "en", None)
    outputs = await compose(
        app, "kim", ("text", GERMAN), ("choice", "bclang:-"), ("choice", "bcgroup:newcomers"),
        ("choice", "bcregion:-"), ("choice", "bcaudlang:-"), ("choice", "bcwhen:later"),
        ("text", "19.11.2026 09:00"),
    )  # fmt: skip
    assert "Sending at" in outputs[-1] and "Recipients now: 1" in outputs[-1]
    assert "is scheduled" in await say(app, "kim", choice="bcsend:yes")
    broadcasts = app.services.broadcasts
    assert await broadcasts.release_due(clock.now()) == 0
    assert await broadcasts.next_due() == datetime.fromisoformat("2026-11-19T08:00:00+00:00")
    clock.set(clock.now() + timedelta(days=1))
    assert await broadcasts.release_due(clock.now()) == 1
    recorder = Recorder()
    await deliver(app, recorder)
    assert len(recorder.texts("amal")) == 1 and recorder.texts("samir") == []

    # A second one to everyone: three messages go out, then staff cancel it.
    draft = Draft("console:kim", None, {"de": "Zweite Nachricht"}, parse_audience("all", {}))
    second = await broadcasts.create(draft, clock.now(), require_approval=False)
    assert second.recipients == 7  # six people and kim
    ledger = Ledger(app.database)
    for notice in await ledger.claim({"console"}, clock.now(), 3):
        await ledger.sent(notice.id, "1", clock.now())
    shown = await say(app, "kim", choice=f"bcshow:{second.id}")
    assert "still to send: 4" in shown
    assert "Really cancel" in await say(app, "kim", choice=f"bccancel:{second.id}")
    assert "Cancelled" in await say(app, "kim", choice=f"bccancelok:{second.id}")
    assert await broadcasts.cancel(second.id, "console:kim", clock.now()) is Decision.NOT_OPEN
    await deliver(app, recorder)
    report = await broadcasts.report(second.id)
    assert report is not None and report.counts == {"sent": 3, "cancelled": 4}
    assert report.broadcast.finished_at is not None


async def test_audiences_combine_groups_regions_towns_and_languages(staffed: App) -> None:
    app = staffed
    await people(app)
    regions = {region.key: region.towns for region in app.services.answering.directory.regions}

    async def count(expression: str) -> int:
        return sum(
            (await app.services.broadcasts.count(parse_audience(expression, regions))).values()
        )

    assert await count("all") == 6
    assert await count("mso") == 5
    assert await count("newcomers") == 1
    assert await count("mso,region:steinfurt") == 4
    assert await count("mso,region:viersen,region:steinfurt") == 5
    assert await count("all,town:Rheine") == 3
    assert await count("region:steinfurt,lang:ar") == 2
    assert await count("mso,lang:ar,lang:uk") == 3
    assert await count("subscribers:arbeitskreis,region:viersen") == 1  # joining subscribes
    assert await count("subscribers:events") == 0
    for wrong in ("everyone", "mso,newcomers", "region:atlantis", "lang:xx", "town:Paris"):
        with pytest.raises(AudienceError):
            parse_audience(wrong, regions)


async def test_nobody_but_staff_can_broadcast_and_only_admins_grant(staffed: App) -> None:
    app = staffed
    await people(app)
    for text in ("/broadcast", "/broadcasts", "/staff", "/staff grant console:max"):
        assert "I do not know this command" in await say(app, "max", text)
    for forged in ("bcsend:yes", "bcapprove:1", "bccancelok:1", "bcshow:1", "staffrevoke:0"):
        assert "no longer valid" in await say(app, "max", choice=forged)
    assert await app.services.broadcasts.recent() == []

    await app.services.staff.grant("console:lena", "console:kim", app.services.clock.now())
    assert "Only admins" in await say(app, "lena", "/staff grant console:max")
    assert not await app.services.staff.is_staff("console:max")
    assert "New announcement" in await say(app, "lena", "/broadcast")
    listed = await say(app, "kim", "/staff")
    assert "console:kim (admin)" in listed and "console:lena (staff)" in listed
    assert "no longer staff" in await say(app, "kim", choice="staffrevoke:1")
    assert "I do not know this command" in await say(app, "lena", "/broadcast")
    assert "no longer valid" in await say(app, "lena", choice="bclang:-")
    assert "not an id" in await say(app, "kim", "/staff grant lena")
