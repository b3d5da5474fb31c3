"""`wegweiser events …` and `wegweiser mso …`: what KI staff do from a terminal or a script."""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from bot.app import App
from bot.events.ics import IcsError, from_ics
from bot.events.model import AUDIENCES, KINDS, SOURCE_LANGUAGE, Event
from bot.events.render import when
from bot.events.schedule import UTC
from bot.i18n.locales import SHIPPED_LOCALES
from bot.storage.event_repository import EventNotFoundError

EXIT_PROBLEM = 1  # exit codes of every wegweiser command
EXIT_USAGE = 2


class UsageError(ValueError):
    """A command line value is wrong; the message says which and why."""


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``events`` and ``mso`` command groups."""
    events = commands.add_parser("events", help="add, change, cancel and list events")
    actions = events.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an event (announced to the channel's subscribers)")
    _event_options(add, required=True)
    listing = actions.add_parser("list", help="upcoming events (--all: also past and cancelled)")
    listing.add_argument("--all", action="store_true")
    show = actions.add_parser("show", help="one event with its reminders")
    show.add_argument("id", type=int)
    change = actions.add_parser("update", help="change an event (its recipients are told)")
    change.add_argument("id", type=int)
    _event_options(change, required=False)
    cancel = actions.add_parser("cancel", help="cancel an event (its recipients are told)")
    cancel.add_argument("id", type=int)
    importing = actions.add_parser("import", help="add or update events from an .ics file")
    importing.add_argument("file", type=Path)
    importing.add_argument("--region", help="region key of the events (default: all regions)")
    importing.add_argument("--audience", choices=AUDIENCES, default="public")
    importing.add_argument("--kind", choices=KINDS, default="other")

    mso = commands.add_parser("mso", help="register migrant organisations and their contacts")
    mso_actions = mso.add_subparsers(dest="action", required=True)
    mso_add = mso_actions.add_parser("add", help="register an MSO; prints its invite link")
    mso_add.add_argument("--name", required=True)
    mso_add.add_argument("--region", required=True, help="region key")
    mso_actions.add_parser("list", help="all MSOs with their invite codes and contacts")
    mso_show = mso_actions.add_parser("show", help="an MSO's linked contacts")
    mso_show.add_argument("code")
    mso_remove = mso_actions.add_parser("remove", help="remove an MSO and its links")
    mso_remove.add_argument("code")


def _event_options(parser: argparse.ArgumentParser, required: bool) -> None:
    for code in SHIPPED_LOCALES:
        parser.add_argument(
            f"--title-{code}", required=required and code == SOURCE_LANGUAGE, metavar="TEXT"
        )
        parser.add_argument(f"--description-{code}", metavar="TEXT")
    parser.add_argument("--start", required=required, help="e.g. 2026-12-03T17:00 (local time)")
    parser.add_argument("--end", help="e.g. 2026-12-03T19:00")
    parser.add_argument("--timezone", default=None, help="default Europe/Berlin")
    parser.add_argument("--region", help="region key; 'all' or omitted: every region")
    parser.add_argument("--audience", choices=AUDIENCES)
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--location")
    parser.add_argument("--online-url")
    parser.add_argument("--registration", help="contact or link for registration")
    parser.add_argument("--rrule", help="recurrence, e.g. FREQ=MONTHLY;INTERVAL=6")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}") from None


def _moment(text: str, zone: ZoneInfo, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what}: not a date and time like 2026-12-03T17:00: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _texts(args: argparse.Namespace, field: str, base: dict[str, str]) -> dict[str, str]:
    texts = dict(base)
    for code in SHIPPED_LOCALES:
        value = getattr(args, f"{field}_{code}", None)
        if value is not None:
            if value.strip():
                texts[code] = value.strip()
            else:
                texts.pop(code, None)
    return texts


def _apply(app: App, args: argparse.Namespace, base: Event) -> Event:
    """``base`` with the options given on the command line."""
    zone_name = args.timezone or base.timezone
    zone = _zone(zone_name)
    starts = _moment(args.start, zone, "--start") if args.start else base.starts_at
    ends = _moment(args.end, zone, "--end") if args.end else base.ends_at
    if args.start and not args.end and base.ends_at is not None:
        ends = starts + (base.ends_at - base.starts_at)  # a moved event keeps its length
    if ends is not None and ends <= starts:
        raise UsageError("--end must be after --start")
    region = base.region
    if args.region is not None:
        region = None if args.region in ("", "all") else args.region
    if region is not None and (problem := _region_problem(app, region)):
        raise UsageError(problem)
    rrule = base.rrule if args.rrule is None else args.rrule.strip().removeprefix("RRULE:")
    titles = _texts(args, "title", base.titles)
    if SOURCE_LANGUAGE not in titles:
        raise UsageError("--title-de is required: every event has a German title")
    event = replace(
        base,
        titles=titles,
        descriptions=_texts(args, "description", base.descriptions),
        starts_at=starts,
        ends_at=ends,
        timezone=zone_name,
        region=region,
        audience=args.audience or base.audience,
        kind=args.kind or base.kind,
        location=base.location if args.location is None else args.location.strip(),
        online_url=base.online_url if args.online_url is None else args.online_url.strip(),
        registration=base.registration if args.registration is None else args.registration,
        rrule=rrule,
    )
    _check_rrule(event)
    return event


def _region_problem(app: App, key: str) -> str | None:
    """Why ``key`` is not a region of the directory, or None when it is one."""
    directory = app.services.answering.directory
    if directory.region(key) is not None:
        return None
    keys = ", ".join(region.key for region in directory.regions)
    return f"unknown region {key!r}; regions: {keys}"


def _check_rrule(event: Event) -> None:
    if not event.rrule:
        return
    try:
        rrulestr(event.rrule, dtstart=event.starts_at.replace(tzinfo=None))
    except (ValueError, TypeError) as error:
        raise UsageError(f"--rrule: not a recurrence rule: {error}") from None


def _blank(now: datetime) -> Event:
    return Event(
        id=0, uid="", kind="other", audience="public", region=None, titles={},
        descriptions={}, starts_at=now, ends_at=None, timezone="Europe/Berlin",
    )  # fmt: skip


def _line(event: Event, starts: datetime) -> str:
    status = "cancelled" if event.cancelled else event.audience
    region = event.region or "all regions"
    repeat = " (repeats)" if event.rrule else ""
    return (
        f"{event.id:>4}  {when(event, starts, 'de')}{repeat}  [{event.kind}, {status}, {region}]  "
        f"{event.title('de')}"
    )


def cli_actor() -> str:
    """Who acts on the command line, for the audit log: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


async def audit(
    app: App, action: str, subject: str, details: dict[str, Any] | None = None
) -> None:
    """Record a command-line staff action in the audit log."""
    await app.services.staff.audit(cli_actor(), action, subject, app.services.clock.now(), details)


async def events_command(app: App, args: argparse.Namespace) -> int:
    """Run one ``events`` action."""
    repository = app.services.events
    now = app.services.clock.now()
    try:
        if args.action == "add":
            event = await repository.add(_apply(app, args, _blank(now)), now)
            await audit(app, "event.add", f"event {event.id}")
            print(f"added event {event.id}: {event.title('de')}")
            print(_details(event, await repository.reminder_counts(event.id)))
        elif args.action == "update":
            current = await repository.get(args.id)
            if current is None:
                raise EventNotFoundError(args.id)
            event, changed = await repository.update(_apply(app, args, current), now)
            await audit(app, "event.update", f"event {event.id}", {"changed": changed})
            told = ", ".join(changed) if changed else "nothing notable"
            print(f"updated event {event.id}; changed: {told}")
        elif args.action == "cancel":
            event = await repository.cancel(args.id, now)
            await audit(app, "event.cancel", f"event {event.id}")
            print(f"cancelled event {event.id}: {event.title('de')}")
        elif args.action == "show":
            found = await repository.get(args.id)
            if found is None:
                raise EventNotFoundError(args.id)
            print(_details(found, await repository.reminder_counts(found.id)))
        elif args.action == "import":
            return await _import(app, args, now)
        else:
            await _list(app, args.all, now)
    except UsageError as error:
        print(f"wegweiser: {error}", file=sys.stderr)
        return EXIT_USAGE
    except EventNotFoundError:
        print(f"wegweiser: there is no event {args.id}", file=sys.stderr)
        return EXIT_PROBLEM
    return 0


async def _list(app: App, everything: bool, now: datetime) -> None:
    repository = app.services.events
    if everything:
        for event in await repository.all():
            print(_line(event, event.starts_at))
        return
    upcoming = await repository.upcoming(now, None, include_mso=True, limit=1000)
    if not upcoming:
        print("no upcoming events")
    for item in upcoming:
        print(_line(item.event, item.starts_at))


def _details(event: Event, reminders: dict[str, int]) -> str:
    lines = [
        f"event {event.id} ({event.uid})",
        f"  when:       {when(event, event.starts_at, 'de')} ({event.timezone})",
        f"  repeats:    {event.rrule or 'no'}",
        f"  kind:       {event.kind}; audience: {event.audience}; channel: {event.channel}",
        f"  region:     {event.region or 'all regions'}",
        f"  status:     {'cancelled' if event.cancelled else 'planned'}",
    ]
    lines += [f"  title [{code}]: {text}" for code, text in sorted(event.titles.items())]
    for label, value in (
        ("location", event.location),
        ("online", event.online_url),
        ("registration", event.registration),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    counts = ", ".join(f"{count} {status}" for status, count in sorted(reminders.items()))
    lines.append(f"  reminders:  {counts or 'none'}")
    return "\n".join(lines)


async def _import(app: App, args: argparse.Namespace, now: datetime) -> int:
    if args.region is not None and (problem := _region_problem(app, args.region)):
        print(f"wegweiser: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        content = args.file.read_bytes()
        events = from_ics(content, args.region, args.audience, args.kind)
    except OSError as error:
        print(f"{args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return EXIT_PROBLEM
    except IcsError as error:
        print(f"{args.file}: {error}; nothing was changed", file=sys.stderr)
        return EXIT_PROBLEM
    added, updated = await app.services.events.import_events(events, now)
    await audit(app, "event.import", args.file.name, {"added": added, "updated": updated})
    print(f"imported {args.file}: {added} added, {updated} updated")
    return 0


async def mso_command(app: App, args: argparse.Namespace) -> int:
    """Run one ``mso`` action."""
    community = app.services.community
    if args.action == "add":
        if problem := _region_problem(app, args.region):
            print(f"wegweiser: {problem}", file=sys.stderr)
            return EXIT_USAGE
        mso = await community.add_mso(args.name.strip(), args.region, app.services.clock.now())
        await audit(app, "mso.add", f"mso {mso.code}")
        username = app.config.telegram.username or "<bot username>"
        print(f"registered {mso.name} ({mso.region}); invite code {mso.code}")
        print(f"  Telegram: https://t.me/{username}?start=mso-{mso.code}")
        print(f"  any chat: /start mso-{mso.code}")
        return 0
    if args.action == "list":
        msos = await community.msos()
        if not msos:
            print("no MSOs registered")
        for item in msos:
            print(f"{item.code}  {item.name}  [{item.region}]  {item.members} contact(s)")
        return 0
    found = await community.mso_by_code(args.code)
    if found is None:
        print(f"wegweiser: no MSO with invite code {args.code!r}", file=sys.stderr)
        return EXIT_PROBLEM
    if args.action == "remove":
        await community.remove_mso(found.code)
        await audit(app, "mso.remove", f"mso {found.code}")
        print(f"removed {found.name}")
        return 0
    members = await community.members(found.id)
    print(f"{found.name} [{found.region}], invite code {found.code}")
    if not members:
        print("  no contacts yet")
    for member in members:
        joined = member.joined_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        print(f"  {member.transport}:{member.external_id}  joined {joined}")
    return 0
