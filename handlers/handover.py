"""Handover to KI staff: a numbered ticket in the staff room, replies relayed both ways.

The staff room sees the question, the person's language and region, never
their name or handle. The words go straight through (never stored); the
database keeps only which staff-room message belongs to which ticket.
"""

from __future__ import annotations

from bot.core.context import Context, Services
from bot.core.messages import Incoming, Reply
from bot.core.sanitize import has_words
from bot.core.transport import Delivery, Outcome
from bot.i18n import _
from bot.i18n.locales import is_rtl, language_name
from bot.storage.ticket_repository import Ticket
from bot.storage.user_repository import User
from handlers import ask

STEP_TICKET = "ticket"
CLOSE_COMMANDS = ("/close", "/schließen", "/schliessen")


async def chose(context: Context) -> list[Reply]:
    """The person agreed to the handover (or not)."""
    services = context.services
    question = services.pending.pop(context.user.id, context.now)
    if context.choice_value != "yes":
        return context.reply(_("All right. You can ask me something else at any time."))
    if question is None:
        return context.reply(_("Please write your question again."))
    return await open_ticket(context, question)


async def open_ticket(context: Context, question: str) -> list[Reply]:
    """Open a ticket with the question, post it to the staff room, tell the person."""
    services = context.services
    if not services.relay.has_room:
        return context.reply(_("Sorry, handing over to a person is not possible here."))
    user = context.user
    ticket = await services.tickets.open(user.id, context.locale, user.region, context.now)
    delivery = await _post(services, ticket, _staff_ticket_text(services, ticket, question))
    if delivery.outcome is not Outcome.SENT:
        await services.tickets.discard(ticket.id)
        return context.reply(
            _("Sorry, I could not reach the staff just now. Please try again later.")
        )
    await services.stats.count(context.now, "handover", context.locale, user.region)
    await context.update_user(step=STEP_TICKET)
    text = _(
        "Done: your question is ticket #{number}. The staff will answer here. "
        "Everything you write now goes to them too; send /done when you are finished."
    ).format(number=ticket.id)
    return context.reply(text)


async def typed_in_ticket(context: Context) -> list[Reply]:
    """While a ticket is open, the person's messages go to the staff room too."""
    services = context.services
    ticket = await services.tickets.open_for(context.user.id)
    if ticket is None:
        await context.update_user(step=None)
        return await ask.question(context)
    if not has_words(context.text):
        return context.reply(_("Please write your question as text."))
    emergency = services.answering.emergency_reply(context.text, context.now, context.locale)
    with services.catalogs.use(services.default_locale):
        line = _("Ticket #{number}, the person adds:").format(number=ticket.id)
    delivery = await _post(services, ticket, f"🎫 {line}\n\n{context.text}")
    replies = [emergency] if emergency is not None else []
    if delivery.outcome is Outcome.SENT:
        replies += context.reply(_("Passed on to the staff (ticket #{number}).").format(
            number=ticket.id
        ))  # fmt: skip
    else:
        replies += context.reply(_("Sorry, I could not reach the staff just now."))
    return replies


async def done(context: Context) -> list[Reply]:
    """``/done``: the person ends their ticket."""
    services = context.services
    ticket = await services.tickets.open_for(context.user.id)
    await context.update_user(step=None)
    if ticket is None:
        return context.reply(_("You have no open question with the staff."))
    await services.tickets.close(ticket.id, context.now)
    with services.catalogs.use(services.default_locale):
        note = _("Ticket #{number} was closed by the person.").format(number=ticket.id)
    await _post(services, ticket, f"🎫 {note}")
    return context.reply(_("Ticket #{number} is closed. Thank you!").format(number=ticket.id))


async def staff_message(services: Services, incoming: Incoming) -> list[Reply]:
    """A message in the staff room: a reply to a ticket is relayed; ``/close`` closes it."""
    text = (incoming.text or "").strip()
    if incoming.reply_to is None or not text:
        return []
    ticket = await services.tickets.by_post(
        incoming.transport, incoming.chat_id, incoming.reply_to
    )
    if ticket is None:
        return []
    now = services.clock.now()
    with services.catalogs.use(services.default_locale):
        if not ticket.is_open:
            return [Reply.plain(_("Ticket #{number} is closed.").format(number=ticket.id))]
        user = await services.users.get(ticket.user_id)
        if user is None or user.chat_id is None:
            return [Reply.plain(_("The person of ticket #{number} has deleted their data.").format(
                number=ticket.id
            ))]  # fmt: skip
        if text.split()[0].split("@", 1)[0].casefold() in CLOSE_COMMANDS:
            await services.tickets.close(ticket.id, now)
            await _tell_person(services, user, ticket, closed=True)
            return [Reply.plain(_("Ticket #{number} is closed.").format(number=ticket.id))]
    delivery = await _tell_person(services, user, ticket, answer=text)
    await services.tickets.touch(ticket.id, now)
    with services.catalogs.use(services.default_locale):
        if delivery.outcome is Outcome.SENT:
            return []
        return [Reply.plain(_("Not delivered to ticket #{number}: {reason}").format(
            number=ticket.id, reason=delivery.reason or delivery.outcome.value
        ))]  # fmt: skip


async def _tell_person(
    services: Services, user: User, ticket: Ticket, answer: str = "", closed: bool = False
) -> Delivery:
    locale = user.locale or services.default_locale
    with services.catalogs.use(locale):
        if closed:
            await services.users.save(user.with_changes(step=None))
            text = _(
                "The staff closed ticket #{number}. Write to me at any time if you need more help."
            ).format(number=ticket.id)
        else:
            head = "💬 " + _("Answer from the KI staff (ticket #{number}):").format(
                number=ticket.id
            )
            text = f"{head}\n\n{answer}"
            in_german = services.answering.detect_locale(answer) == "de"
            if in_german and not locale.startswith("de"):
                text += "\n\n" + _("(The staff answered in German.)")
    assert user.chat_id is not None
    return await services.relay.to_chat(
        user.transport, user.chat_id, Reply.plain(text, rtl=is_rtl(locale))
    )


def _staff_ticket_text(services: Services, ticket: Ticket, question: str) -> str:
    staff_locale = services.default_locale
    with services.catalogs.use(staff_locale):
        region = services.answering.directory.region(ticket.region or "")
        details = _("Language: {language} · Region: {region}").format(
            language=language_name(ticket.locale, staff_locale),
            region=region.name if region else "–",
        )
        head = _("Ticket #{number}: a question for the staff").format(number=ticket.id)
        hint = _("Reply to this message to answer; reply /close to close the ticket.")
    return f"🎫 {head}\n{details}\n\n{question}\n\n{hint}"


async def _post(services: Services, ticket: Ticket, text: str) -> Delivery:
    delivery = await services.relay.to_room(Reply.plain(text))
    if delivery.outcome is Outcome.SENT and services.relay.room is not None:
        transport, chat_id = services.relay.room
        for message_id in delivery.message_ids:
            await services.tickets.record_post(
                ticket.id, transport, chat_id, message_id, services.clock.now()
            )
    return delivery
