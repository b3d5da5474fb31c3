"""Opening hours in the directory's timezone, across days and the DST change."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.directory.hours import open_during, open_state
from bot.directory.model import Centre, Slot
from tests.conftest import BERLIN

CENTRE = Centre(
    id="c",
    name="C",
    region="r",
    town="t",
    topics=("work",),
    descriptions={"de": "x"},
    opening_hours=(
        Slot(days=(0, 1, 3), opens=time(9), closes=time(12)),
        Slot(days=(3,), opens=time(14), closes=time(17)),
    ),
)


def test_open_now_until_closing() -> None:
    state = open_state(CENTRE, datetime(2026, 11, 19, 15, 0, tzinfo=BERLIN), "Europe/Berlin")
    assert state.is_open
    assert state.closes_at == datetime(2026, 11, 19, 17, 0, tzinfo=BERLIN)


def test_next_opening_skips_closed_days() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN)
    state = open_state(CENTRE, friday, "Europe/Berlin")
    assert not state.is_open
    assert state.next_opening == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_utc_input_is_read_in_local_time_across_dst() -> None:
    # 29 March 2027 is the Monday after the spring change: 07:30 UTC is 09:30 in Berlin.
    state = open_state(CENTRE, datetime(2027, 3, 29, 7, 30, tzinfo=UTC), "Europe/Berlin")
    assert state.is_open
    # 26 October 2026, Monday after the autumn change: 07:30 UTC is 08:30 in Berlin.
    state = open_state(CENTRE, datetime(2026, 10, 26, 7, 30, tzinfo=UTC), "Europe/Berlin")
    assert not state.is_open
    assert state.next_opening == datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN)


def test_open_during_a_window() -> None:
    thursday_afternoon = (
        datetime(2026, 11, 19, 12, 0, tzinfo=BERLIN),
        datetime(2026, 11, 19, 18, 0, tzinfo=BERLIN),
    )
    friday_afternoon = (
        datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN),
        datetime(2026, 11, 20, 18, 0, tzinfo=BERLIN),
    )
    assert open_during(CENTRE, *thursday_afternoon, "Europe/Berlin")
    assert not open_during(CENTRE, *friday_afternoon, "Europe/Berlin")


def test_no_hours_means_no_next_opening() -> None:
    bare = Centre(id="b", name="B", region="r", town="t", topics=("work",), descriptions={})
    state = open_state(bare, datetime(2026, 11, 19, 10, tzinfo=BERLIN), "Europe/Berlin")
    assert state == type(state)(False, None, None)
