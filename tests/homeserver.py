"""A throwaway Synapse homeserver on 127.0.0.1 for tests: install, configure, start, stop.

Only the standard library is used here, so that synchronous code (fixtures, scripts) can
drive the server. Synapse itself lives in its own virtual environment (``.venv-synapse``),
installed once with pinned versions from ``tests/data/synapse-constraints.txt``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
SYNAPSE_REQUIREMENT = "matrix-synapse==1.163.2"
CONSTRAINTS = REPO / "tests" / "data" / "synapse-constraints.txt"
VENV_ENV_VAR = "WEGWEISER_SYNAPSE_VENV"
STAMP_NAME = ".wegweiser-installed"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

# Every rate limit of Synapse 1.163 (synapse/config/ratelimiting.py), raised far out of reach.
_UNLIMITED = {"per_second": 100_000, "burst_count": 1_000_000}
RATE_LIMITS: dict[str, object] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_registration_token_validity": _UNLIMITED,
    "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
    "rc_admin_redaction": _UNLIMITED,
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_key_requests": _UNLIMITED,
    "rc_3pid_validation": _UNLIMITED,
    "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
    "rc_third_party_invite": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_room_creation": _UNLIMITED,
    "rc_reports": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_profile": _UNLIMITED,
    "rc_federation": {
        "window_size": 1000,
        "sleep_limit": 100_000,
        "sleep_delay": 0,
        "reject_limit": 100_000,
        "concurrent": 1000,
    },
}

_running: set[subprocess.Popen[bytes]] = set()


class HomeserverError(RuntimeError):
    """A request to the homeserver failed, or the homeserver did not come up."""

    def __init__(self, message: str, status: int = 0, errcode: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.errcode = errcode


def synapse_venv() -> Path:
    """Where Synapse's own virtual environment lives (``$WEGWEISER_SYNAPSE_VENV`` overrides)."""
    override = os.environ.get(VENV_ENV_VAR)
    return Path(override).resolve() if override else REPO / ".venv-synapse"


def _stamp_text() -> str:
    digest = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest() if CONSTRAINTS.exists() else ""
    return f"{SYNAPSE_REQUIREMENT}\nconstraints sha256 {digest}\n"


@contextlib.contextmanager
def _install_lock(venv: Path) -> Iterator[None]:
    """Serialise installs into ``venv`` across processes (pytest-xdist, parallel runs)."""
    key = hashlib.sha256(str(venv).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"wegweiser-synapse-{key}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run_quietly(command: list[str], what: str) -> str:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise HomeserverError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def ensure_synapse() -> Path:
    """Install the pinned Synapse into its own venv once; return that venv's python."""
    venv = synapse_venv()
    python = venv / "bin" / "python"
    stamp = venv / STAMP_NAME
    if stamp.exists() and stamp.read_text() == _stamp_text() and python.exists():
        return python
    with _install_lock(venv):
        if stamp.exists() and stamp.read_text() == _stamp_text() and python.exists():
            return python  # another process finished the install while we waited
        stamp.unlink(missing_ok=True)
        create = [sys.executable, "-m", "venv", str(venv)]
        if venv.exists():
            create.insert(3, "--clear")
        _run_quietly(create, "creating the Synapse venv")
        install = [str(python), "-m", "pip", "install", "-q", SYNAPSE_REQUIREMENT]
        if CONSTRAINTS.exists():
            install += ["-c", str(CONSTRAINTS)]
        _run_quietly(install, f"pip install {SYNAPSE_REQUIREMENT}")
        if not CONSTRAINTS.exists():
            frozen = _run_quietly([str(python), "-m", "pip", "freeze"], "pip freeze")
            header = (
                "# Pinned dependencies of the throwaway Synapse that tests/homeserver.py "
                "installs into .venv-synapse.\n"
                f"# Produced with 'pip freeze' after installing {SYNAPSE_REQUIREMENT}.\n"
            )
            CONSTRAINTS.write_text(header + frozen)
        stamp.write_text(_stamp_text())
    return python


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _kill_leftovers() -> None:
    for process in list(_running):
        with contextlib.suppress(OSError):
            process.kill()
            process.wait(5)


atexit.register(_kill_leftovers)


class Homeserver:
    """One Synapse process with its config and SQLite data in ``data_dir``.

    ``stop()`` and ``start()`` keep the port and the data, so tests can restart the server
    under a connected client.
    """

    server_name = "localhost"

    def __init__(
        self,
        data_dir: Path,
        *,
        python: Path | None = None,
        port: int | None = None,
        extra_config: dict[str, Any] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.python = python
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_config = extra_config or {}
        self.registration_shared_secret = secrets.token_hex(16)
        self.log_path = self.data_dir / "homeserver.log"
        self.stderr_path = self.data_dir / "stderr.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._admin_token: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the Synapse process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start Synapse (generating its config the first time) and wait until it answers."""
        if self.running:
            return
        self.stop()  # tidy up after a process that died on its own
        python = self.python or ensure_synapse()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "hs.yaml"
        if not config.exists():
            self._generate_config(python, config)
        overrides = self.data_dir / "overrides.yaml"
        # JSON is YAML: no YAML library needed on this side.
        overrides.write_text(json.dumps(self._overrides(), indent=2))
        (self.data_dir / "log.yaml").write_text(json.dumps(self._log_config(), indent=2))
        self._output = self.stderr_path.open("ab")
        self._process = subprocess.Popen(
            [str(python), "-m", "synapse.app.homeserver", "-c", str(config), "-c", str(overrides)],
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        _running.add(self._process)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, *, kill: bool = False) -> None:
        """Stop Synapse: SIGTERM, then SIGKILL if it does not exit in time (``kill``: at once)."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            _running.discard(process)
        if self._output is not None:
            self._output.close()
            self._output = None

    def __enter__(self) -> Homeserver:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Synapse's log and of its stdout/stderr, for failure messages."""
        parts = []
        for path in (self.log_path, self.stderr_path):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) or "(no log written)"

    def _generate_config(self, python: Path, config: Path) -> None:
        _run_quietly(
            [
                str(python),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                self.server_name,
                "--config-path",
                str(config),
                "--data-directory",
                str(self.data_dir),
                "--generate-config",
                "--report-stats=no",
            ],
            "generating the Synapse config",
        )

    def _overrides(self) -> dict[str, Any]:
        listener = {
            "port": self.port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": False,
            "x_forwarded": False,
            "resources": [{"names": ["client"], "compress": False}],
        }
        overrides: dict[str, Any] = {
            "listeners": [listener],
            "log_config": str(self.data_dir / "log.yaml"),
            "registration_shared_secret": self.registration_shared_secret,
            "enable_registration": False,
            "bcrypt_rounds": 4,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "report_stats": False,
            "enable_metrics": False,
            **RATE_LIMITS,
        }
        overrides.update(self.extra_config)
        return overrides

    def _log_config(self) -> dict[str, Any]:
        return {
            "version": 1,
            "formatters": {
                "plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"},
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "plain",
                    "filename": str(self.log_path),
                    "encoding": "utf8",
                },
            },
            "loggers": {
                "synapse.app": {"level": "INFO"},
                "synapse.storage.SQL": {"level": "WARNING"},
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise HomeserverError(
                    f"Synapse exited with code {self._process.returncode} while starting:\n"
                    + self.log_tail()
                )
            try:
                self.request("GET", "/_matrix/client/versions", timeout=2)
            except (OSError, HomeserverError):
                if time.monotonic() > deadline:
                    raise HomeserverError(
                        f"Synapse did not answer on {self.url} within {timeout:.0f} s:\n"
                        + self.log_tail()
                    ) from None
                time.sleep(0.1)
            else:
                return

    # -- HTTP --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """One JSON request to the homeserver; raises HomeserverError on an error status."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with self._opener.open(request, timeout=timeout) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            error.close()
            try:
                errcode = str(json.loads(text).get("errcode", ""))
            except (ValueError, AttributeError):
                errcode = ""
            raise HomeserverError(
                f"{method} {path} -> {error.code}: {text}", error.code, errcode
            ) from None

    # -- users -------------------------------------------------------------------------------

    def user_id(self, name: str) -> str:
        """The full user id of the local user ``name``."""
        return f"@{name.lower()}:{self.server_name}"

    def register(self, name: str, password: str, admin: bool = False) -> str:
        """Create a user through the shared-secret admin API; return its user id."""
        return str(self._register(name, password, admin, inhibit_login=True)["user_id"])

    def login(self, name: str, password: str) -> str:
        """Log ``name`` in with its password (a new device); return the access token."""
        answer = self.request(
            "POST",
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": name},
                "password": password,
            },
        )
        return str(answer["access_token"])

    def _register(
        self, name: str, password: str, admin: bool, inhibit_login: bool
    ) -> dict[str, Any]:
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        body = {
            "nonce": nonce,
            "username": name,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
            "inhibit_login": inhibit_login,
        }
        return self.request("POST", "/_synapse/admin/v1/register", body)

    def admin_token(self) -> str:
        """An access token of an admin user the harness registers on first use."""
        if self._admin_token is None:
            name = f"harness-admin-{secrets.token_hex(4)}"
            answer = self._register(name, secrets.token_hex(16), admin=True, inhibit_login=False)
            self._admin_token = str(answer["access_token"])
        return self._admin_token

    def override_ratelimit(self, user_id: str, messages_per_second: int, burst_count: int) -> None:
        """Give one user its own message rate limit (both 0: no limit at all).

        With e.g. ``(1, 1)`` the user's second event within a second gets 429
        M_LIMIT_EXCEEDED. Synapse only takes whole numbers here.
        """
        self.request(
            "POST",
            f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit",
            {"messages_per_second": messages_per_second, "burst_count": burst_count},
            token=self.admin_token(),
        )

    def clear_ratelimit_override(self, user_id: str) -> None:
        """Give the user back the server-wide (here: practically unlimited) rate limits."""
        self.request(
            "DELETE",
            f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit",
            token=self.admin_token(),
        )
