"""`wegweiser staff …`, `wegweiser audit` and `wegweiser broadcast …` as admins and scripts
use them: real processes on one database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import wegweiser


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "wegweiser.toml"
    path.write_text('[staff]\nadmins = ["telegram:1001"]\n', encoding="utf-8")
    return path


def test_admins_grant_list_and_revoke_staff_and_every_change_is_audited(
    home: Path, config: Path
) -> None:
    granted = wegweiser(home, "--config", str(config), "staff", "grant", "telegram:2002")
    assert granted.returncode == 0 and "telegram:2002 is now staff" in granted.stdout
    again = wegweiser(home, "--config", str(config), "staff", "grant", "telegram:2002")
    assert "already staff" in again.stdout
    listed = wegweiser(home, "--config", str(config), "staff", "list").stdout
    assert "telegram:1001  admin (config)" in listed
    assert "telegram:2002  staff, granted by cli:" in listed

    refused = wegweiser(home, "--config", str(config), "staff", "revoke", "telegram:1001")
    assert refused.returncode == 1 and "admin in the config file" in refused.stderr
    wrong = wegweiser(home, "--config", str(config), "staff", "grant", "anna")
    assert wrong.returncode == 2 and "not transport:id" in wrong.stderr
    revoked = wegweiser(home, "--config", str(config), "staff", "revoke", "telegram:2002")
    assert "no longer staff" in revoked.stdout

    audit = wegweiser(home, "--config", str(config), "audit").stdout.splitlines()
    assert [line.split("  ")[2:4] for line in audit] == [
        ["staff.grant", "telegram:2002"],
        ["staff.revoke", "telegram:2002"],
    ]
    assert all(line.split("  ")[1].startswith("cli:") for line in audit)


def test_broadcast_preview_create_list_status_and_cancel(home: Path) -> None:
    # People to reach: one console user in Kreis Viersen who chose Ukrainian.
    chatted = wegweiser(home, "chat", "--user", "olena", stdin="6\n1\n")
    assert chatted.returncode == 0, chatted.stderr

    preview = wegweiser(
        home, "broadcast", "create", "--audience", "region:viersen,lang:uk",
        "--text-de", "Neue Sprechstunde ab Montag.",
    )  # fmt: skip
    assert preview.returncode == 0, preview.stderr
    assert "audience all,region:viersen,lang:uk: 1 recipients now" in preview.stdout
    assert "--- uk: 1 recipient(s) ---" in preview.stdout
    assert "Neue Sprechstunde ab Montag." in preview.stdout
    assert "nothing was sent" in preview.stderr
    assert "no announcements yet" in wegweiser(home, "broadcast", "list").stdout

    bad = wegweiser(home, "broadcast", "create", "--audience", "region:atlantis", "--text-de", "x")
    assert bad.returncode == 2 and "regions are" in bad.stderr
    past = wegweiser(
        home, "broadcast", "create", "--text-de", "x", "--at", "2020-01-01T09:00", "--yes"
    )
    assert past.returncode == 2 and "past" in past.stderr

    later = wegweiser(
        home, "broadcast", "create", "--audience", "region:viersen,lang:uk",
        "--text-de", "Neue Sprechstunde ab Montag.", "--text-uk", "Нові консультації з понеділка.",
        "--at", "2099-01-05T09:00", "--yes",
    )  # fmt: skip
    assert later.returncode == 0, later.stderr
    assert "announcement 1 scheduled for 2099-01-05 09:00" in later.stdout
    status = wegweiser(home, "broadcast", "status", "1").stdout
    assert "announcement 1: scheduled" in status and "versions:   de, uk" in status
    assert "send at:    2099-01-05 08:00 UTC" in status
    assert "scheduled" in wegweiser(home, "broadcast", "list").stdout

    cancelled = wegweiser(home, "broadcast", "cancel", "1")
    assert cancelled.returncode == 0 and "cancelled announcement 1" in cancelled.stdout
    assert "announcement 1: cancelled" in wegweiser(home, "broadcast", "status", "1").stdout
    twice = wegweiser(home, "broadcast", "cancel", "1")
    assert twice.returncode == 1 and "already finished" in twice.stdout
    missing = wegweiser(home, "broadcast", "status", "9")
    assert missing.returncode == 1 and "no announcement 9" in missing.stderr

    now = wegweiser(
        home, "broadcast", "create", "--audience", "all", "--text-de", "Sofort.", "--yes"
    )
    assert "announcement 2 queued for 1 recipients" in now.stdout
    assert "pending:    1" in wegweiser(home, "broadcast", "status", "2").stdout
    actions = [line.split("  ")[2] for line in wegweiser(home, "audit").stdout.splitlines()]
    assert actions == [
        "broadcast.create", "broadcast.cancel", "broadcast.create", "broadcast.queue",
    ]  # fmt: skip
