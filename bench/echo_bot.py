"""Bare python-telegram-bot references, run as child processes; token from ECHO_BOT_TOKEN.

- ``python -m bench.echo_bot echo --base-url URL [--concurrency N]``: an Application with
  one MessageHandler that replies the text (long polling, 1 s timeout, like the bot).
- ``python -m bench.echo_bot blast --base-url URL --first-chat ID --count N``:
  ``Bot.send_message`` to N chats, N in flight at most ``--concurrency``, no pacing:
  what PTB itself can send per second from one process.
- ``python -m bench.echo_bot blast-raw …``: the same sends as plain JSON POSTs with one
  aiohttp session (no PTB objects): what a lean client can send from one process.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import aiohttp
from telegram import Bot, Update  # noqa: TID251 - the references are plain PTB
from telegram.constants import ParseMode  # noqa: TID251
from telegram.ext import (  # noqa: TID251
    Application,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest  # noqa: TID251

BLAST_TEXT = "<b>Neues Förderprogramm für Vereine</b>: Anträge bis 15. Januar."


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text, do_quote=False)


def run_echo(token: str, base_url: str, concurrency: int) -> None:
    application = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(concurrency)
        .connection_pool_size(concurrency + 8)
        .pool_timeout(30.0)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling(timeout=1, allowed_updates=[Update.MESSAGE])


async def blast(token: str, base_url: str, first: int, count: int, concurrency: int) -> None:
    request = HTTPXRequest(connection_pool_size=concurrency + 8, pool_timeout=30.0)
    chats = list(range(first, first + count))

    async def worker(bot: Bot) -> None:
        while chats:
            await bot.send_message(chats.pop(), BLAST_TEXT, parse_mode=ParseMode.HTML)

    async with Bot(token, base_url=base_url, request=request) as bot:
        await asyncio.gather(*(worker(bot) for _ in range(concurrency)))


async def blast_raw(token: str, base_url: str, first: int, count: int, concurrency: int) -> None:
    chats = list(range(first, first + count))
    url = f"{base_url}{token}/sendMessage"
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def worker(session: aiohttp.ClientSession) -> None:
        while chats:
            payload = {"chat_id": chats.pop(), "text": BLAST_TEXT, "parse_mode": "HTML"}
            while True:
                async with session.post(url, json=payload) as response:
                    body = await response.json()
                if body.get("ok"):
                    break
                retry = body.get("parameters", {}).get("retry_after")
                if retry is None:
                    raise RuntimeError(f"sendMessage refused: {body}")
                await asyncio.sleep(retry)  # 429: wait as asked, then the same chat again

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("echo", "blast", "blast-raw"))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--first-chat", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    token = os.environ["ECHO_BOT_TOKEN"]
    if args.mode == "echo":
        run_echo(token, args.base_url, args.concurrency)
        return
    send = blast if args.mode == "blast" else blast_raw
    asyncio.run(send(token, args.base_url, args.first_chat, args.count, args.concurrency))


if __name__ == "__main__":
    main()
