"""The ``wegweiser`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, open_app
from bot.cli_events import EXIT_PROBLEM, EXIT_USAGE, events_command, mso_command
from bot.cli_events import add_parsers as add_event_parsers
from bot.cli_staff import add_parsers as add_staff_parsers
from bot.cli_staff import audit_command, broadcast_command, staff_command
from bot.cli_stats import add_parser as add_stats_parser
from bot.cli_stats import stats_command
from bot.config import Config, ConfigError, load_config
from bot.core.transport import Transport
from bot.directory.export import export_directory
from bot.directory.loader import DirectoryError, read_directory_file
from bot.i18n.locales import SHIPPED_LOCALES, shipped
from bot.logging_setup import configure_logging
from bot.serve import StartError, enabled_transports, serve
from bot.storage.models import ValueTooLongError
from bot.transports.console import ConsoleTransport


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegweiser", description="Guides newcomers to the right advice centre."
    )
    parser.add_argument("--config", type=Path, help="TOML config file (or WEGWEISER_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="serve all enabled transports")
    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--user", help="console user name (default from config)")
    chat.add_argument("--lang", help="preselect a language, e.g. ar")

    ask = commands.add_parser("ask", help="answer one question ('-': one per line from stdin)")
    ask.add_argument("question", help="the question, or - to read questions from stdin")
    ask.add_argument("--lang", help=f"reply language ({', '.join(SHIPPED_LOCALES)})")
    ask.add_argument("--region", help="region key to answer for when the question names none")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")

    directory = commands.add_parser("directory", help="import, check or export the directory")
    actions = directory.add_subparsers(dest="action", required=True)
    importing = actions.add_parser("import", help="replace the directory with a file's content")
    importing.add_argument("file", type=Path)
    importing.add_argument("--merge", action="store_true", help="add and update instead")
    checking = actions.add_parser("check", help="report every problem of a file; change nothing")
    checking.add_argument("file", type=Path)
    exporting = actions.add_parser("export", help="write the directory as YAML")
    exporting.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    add_event_parsers(commands)
    add_staff_parsers(commands)
    add_stats_parser(commands)

    database = commands.add_parser("db", help="database maintenance")
    database_actions = database.add_subparsers(dest="action", required=True)
    database_actions.add_parser("upgrade", help="apply schema migrations")
    return parser


def _console(app: App, user: str | None, language: str | None) -> Transport:
    return ConsoleTransport(
        user=user or app.config.console.user,
        language_hint=shipped(language) or shipped(os.environ.get("LANG")),
    )


async def _chat(app: App, user: str | None, language: str | None) -> int:
    await _console(app, user, language).run(app.handle)
    return 0


async def _serve(app: App) -> int:
    transports = enabled_transports(app)
    if not transports:
        print(
            "wegweiser: no transport is enabled in the config; chatting on the console",
            file=sys.stderr,
        )
        transports = [_console(app, None, None)]
    try:
        await serve(transports, app)
    except StartError as error:
        print(f"wegweiser: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    return 0


async def _ask(
    app: App, question: str, language: str | None, region: str | None, as_json: bool
) -> int:
    answering = app.services.answering
    if language is not None and shipped(language) is None:
        print(f"wegweiser: --lang must be one of {', '.join(SHIPPED_LOCALES)}", file=sys.stderr)
        return EXIT_USAGE
    if region is not None and answering.directory.region(region) is None:
        keys = ", ".join(r.key for r in answering.directory.regions)
        print(f"wegweiser: unknown region {region!r}; regions: {keys}", file=sys.stderr)
        return EXIT_USAGE
    questions = sys.stdin if question == "-" else [question]
    for line in questions:
        text = line.strip()
        if question == "-" and not text:
            continue
        answer = answering.answer(
            text, now=app.services.clock.now(), locale=shipped(language), region=region
        )
        if as_json:
            record = {
                "lang": language or answer.detected_language or answer.locale,
                "centres": answer.centre_ids,
                "text": answer.reply.text,
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(answer.reply.text + ("\n" if question == "-" else ""), flush=True)
    return 0


async def _directory(app: App, args: argparse.Namespace) -> int:
    repository = app.directories
    now = app.services.clock.now()
    if args.action == "export":
        directory = await repository.load()
        if directory is None:
            print("wegweiser: the directory is empty", file=sys.stderr)
            return EXIT_PROBLEM
        text = export_directory(directory)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    directory = read_directory_file(args.file)
    if args.merge:
        directory = await repository.merge(directory, now)
    else:
        await repository.replace(directory, now)
    print(
        f"imported {len(directory.centres)} centres in {len(directory.regions)} regions"
        + (" (merged)" if args.merge else "")
    )
    return 0


def _check(path: Path) -> int:
    try:
        directory = read_directory_file(path)
    except DirectoryError as error:
        for problem in error.problems:
            print(f"{path}:{problem.line}: {problem.message}")
        print(f"{len(error.problems)} problem(s); nothing was changed", file=sys.stderr)
        return EXIT_PROBLEM
    print(f"{path}: ok, {len(directory.centres)} centres in {len(directory.regions)} regions")
    return 0


async def _run(config: Config, args: argparse.Namespace) -> int:
    serving = args.command in ("run", "chat", "ask", "events", "mso", "broadcast")
    async with open_app(config, load_demo=serving) as app:
        if args.command == "run":
            return await _serve(app)
        if args.command == "chat":
            return await _chat(app, args.user, args.lang)
        if args.command == "ask":
            return await _ask(app, args.question, args.lang, args.region, args.json)
        if args.command == "directory":
            return await _directory(app, args)
        if args.command == "events":
            return await events_command(app, args)
        if args.command == "mso":
            return await mso_command(app, args)
        if args.command == "staff":
            return await staff_command(app, args)
        if args.command == "audit":
            return await audit_command(app, args)
        if args.command == "broadcast":
            return await broadcast_command(app, args)
        if args.command == "stats":
            return await stats_command(app, args)
        return 0  # db upgrade: open_app has already upgraded the schema


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wegweiser`` command."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        for line in error.problems:
            print(f"wegweiser: config: {line}", file=sys.stderr)
        return EXIT_USAGE
    secrets = [
        config.telegram.token, config.telegram.secret,
        config.matrix.password, config.matrix.access_token,
    ]  # fmt: skip
    configure_logging(config.logging, secrets=secrets)
    if args.command == "directory" and args.action == "check":
        return _check(args.file)
    try:
        return asyncio.run(_run(config, args))
    except DirectoryError as error:
        for issue in error.problems:
            print(f"{getattr(args, 'file', '')}:{issue.line}: {issue.message}", file=sys.stderr)
        print("nothing was changed", file=sys.stderr)
        return EXIT_PROBLEM
    except ValueTooLongError as error:
        print(f"wegweiser: {error}; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
