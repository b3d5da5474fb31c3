"""Staff follow their announcements: `/broadcasts` lists them; each has its report,
and open ones can be cancelled, approved or rejected."""

from __future__ import annotations

from bot.broadcasts.model import AWAITING_APPROVAL, Broadcast
from bot.broadcasts.render import STATUS_NAMES, report_reply
from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.storage.broadcast_repository import Decision


def _first_words(broadcast: Broadcast) -> str:
    text = " ".join(broadcast.texts.get("de", "").split())
    return text if len(text) <= 30 else text[:29] + "…"


async def list_broadcasts(context: Context) -> list[Reply]:
    """``/broadcasts``: the newest announcements as buttons."""
    recent = await context.services.broadcasts.recent(limit=10)
    if not recent:
        return context.reply(_("There are no announcements yet. Send /broadcast to write one."))
    choices = tuple(
        Choice(
            f"{item.id} · {_(STATUS_NAMES[item.status])} · {_first_words(item)}"[:60],
            f"bcshow:{item.id}",
        )
        for item in recent
    )
    return context.reply(_("Which announcement?"), choices)


async def show(context: Context) -> list[Reply]:
    """The report of one announcement, with what can still be done about it."""
    value = context.choice_value
    report = await context.services.broadcasts.report(int(value)) if value.isdigit() else None
    if report is None:
        return context.reply(_("This announcement does not exist."))
    broadcast = report.broadcast
    choices: list[Choice] = []
    if broadcast.status == AWAITING_APPROVAL and broadcast.author != context.identity:
        choices.append(Choice(_("Approve"), f"bcapprove:{broadcast.id}"))
        choices.append(Choice(_("Reject"), f"bcreject:{broadcast.id}"))
    if broadcast.open:
        choices.append(Choice(_("Cancel it"), f"bccancel:{broadcast.id}"))
    directory = context.services.answering.directory
    names = {region.key: region.name for region in directory.regions}
    return [report_reply(report, context.locale, directory.timezone, names, tuple(choices))]


async def cancel_pressed(context: Context) -> list[Reply]:
    """Ask once more before cancelling."""
    value = context.choice_value
    choices = (Choice(_("Yes, cancel it"), f"bccancelok:{value}"), Choice(_("No"), "bccancelok:-"))
    return context.reply(
        _("Really cancel this announcement? Unsent messages are dropped."), choices
    )


async def cancel_confirmed(context: Context) -> list[Reply]:
    """Cancel it: nothing more goes out."""
    value = context.choice_value
    if not value.isdigit():
        return context.reply(_("Nothing was cancelled."))
    result = await context.services.broadcasts.cancel(int(value), context.identity, context.now)
    if result is Decision.DONE:
        return context.reply(_("Cancelled. Messages already sent cannot be taken back."))
    if result is Decision.NOT_OPEN:
        return context.reply(_("It is already finished; nothing was cancelled."))
    return context.reply(_("Nothing was cancelled."))


async def approve(context: Context) -> list[Reply]:
    """A second staff member approves."""
    return await _decide(context, approved=True)


async def reject(context: Context) -> list[Reply]:
    """A second staff member rejects."""
    return await _decide(context, approved=False)


async def _decide(context: Context, approved: bool) -> list[Reply]:
    value = context.choice_value
    if not value.isdigit():
        return context.reply(_("This announcement does not exist."))
    broadcasts = context.services.broadcasts
    decide = broadcasts.approve if approved else broadcasts.reject
    result = await decide(int(value), context.identity, context.now)
    if result is Decision.OWN:
        return context.reply(_("A second staff member must approve; you wrote it yourself."))
    if result is Decision.NOT_OPEN:
        return context.reply(_("It no longer waits for approval."))
    if result is Decision.NOT_FOUND:
        return context.reply(_("This announcement does not exist."))
    context.services.outbox.set()
    if approved:
        return context.reply(_("Approved. It goes out as planned."))
    return context.reply(_("Rejected. Nothing is sent."))
