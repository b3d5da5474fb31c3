"""What the Matrix transport keeps on disk: its login, its crypto store, its sync position.

The login (access token and device id) is stored once and reused, so a
restart is the same device and can still read encrypted rooms. The sync token
is written only after every event up to it was handled.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login to reuse: who, which device, with which token."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by the owner only."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


class MatrixState:
    """The transport's data directory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = folder / "store"
        self._credentials = folder / "credentials.json"
        self._sync_token = folder / "sync-token"

    def prepare(self) -> None:
        """Create the folders (owner-only: they hold keys and a token)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.store.mkdir(exist_ok=True, mode=0o700)

    def credentials(self, homeserver: str, user_id: str) -> Credentials | None:
        """The stored login for this account on this homeserver, if any."""
        try:
            raw = json.loads(self._credentials.read_text(encoding="utf-8"))
            stored = Credentials(**raw)
        except (OSError, ValueError, TypeError):
            return None
        if stored.user_id != user_id or stored.homeserver != homeserver:
            return None
        return stored

    def save_credentials(self, credentials: Credentials) -> None:
        """Remember a fresh login."""
        fields = {
            "homeserver": credentials.homeserver,
            "user_id": credentials.user_id,
            "device_id": credentials.device_id,
            "access_token": credentials.access_token,
        }
        _write_private(self._credentials, json.dumps(fields, indent=2))

    def forget_credentials(self) -> None:
        """Drop a login the homeserver no longer accepts."""
        self._credentials.unlink(missing_ok=True)

    def sync_token(self) -> str | None:
        """Where the last fully handled sync ended, or None before the first."""
        try:
            token = self._sync_token.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token or None

    def save_sync_token(self, token: str) -> None:
        """Everything up to ``token`` is handled."""
        _write_private(self._sync_token, token)
