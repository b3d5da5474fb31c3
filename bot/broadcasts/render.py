"""Announcements, previews, approval requests and delivery reports as replies."""

from __future__ import annotations

from babel.dates import format_datetime
from babel.numbers import format_decimal

from bot.broadcasts.model import (
    AWAITING_APPROVAL,
    CANCELLED,
    DONE,
    REJECTED,
    SCHEDULED,
    SENDING,
    SOURCE_LANGUAGE,
    Broadcast,
    Report,
)
from bot.core.builder import ReplyBuilder
from bot.core.messages import Choice, Reply, Span, Style
from bot.i18n import N_, _
from bot.i18n.locales import babel_locale, is_rtl
from bot.storage import ledger

STATUS_NAMES = {
    AWAITING_APPROVAL: N_("waiting for approval"),
    SCHEDULED: N_("scheduled"),
    SENDING: N_("sending"),
    DONE: N_("delivered"),
    CANCELLED: N_("cancelled"),
    REJECTED: N_("rejected"),
}


def number(value: int, locale: str) -> str:
    """A count written the locale's way."""
    return format_decimal(value, locale=babel_locale(locale))


def moment(value: object, locale: str, zone: str) -> str:
    """A date and time in the locale's medium format and the directory's zone."""
    return format_datetime(value, "medium", tzinfo=zone, locale=babel_locale(locale))  # type: ignore[arg-type]


def announcement(texts: dict[str, str], locale: str) -> Reply:
    """The announcement exactly as a recipient with ``locale`` reads it.

    Without a version in their language they get the German text, after a
    one-line note in their language.
    """
    builder = ReplyBuilder(is_rtl(locale))
    builder.line(Span("📢 " + _("Announcement from the Integration Centre"), Style.BOLD))
    body_language = locale if texts.get(locale) else SOURCE_LANGUAGE
    if body_language != locale:
        builder.line("ℹ️ " + _("This announcement is only available in German."))
    builder.blank()
    foreign = is_rtl(body_language) != builder.rtl
    for line in texts.get(body_language, "").splitlines() or [""]:
        builder.line(builder.ltr(line) if foreign else line)
    return builder.build()


def summary(broadcast: Broadcast, locale: str, zone: str, region_names: dict[str, str]) -> str:
    """One paragraph: number, audience, languages, state and timing."""
    lines = [
        _("Announcement {id}").format(id=broadcast.id) + " · " + _(STATUS_NAMES[broadcast.status]),
        _("Audience: {audience}").format(
            audience=broadcast.audience.describe(locale, region_names)
        ),
        _("Versions: {languages}").format(languages=", ".join(sorted(broadcast.texts))),
    ]
    if broadcast.send_at is not None and broadcast.status in (AWAITING_APPROVAL, SCHEDULED):
        lines.append(_("Sending at {time}").format(time=moment(broadcast.send_at, locale, zone)))
    return "\n".join(lines)


def report_reply(
    report: Report,
    locale: str,
    zone: str,
    region_names: dict[str, str],
    choices: tuple[Choice, ...] = (),
) -> Reply:
    """The delivery report: sent, not reachable, failed with reasons, unknown, pending."""
    builder = ReplyBuilder(is_rtl(locale))
    broadcast = report.broadcast
    builder.line(Span("📊 " + _("Delivery report"), Style.BOLD))
    for line in summary(broadcast, locale, zone, region_names).splitlines():
        builder.line(line)
    if broadcast.queued_at is not None:
        rows = (
            ("✅", _("sent"), report.count(ledger.SENT)),
            ("🚫", _("not reachable (blocked the bot)"), report.count(ledger.BLOCKED)),
            ("⚠️", _("failed"), report.count(ledger.FAILED)),
            (
                "❔",
                _("unknown (crashed or unanswered while sending, not sent again)"),
                report.count(ledger.UNKNOWN),
            ),
            ("⏳", _("still to send"), report.count(ledger.PENDING, ledger.SENDING)),
            ("✖️", _("not sent (cancelled)"), report.count(ledger.CANCELLED)),
        )
        builder.blank()
        builder.line(_("Recipients: {count}").format(count=number(broadcast.recipients, locale)))
        for icon, label, count in rows:
            if count or icon in ("✅", "⚠️"):
                builder.line(f"{icon} {label}: ", builder.ltr(number(count, locale)))
        for reason, count in sorted(report.failures.items(), key=lambda item: -item[1])[:5]:
            builder.line("   · ", builder.ltr(f"{reason} ({number(count, locale)})"))
    return builder.build(choices)


def approval_request(
    broadcast: Broadcast, locale: str, zone: str, region_names: dict[str, str]
) -> Reply:
    """To other staff: the summary, the German version as recipients see it, Approve / Reject."""
    builder = ReplyBuilder(is_rtl(locale))
    builder.line(Span("🖊️ " + _("Please approve this announcement"), Style.BOLD))
    builder.line(_("from {author}").format(author=broadcast.author))
    for line in summary(broadcast, locale, zone, region_names).splitlines():
        builder.line(line)
    builder.blank()
    choices = (
        Choice(_("Approve"), f"bcapprove:{broadcast.id}"),
        Choice(_("Reject"), f"bcreject:{broadcast.id}"),
    )
    head = builder.build(choices)
    body = announcement(broadcast.texts, SOURCE_LANGUAGE)
    return Reply((*head.spans, Span("\n"), *body.spans), choices, rtl=head.rtl)


def decision(broadcast: Broadcast, approved: bool, by: str, locale: str) -> Reply:
    """To the author: a second staff member approved or rejected the announcement."""
    if approved:
        text = _("Announcement {id} was approved by {who}.")
    else:
        text = _("Announcement {id} was rejected by {who}. Nothing was sent.")
    return Reply.plain(text.format(id=broadcast.id, who=by), rtl=is_rtl(locale))
