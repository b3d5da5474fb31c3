"""Notices by subscription: `/subscribe`, `/unsubscribe`, and joining an MSO by invite code."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.i18n import _
from bot.i18n.locales import is_rtl


def _rtl(context: Context) -> bool:
    return is_rtl(context.locale)


def channel_label(channel: str, region_name: str) -> str:
    """How a channel of a region is called in the user's language."""
    if channel == "arbeitskreis":
        return _("Arbeitskreis notices, {region}").format(region=region_name)
    return _("Events, {region}").format(region=region_name)


def _region_name(context: Context, key: str) -> str:
    region = context.services.answering.directory.region(key)
    return region.name if region else key


async def subscribe(context: Context) -> list[Reply]:
    """``/subscribe``: the channels the user may follow, as choices."""
    directory = context.services.answering.directory
    regions = [context.user.region] if context.user.region else [r.key for r in directory.regions]
    channels = ["events"]
    if await context.services.community.is_member(context.user.id):
        channels.insert(0, "arbeitskreis")
    have = set(await context.services.community.subscriptions(context.user.id))
    choices = tuple(
        Choice(channel_label(channel, _region_name(context, region)), f"sub:{channel}:{region}")
        for channel in channels
        for region in regions
        if (channel, region) not in have
    )
    if not choices:
        return [
            Reply.plain(_("You already get all notices you can subscribe to."), rtl=_rtl(context))
        ]
    text = _("Which notices would you like to get? I send them when there is something new.")
    return [Reply.plain(text, choices, rtl=_rtl(context))]


async def chose_subscription(context: Context) -> list[Reply]:
    """A channel was chosen."""
    channel, _sep, region = context.choice_value.partition(":")
    directory = context.services.answering.directory
    allowed = channel == "events" or (
        channel == "arbeitskreis" and await context.services.community.is_member(context.user.id)
    )
    if not allowed or directory.region(region) is None:
        return [Reply.plain(_("This button is no longer valid. Send /start to begin again."))]
    await context.services.community.subscribe(context.user.id, channel, region, context.now)
    label = channel_label(channel, _region_name(context, region))
    text = _("Subscribed: {channel}. Send /unsubscribe to stop.").format(channel=label)
    return [Reply.plain(text, rtl=_rtl(context))]


async def unsubscribe(context: Context) -> list[Reply]:
    """``/unsubscribe``: the user's subscriptions, as choices."""
    have = await context.services.community.subscriptions(context.user.id)
    if not have:
        return [Reply.plain(_("You have no subscriptions."), rtl=_rtl(context))]
    choices = tuple(
        Choice(channel_label(channel, _region_name(context, region)), f"unsub:{channel}:{region}")
        for channel, region in have
    )
    return [Reply.plain(_("Which notices should I stop?"), choices, rtl=_rtl(context))]


async def chose_unsubscription(context: Context) -> list[Reply]:
    """A subscription was chosen to stop."""
    channel, _sep, region = context.choice_value.partition(":")
    await context.services.community.unsubscribe(context.user.id, channel, region)
    label = channel_label(channel, _region_name(context, region))
    return [Reply.plain(_("Stopped: {channel}.").format(channel=label), rtl=_rtl(context))]


async def join_mso(context: Context, code: str) -> tuple[Reply, str | None]:
    """Link the user to the MSO with this invite code (from a deep link).

    Returns the confirmation and the MSO's region (None for an unknown code).
    """
    community = context.services.community
    mso = await community.mso_by_code(code)
    if mso is None:
        text = _(
            "This invite link is not valid. Please ask the Kommunales Integrationszentrum "
            "for a new one."
        )
        return Reply.plain(text, rtl=_rtl(context)), None
    await community.join(mso, context.user.id, context.now)
    text = _(
        "You are now registered as a contact of {mso}. You will get the Arbeitskreis "
        "notices for {region}."
    ).format(mso=mso.name, region=_region_name(context, mso.region))
    return Reply.plain(text, rtl=_rtl(context)), mso.region
