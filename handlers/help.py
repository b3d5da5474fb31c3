"""Help and the privacy notice."""

from __future__ import annotations

from babel.dates import format_date

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.i18n.locales import babel_locale, is_rtl, native_name
from handlers import privacy as privacy_handlers


async def show_help(context: Context) -> list[Reply]:
    """``/help``: what the bot does and its commands."""
    lines = [
        _("I help you find the right advice centre near you — in your language."),
        _("Write your question in your own words, for example:"),
        "• " + _("I need help with my residence permit in Kempen."),
        "• " + _("Where can I learn German?"),
        "• " + _("I am 19 and looking for an apprenticeship."),
        "",
        _("Commands:"),
    ]
    lines.extend(f"/{name} — {_(help_text)}" for name, help_text in context.services.commands)
    return [Reply.plain("\n".join(lines), rtl=is_rtl(context.user.locale or ""))]


async def privacy(context: Context) -> list[Reply]:
    """``/privacy``: what is stored and why."""
    user = context.user
    directory = context.services.answering.directory
    region = directory.region(user.region or "")
    not_set = _("not set")
    lines = [
        "🔒 " + _("What I store about you:"),
        "• "
        + _("Language: {value}").format(
            value=native_name(user.locale) if user.locale else not_set
        ),
        "• " + _("Region: {value}").format(value=region.name if region else not_set),
        "• " + _("Town: {value}").format(value=user.town or not_set),
        _("I never store the text of your questions. Your settings are used only to answer you."),
        _(
            "Nobody else sees them. Only if you agree to pass a question to the staff of the "
            "Kommunales Integrationszentrum do they see it, with your language and region — "
            "not your name."
        ),
        _("Send /mydata to get everything I store about you, and /delete to erase it."),
    ]
    days = context.services.inactive_days
    if days:
        lines.append(
            _("If you do not write for {days} days, I delete everything about you.").format(
                days=days
            )
        )
    choices: tuple[Choice, ...] = ()
    if user.consent_at is not None:
        given = format_date(user.consent_at, "long", locale=babel_locale(context.locale))
        lines.append(_("You agreed to this on {date}.").format(date=given))
    else:
        lines.append(_("You have not agreed yet. Do you agree that I store this to help you?"))
        choices = privacy_handlers.consent_choices()
    return [Reply.plain("\n".join(lines), choices, rtl=is_rtl(user.locale or ""))]
