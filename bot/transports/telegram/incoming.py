"""Telegram updates as the core's :class:`Incoming` messages."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.core.messages import Incoming

TRANSPORT = "telegram"

# Updates the bot asks Telegram for; everything else is never delivered.
ALLOWED_UPDATES = ("message", "callback_query")


def language_hint(code: str | None) -> str | None:
    """The primary language of a Telegram ``language_code`` ("pt-br" → "pt")."""
    if not code:
        return None
    return code.split("-", 1)[0].lower()


def private_chat_key(update: Update) -> str | None:
    """The private chat an update belongs to, or None for groups, channels and the rest."""
    if update.callback_query is not None:
        message = update.callback_query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return None
        return str(message.chat.id)
    if update.message is not None and update.message.chat.type == ChatType.PRIVATE:
        return str(update.message.chat.id)
    return None


def staff_group_message(update: Update, staff_group: int) -> Incoming | None:
    """A text message in the staff group, with the message it replies to."""
    message = update.message
    if not staff_group or message is None or message.chat.id != staff_group:
        return None
    if message.from_user is None or message.from_user.is_bot or message.text is None:
        return None
    replied = message.reply_to_message
    return Incoming(
        transport=TRANSPORT,
        chat_id=str(message.chat.id),
        user_id=str(message.from_user.id),
        text=message.text,
        reply_to=str(replied.message_id) if replied is not None else None,
    )


def to_incoming(update: Update, staff_group: int = 0) -> Incoming | None:
    """The core message for a private-chat or staff-group update; None for anything else.

    Messages without text (photos, voice, stickers) become an Incoming without
    text, which the core answers with a request to write.
    """
    chat = private_chat_key(update)
    if chat is None:
        return staff_group_message(update, staff_group)
    query = update.callback_query
    if query is not None:
        return Incoming(
            transport=TRANSPORT,
            chat_id=chat,
            user_id=str(query.from_user.id),
            choice=query.data or "",
            language_hint=language_hint(query.from_user.language_code),
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    return Incoming(
        transport=TRANSPORT,
        chat_id=chat,
        user_id=str(message.from_user.id),
        text=message.text if message.text is not None else message.caption,
        language_hint=language_hint(message.from_user.language_code),
    )
