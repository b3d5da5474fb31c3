"""Admins grant and revoke staff in chat: `/staff`, `/staff grant ID`, `/staff revoke ID`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.storage.staff_repository import is_identity

STEP_GRANT = "staff_grant"


def _admins_only(context: Context) -> list[Reply]:
    return context.reply(_("Only admins can grant or revoke staff rights."))


async def staff(context: Context) -> list[Reply]:
    """``/staff``: the staff list with buttons; ``/staff grant|revoke transport:id``."""
    if not context.is_admin:
        return _admins_only(context)
    words = context.text.split()
    if len(words) == 3 and words[1].lower() in ("grant", "revoke"):
        return await _change(context, words[1].lower(), words[2])
    members = await context.services.staff.members()
    lines = [_("Staff:")]
    for member in members:
        role = _("admin") if member.admin else _("staff")
        lines.append(f"• {member.identity} ({role})")
    lines.append("")
    lines.append(
        _("To add someone, press “Add staff” or send /staff grant telegram:12345 "
          "(their user id on that platform).")
    )  # fmt: skip
    choices = [Choice(_("Add staff"), "staffadd:")]
    choices += [
        Choice(_("Revoke {who}").format(who=member.identity)[:60], f"staffrevoke:{index}")
        for index, member in enumerate(members)
        if not member.admin
    ]
    return context.reply("\n".join(lines), tuple(choices))


async def add_pressed(context: Context) -> list[Reply]:
    """ "Add staff": ask for the identity."""
    if not context.is_admin:
        return _admins_only(context)
    await context.update_user(step=STEP_GRANT)
    return context.reply(_("Send the new staff member's id, like telegram:12345."))


async def typed_identity(context: Context) -> list[Reply]:
    """The identity to grant."""
    await context.update_user(step=None)
    if not context.is_admin:
        return _admins_only(context)
    return await _change(context, "grant", context.text)


async def revoke_pressed(context: Context) -> list[Reply]:
    """A "Revoke" button: the list position of the member at the time it was shown."""
    if not context.is_admin:
        return _admins_only(context)
    members = await context.services.staff.members()
    value = context.choice_value
    if not value.isdigit() or int(value) >= len(members) or members[int(value)].admin:
        return context.reply(_("This button is no longer valid. Send /staff again."))
    return await _change(context, "revoke", members[int(value)].identity)


async def _change(context: Context, action: str, identity: str) -> list[Reply]:
    identity = identity.strip()
    if not is_identity(identity):
        return context.reply(_("That is not an id like telegram:12345. Nothing was changed."))
    roles = context.services.staff
    if action == "grant":
        if await roles.grant(identity, context.identity, context.now):
            return context.reply(_("{who} is now staff.").format(who=identity))
        return context.reply(_("{who} is already staff.").format(who=identity))
    if roles.is_admin(identity):
        return context.reply(
            _("{who} is an admin in the config file; change it there.").format(who=identity),
        )
    if await roles.revoke(identity, context.identity, context.now):
        return context.reply(_("{who} is no longer staff.").format(who=identity))
    return context.reply(_("{who} was not staff.").format(who=identity))
