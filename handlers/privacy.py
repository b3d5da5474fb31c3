"""Everyone's data rights: `/mydata` shows all that is stored, `/delete` erases it."""

from __future__ import annotations

import json

from bot.core.context import Context
from bot.core.messages import Attachment, Choice, Reply
from bot.i18n import _
from bot.i18n.locales import is_rtl


async def my_data(context: Context) -> list[Reply]:
    """``/mydata``: a summary and a JSON file of everything stored about the user."""
    data = await context.services.privacy.export(context.user.id)
    account = data.get("account", {})
    lines = [
        "🔒 " + _("Everything I store about you is in the attached file."),
        _("Your id on this platform: {id}").format(
            id=f"{account.get('platform')}:{account.get('id')}"
        ),
        _("MSO links: {count}").format(count=len(data.get("mso_links", []))),
        _("Subscriptions: {count}").format(count=len(data.get("subscriptions", []))),
        _("Reminders you asked for: {count}").format(
            count=len(data.get("reminders_asked_for", []))
        ),
        _("I never store the text of your questions."),
        _("Send /delete to erase all of it."),
    ]
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    attachment = Attachment("wegweiser-my-data.json", content, "application/json")
    reply = Reply.plain("\n".join(lines), rtl=is_rtl(context.locale))
    return [Reply(reply.spans, rtl=reply.rtl, attachment=attachment)]


async def delete(context: Context) -> list[Reply]:
    """``/delete``: ask once more."""
    choices = (Choice(_("Yes, delete everything"), "erase:yes"), Choice(_("No"), "erase:no"))
    text = _(
        "Delete everything I store about you: language, region, town, subscriptions, "
        "MSO links and reminders? This cannot be undone."
    )
    return context.reply(text, choices)


async def delete_confirmed(context: Context) -> list[Reply]:
    """Erase the user, or keep everything."""
    if context.choice_value != "yes":
        return context.reply(_("Nothing was deleted."))
    await _erase(context)
    return context.reply(
        _("Done: everything I stored about you is deleted. Send /start to begin again.")
    )


def consent_choices() -> tuple[Choice, ...]:
    """Agree to storage, or not (which erases everything)."""
    return (Choice(_("Yes, I agree"), "consent:yes"), Choice(_("No"), "consent:no"))


async def consent_given(context: Context) -> list[Reply]:
    """The answer to the consent question: record it, or erase the person at once."""
    if context.choice_value == "yes":
        await context.update_user(consent_at=context.now)
        return context.reply(
            _("Thank you. You can see your data with /mydata and erase it with /delete.")
        )
    if context.choice_value != "no":
        return context.reply(_("This button is no longer valid. Send /start to begin again."))
    await _erase(context)
    return context.reply(
        _(
            "All right: I have deleted what I stored about you. You can still ask me "
            "questions, but I will not remember your settings."
        )
    )


async def _erase(context: Context) -> None:
    services = context.services
    services.drafts.pop(context.user.id, None)
    services.pending.pop(context.user.id, context.now)
    services.pending_topics.pop(context.user.id, context.now)
    await services.privacy.erase(context.user.id)
