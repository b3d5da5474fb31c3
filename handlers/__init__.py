"""What the bot does for each kind of message; composed into one router here."""

from bot.core.router import Router
from bot.i18n import N_
from handlers import (
    ask,
    broadcast,
    broadcasts,
    events,
    handover,
    help,
    onboarding,
    privacy,
    settings,
    staff,
    staff_events,
    stats,
    subscriptions,
)


def build_router() -> Router:
    """Register every command, choice and step handler, in one place."""
    router = Router()
    router.command("start", onboarding.start, N_("start again and choose your language"))
    router.command("language", settings.change_language, N_("change your language"))
    router.command("region", settings.change_region, N_("change your region and town"))
    router.command("events", events.list_events, N_("upcoming meetings and events"))
    router.command("subscribe", subscriptions.subscribe, N_("get notices of new events"))
    router.command("unsubscribe", subscriptions.unsubscribe, N_("stop notices"))
    router.command("privacy", help.privacy, N_("what the bot stores about you"))
    router.command("mydata", privacy.my_data, N_("everything stored about you, as a file"))
    router.command("delete", privacy.delete, N_("erase everything stored about you"))
    router.command("done", handover.done, N_("end your question to the staff"))
    router.command("help", help.show_help, N_("what the bot can do"))
    router.choice("lang", onboarding.chose_language)
    router.choice("region", onboarding.chose_region)
    router.choice("town", onboarding.chose_town)
    router.choice("askregion", ask.chose_region_for_question)
    router.choice("remind", events.remind_me)
    router.choice("ics", events.calendar_file)
    router.choice("sub", subscriptions.chose_subscription)
    router.choice("unsub", subscriptions.chose_unsubscription)
    router.choice("erase", privacy.delete_confirmed)
    router.choice("consent", privacy.consent_given)
    router.choice("handover", handover.chose)
    router.step(onboarding.STEP_LANGUAGE, onboarding.typed_during_language)
    router.step(onboarding.STEP_LANGUAGE_ONLY, onboarding.typed_during_language)
    router.step(onboarding.STEP_REGION, onboarding.typed_during_region)
    router.step(onboarding.STEP_TOWN, onboarding.typed_during_region)
    router.step(ask.STEP_ASK_REGION, ask.typed_during_region_question)
    router.step(handover.STEP_TICKET, handover.typed_in_ticket)
    _staff(router)
    router.text(ask.question)
    return router


def _staff(router: Router) -> None:
    """Staff commands: unknown to everyone who is not listed as staff."""
    router.command("newevent", staff_events.new_event, N_("add an event"), staff=True)
    router.command("editevent", staff_events.edit_event, N_("move an event"), staff=True)
    router.command("cancelevent", staff_events.cancel_event, N_("cancel an event"), staff=True)
    router.step(staff_events.STEP_TITLE, staff_events.typed_title, staff=True)
    router.step(staff_events.STEP_WHEN, staff_events.typed_start, staff=True)
    router.step(staff_events.STEP_PLACE, staff_events.typed_place, staff=True)
    router.step(staff_events.STEP_MOVE, staff_events.typed_new_start, staff=True)
    router.choice("evregion", staff_events.chose_region, staff=True)
    router.choice("evaud", staff_events.chose_audience, staff=True)
    router.choice("evkind", staff_events.chose_kind, staff=True)
    router.choice("evok", staff_events.confirmed, staff=True)
    router.choice("evedit", staff_events.chose_event_to_move, staff=True)
    router.choice("evcancel", staff_events.chose_event_to_cancel, staff=True)
    router.choice("evcancelok", staff_events.cancel_confirmed, staff=True)
    router.command("broadcast", broadcast.start, N_("write an announcement"), staff=True)
    router.command(
        "broadcasts", broadcasts.list_broadcasts, N_("announcements and their reports"), staff=True
    )
    router.command("stats", stats.stats, N_("question counts for planning"), staff=True)
    router.command("staff", staff.staff, N_("grant or revoke staff rights (admins)"), staff=True)
    router.step(broadcast.STEP_TEXT, broadcast.typed_text, staff=True)
    router.step(broadcast.STEP_AT, broadcast.typed_time, staff=True)
    router.step(staff.STEP_GRANT, staff.typed_identity, staff=True)
    router.choice("bclang", broadcast.chose_language, staff=True)
    router.choice("bcgroup", broadcast.chose_group, staff=True)
    router.choice("bcregion", broadcast.chose_region, staff=True)
    router.choice("bctown", broadcast.chose_town, staff=True)
    router.choice("bcaudlang", broadcast.chose_audience_language, staff=True)
    router.choice("bcwhen", broadcast.chose_when, staff=True)
    router.choice("bcsend", broadcast.confirmed, staff=True)
    router.choice("bcshow", broadcasts.show, staff=True)
    router.choice("bccancel", broadcasts.cancel_pressed, staff=True)
    router.choice("bccancelok", broadcasts.cancel_confirmed, staff=True)
    router.choice("bcapprove", broadcasts.approve, staff=True)
    router.choice("bcreject", broadcasts.reject, staff=True)
    router.choice("staffadd", staff.add_pressed, staff=True)
    router.choice("staffrevoke", staff.revoke_pressed, staff=True)
