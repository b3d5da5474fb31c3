"""`wegweiser staff …`, `wegweiser audit` and `wegweiser broadcast …`: for admins and scripts."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.broadcasts.audience import AudienceError, parse_audience
from bot.broadcasts.model import MAX_TEXT, SOURCE_LANGUAGE, Report
from bot.broadcasts.render import announcement
from bot.cli_events import EXIT_PROBLEM, EXIT_USAGE, cli_actor
from bot.events.schedule import UTC
from bot.i18n.locales import SHIPPED_LOCALES
from bot.storage import ledger
from bot.storage.broadcast_repository import Decision, Draft
from bot.storage.staff_repository import is_identity


def add_parsers(commands: Any) -> None:
    """Add the ``staff``, ``audit`` and ``broadcast`` commands to the main parser."""
    staff = commands.add_parser("staff", help="grant, revoke and list staff")
    actions = staff.add_subparsers(dest="action", required=True)
    for name, text in (("grant", "make someone staff"), ("revoke", "take staff rights away")):
        action = actions.add_parser(name, help=text)
        action.add_argument("identity", help="transport:id, e.g. telegram:12345")
    actions.add_parser("list", help="admins (from the config) and staff")

    audit = commands.add_parser("audit", help="show the audit log of staff actions")
    audit.add_argument("--limit", type=int, default=50, help="newest N entries (default 50)")

    broadcast = commands.add_parser("broadcast", help="announcements to chosen audiences")
    actions = broadcast.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="write an announcement (preview without --yes)")
    create.add_argument(
        "--audience", default="all",
        help="e.g. all | newcomers | mso | subscribers:events, with region:KEY, town:NAME, "
        "lang:CODE, comma-separated (default: all)",
    )  # fmt: skip
    for code in SHIPPED_LOCALES:
        create.add_argument(
            f"--text-{code}", dest=f"text_{code}", required=code == SOURCE_LANGUAGE,
            help="the German text (required)" if code == SOURCE_LANGUAGE else argparse.SUPPRESS,
        )  # fmt: skip
    create.add_argument("--at", help="send at this time (ISO 8601; without a zone: local time)")
    create.add_argument("--yes", action="store_true", help="really create it (else: preview)")
    for name, text in (("status", "delivery report"), ("cancel", "stop sending")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
    actions.add_parser("list", help="the newest announcements")


async def staff_command(app: App, args: argparse.Namespace) -> int:
    """Run one ``staff`` action."""
    roles = app.services.staff
    now = app.services.clock.now()
    if args.action == "list":
        for member in await roles.members():
            if member.admin:
                print(f"{member.identity}  admin (config)")
            else:
                granted = (
                    member.granted_at.strftime("%Y-%m-%d %H:%M UTC") if member.granted_at else ""
                )
                print(f"{member.identity}  staff, granted by {member.granted_by} {granted}")
        return 0
    identity = args.identity.strip()
    if not is_identity(identity):
        print(f"wegweiser: {identity!r} is not transport:id, e.g. telegram:12345", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "grant":
        changed = await roles.grant(identity, cli_actor(), now)
        print(f"{identity} is now staff" if changed else f"{identity} is already staff")
        return 0
    if roles.is_admin(identity):
        print(
            f"wegweiser: {identity} is an admin in the config file; change it there",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    changed = await roles.revoke(identity, cli_actor(), now)
    print(f"{identity} is no longer staff" if changed else f"{identity} was not staff")
    return 0


async def audit_command(app: App, args: argparse.Namespace) -> int:
    """Print the newest audit entries, oldest first."""
    entries = await app.services.staff.entries(limit=max(1, args.limit))
    if not entries:
        print("the audit log is empty")
    for entry in entries:
        details = " ".join(f"{key}={value}" for key, value in sorted(entry.details.items()))
        at = entry.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"{at}  {entry.actor}  {entry.action}  {entry.subject}  {details}".rstrip())
    return 0


async def broadcast_command(app: App, args: argparse.Namespace) -> int:
    """Run one ``broadcast`` action."""
    broadcasts = app.services.broadcasts
    if args.action == "create":
        return await _create(app, args)
    if args.action == "list":
        recent = await broadcasts.recent(limit=20)
        if not recent:
            print("no announcements yet")
        for item in recent:
            first = " ".join(item.texts.get(SOURCE_LANGUAGE, "").split())[:50]
            print(f"{item.id:>4}  {item.status:<9}  {item.recipients:>6} recipients  "
                  f"[{item.audience.expression()}]  {first}")  # fmt: skip
        return 0
    if args.action == "cancel":
        result = await broadcasts.cancel(args.id, cli_actor(), app.services.clock.now())
        if result is Decision.NOT_FOUND:
            print(f"wegweiser: no announcement {args.id}", file=sys.stderr)
            return EXIT_PROBLEM
        if result is Decision.NOT_OPEN:
            print(f"announcement {args.id} is already finished; nothing was cancelled")
            return EXIT_PROBLEM
        print(f"cancelled announcement {args.id}; unsent messages are withdrawn")
        return 0
    report = await broadcasts.report(args.id)
    if report is None:
        print(f"wegweiser: no announcement {args.id}", file=sys.stderr)
        return EXIT_PROBLEM
    print(_status(report))
    return 0


def _status(report: Report) -> str:
    item = report.broadcast
    lines = [
        f"announcement {item.id}: {item.status}",
        f"  author:     {item.author}"
        + (f"; approved by {item.approved_by}" if item.approved_by else ""),
        f"  audience:   {item.audience.expression()}",
        f"  versions:   {', '.join(sorted(item.texts))}",
        f"  created:    {item.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    if item.send_at is not None:
        lines.append(f"  send at:    {item.send_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if item.queued_at is not None:
        lines.append(f"  recipients: {item.recipients}")
        for label, statuses in (
            ("sent", (ledger.SENT,)),
            ("blocked", (ledger.BLOCKED,)),
            ("failed", (ledger.FAILED,)),
            ("unknown", (ledger.UNKNOWN,)),
            ("pending", (ledger.PENDING, ledger.SENDING)),
            ("cancelled", (ledger.CANCELLED,)),
        ):
            lines.append(f"    {label + ':':<11} {report.count(*statuses)}")
        for reason, count in sorted(report.failures.items(), key=lambda pair: -pair[1]):
            lines.append(f"      {count} × {reason}")
    if item.finished_at is not None:
        lines.append(f"  finished:   {item.finished_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def _when(text: str, zone: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))


async def _create(app: App, args: argparse.Namespace) -> int:
    directory = app.services.answering.directory
    regions = {region.key: region.towns for region in directory.regions}
    try:
        audience = parse_audience(args.audience, regions)
    except AudienceError as error:
        print(f"wegweiser: --audience: {error}", file=sys.stderr)
        return EXIT_USAGE
    texts = {code: getattr(args, f"text_{code}").strip() for code in SHIPPED_LOCALES
             if getattr(args, f"text_{code}")}  # fmt: skip
    for code, text in texts.items():
        if len(text) > MAX_TEXT:
            print(
                f"wegweiser: --text-{code}: {len(text)} characters; at most {MAX_TEXT}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    if not texts.get(SOURCE_LANGUAGE):
        print("wegweiser: --text-de must not be empty", file=sys.stderr)
        return EXIT_USAGE
    now = app.services.clock.now()
    try:
        at = _when(args.at, directory.timezone) if args.at else None
    except ValueError:
        print(f"wegweiser: --at: not an ISO 8601 time: {args.at!r}", file=sys.stderr)
        return EXIT_USAGE
    if at is not None and at <= now:
        print("wegweiser: --at lies in the past", file=sys.stderr)
        return EXIT_USAGE
    broadcasts = app.services.broadcasts
    counts = await broadcasts.count(audience)
    if not args.yes:
        print(f"audience {audience.expression()}: {sum(counts.values())} recipients now")
        for code in SHIPPED_LOCALES:
            if code in counts or code in texts:
                with app.services.catalogs.use(code):
                    text = announcement(texts, code).text
                print(f"\n--- {code}: {counts.get(code, 0)} recipient(s) ---\n{text}")
        print("\nnothing was sent; add --yes to create it", file=sys.stderr)
        return 0
    draft = Draft(cli_actor(), None, texts, audience, at)
    stored = await broadcasts.create(draft, now, app.config.broadcast.require_approval)
    if app.config.broadcast.require_approval:
        print(f"announcement {stored.id} created; it waits for a second staff member's approval")
    elif stored.queued_at is not None:
        print(f"announcement {stored.id} queued for {stored.recipients} recipients")
    else:
        print(f"announcement {stored.id} scheduled for {at:%Y-%m-%d %H:%M %Z}")
    return 0
