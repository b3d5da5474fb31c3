"""Rate limits: a flooding user is slowed down, everyone else is not; deep links parse."""

from __future__ import annotations

import random

from bot.core.flood import FloodGuard, Verdict
from bot.core.ratelimit import KeyedBuckets, SlidingWindow, TokenBucket
from bot.transports.telegram.polling import UpdateWindow
from handlers.onboarding import deep_link


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flooding_user_is_warned_once_then_dropped_and_others_go_on() -> None:
    ticker = Ticker()
    guard = FloodGuard(burst=5, per_minute=6, clock=ticker)
    verdicts = [guard.check("flooder") for _ in range(8)]
    assert verdicts == [Verdict.HANDLE] * 5 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert guard.check("someone-else") is Verdict.HANDLE
    ticker.now += 10  # one more message a minute: one every 10 s
    assert guard.check("flooder") is Verdict.HANDLE
    assert guard.check("flooder") is Verdict.DROP


def test_the_overall_window_lets_bursts_through_but_never_more_than_the_rate_a_second() -> None:
    window = SlidingWindow(rate=3.0, margin=1.0)
    assert [window.reserve(0.0) for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    assert window.reserve(0.5) == 0.5  # the second event of the first burst + 1 s
    steady = SlidingWindow(rate=50.0)
    generator = random.Random(7)
    now, sent = 0.0, []
    for _ in range(2000):
        now += generator.expovariate(80.0)  # asked for faster than allowed
        sent.append(now + steady.reserve(now))
    for index, moment in enumerate(sent):
        within = sum(1 for other in sent[index : index + 60] if other - moment < 1.0)
        assert within <= 50
    assert len(sent) / sent[-1] > 45  # and not much slower than allowed
    slow = SlidingWindow(rate=0.5, margin=1.0)
    assert [slow.reserve(0.0), slow.reserve(0.0)] == [0.0, 2.0]


def test_buckets_refill_and_reserve_spaces_events_out() -> None:
    bucket = TokenBucket(rate=2.0, burst=2)
    assert bucket.try_take(0.0) and bucket.try_take(0.0)
    assert not bucket.try_take(0.1)
    assert bucket.try_take(0.6)
    spaced = TokenBucket(rate=4.0, burst=1)
    waits = [spaced.reserve(10.0) for _ in range(4)]
    assert waits == [0.0, 0.25, 0.5, 0.75]
    ticker = Ticker()
    keyed = KeyedBuckets(rate=1.0, burst=1, clock=ticker)
    assert keyed.try_take("a") and keyed.try_take("b") and not keyed.try_take("a")


def test_the_polling_offset_never_passes_an_update_still_in_hand() -> None:
    window = UpdateWindow()
    assert window.offset == 0
    for update_id in (10, 11, 12):
        assert window.is_new(update_id)
        window.start(update_id)
    assert window.offset == 10
    window.finish(11)
    assert window.offset == 10  # 10 is still being handled
    assert not window.is_new(10) and not window.is_new(11)  # redelivered: skipped
    window.finish(10)
    assert window.offset == 12
    window.finish(12)
    assert window.offset == 13
    assert window.is_new(13)


def test_deep_link_parameters() -> None:
    assert deep_link("/start") == {}
    assert deep_link("/start lang-ar") == {"lang": "ar"}
    assert deep_link("/start region-rhein-sieg_topic-language_course_lang-uk") == {
        "region": "rhein-sieg",
        "topic": "language_course",
        "lang": "uk",
    }
    assert deep_link("/start nonsense") == {}
