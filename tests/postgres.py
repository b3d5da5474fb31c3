"""A throwaway PostgreSQL cluster for tests: find (or install) the server, create, start, stop.

``WEGWEISER_TEST_DATABASE=postgresql`` makes the test suite run against PostgreSQL instead
of SQLite: ``tests/conftest.py`` then starts one :class:`Cluster` per pytest session and
hands every test a fresh database of its own.

The server programs are Debian's (``/usr/lib/postgresql/<version>/bin``, or the directory in
``$WEGWEISER_POSTGRES_BIN``). When they are missing and this runs as root, Debian's
``postgresql`` package is installed with apt-get first, so a fresh CI machine needs nothing
but ``make test``. The cluster lives in a temporary directory, listens on 127.0.0.1 only, on
a free port, trusts every local connection and never syncs to disk: it exists for one test
session and is deleted when it stops. PostgreSQL refuses to run as root, so as root the
server programs run as the ``postgres`` system user (which the package creates).

Only the standard library is used here, so that synchronous code (fixtures, scripts) can
drive the cluster; SQL is sent through ``psql``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

BACKEND_ENV_VAR = "WEGWEISER_TEST_DATABASE"
BIN_ENV_VAR = "WEGWEISER_POSTGRES_BIN"
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
START_TIMEOUT = 60.0
# Settings for speed: nothing here has to survive a crash of the machine.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "timezone": "UTC",
    "log_timezone": "UTC",
}

_running: set[Cluster] = set()


class PostgresError(RuntimeError):
    """The server could not be found, installed, started or asked."""


def backend() -> str:
    """The database the test suite runs against: ``sqlite`` (default) or ``postgresql``."""
    value = os.environ.get(BACKEND_ENV_VAR, "").strip().lower() or "sqlite"
    if value in ("postgres", "postgresql"):
        return "postgresql"
    if value != "sqlite":
        raise PostgresError(f"{BACKEND_ENV_VAR}={value!r}: use 'sqlite' or 'postgresql'")
    return value


def enabled() -> bool:
    """True when the test suite runs against PostgreSQL."""
    return backend() == "postgresql"


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The newest PostgreSQL server's program directory, or None if there is none."""
    override = os.environ.get(BIN_ENV_VAR)
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return max(found, key=_version_key) if found else None


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One installation at a time (parallel test runs on one machine)."""
    with (Path(tempfile.gettempdir()) / "wegweiser-postgres-install.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(
    command: list[str], what: str, *, env: dict[str, str] | None = None, cwd: str | Path = "/"
) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=cwd)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise PostgresError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return str(result.stdout)


def install() -> Path:
    """Install Debian's ``postgresql`` package (as root, without questions); return its bindir.

    Nothing is started: the package's own cluster is not used by the tests.
    """
    with _install_lock():
        bindir = find_bindir()
        if bindir is not None:
            return bindir
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise PostgresError(
                "PostgreSQL's server programs are missing (no /usr/lib/postgresql/*/bin/initdb); "
                f"install Debian's 'postgresql' package or set {BIN_ENV_VAR}"
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update", "-q"], "apt-get update", env=env)
        _run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
            "apt-get install postgresql",
            env=env,
        )
        bindir = find_bindir()
        if bindir is None:
            raise PostgresError("apt-get installed 'postgresql', but no initdb was found")
        return bindir


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _client_env() -> dict[str, str]:
    """The environment without the PG* variables of whoever runs the tests."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


class Cluster:
    """One PostgreSQL server with its data in a temporary directory.

    ``start()`` creates and starts it, ``stop()`` stops it and deletes the directory.
    Databases are made with :meth:`create_database` and reached at :meth:`url`.
    """

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir() or install()
        self.port = 0
        self.root: Path | None = None
        self._as_root = os.geteuid() == 0
        self._counter = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "server.log"

    def start(self) -> None:
        """Create the cluster (initdb) and start the server on a free port."""
        if self.root is not None:
            return
        # Not under pytest's temporary directory: the postgres user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="wegweiser-postgres-"))
        if self._as_root:
            try:
                account = pwd.getpwnam(SYSTEM_USER)
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None
                raise PostgresError(
                    f"PostgreSQL refuses to run as root, and there is no '{SYSTEM_USER}' user "
                    "to run it as (Debian's postgresql package creates one)"
                ) from None
            os.chown(self.root, account.pw_uid, account.pw_gid)
        _running.add(self)
        try:
            self._server(
                "initdb", "--pgdata", str(self.data_dir), "--username", SUPERUSER,
                "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync",
                what="initdb",
            )  # fmt: skip
            self._start_server()
        except BaseException:
            self.stop()
            raise

    def _start_server(self) -> None:
        assert self.root is not None
        last_error: PostgresError | None = None
        for _attempt in range(3):  # a port can be taken between choosing and binding it
            self.port = free_port()
            settings = {
                **SERVER_SETTINGS,
                "port": str(self.port),
                "unix_socket_directories": str(self.root),
            }
            options = " ".join(f"-c {name}={value}" for name, value in settings.items())
            try:
                self._server(
                    "pg_ctl", "start", "--pgdata", str(self.data_dir), "--wait",
                    "--timeout", str(int(START_TIMEOUT)), "--log", str(self.log_path),
                    "--options", options, what="pg_ctl start",
                )  # fmt: skip
                return
            except PostgresError as error:
                last_error = error
                log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                if "could not bind" not in log and "already in use" not in log:
                    break
        raise PostgresError(f"{last_error}\n{self._log_tail()}")

    def stop(self) -> None:
        """Stop the server at once and delete its directory (again is fine)."""
        root, self.root = self.root, None
        _running.discard(self)
        if root is None:
            return
        data = root / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresError):
                self._server(
                    "pg_ctl", "stop", "--pgdata", str(data), "--mode", "immediate", "--wait",
                    what="pg_ctl stop",
                )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _server(self, program: str, *args: str, what: str) -> str:
        """Run a server program, as the postgres user when this process is root."""
        command = [str(self.bindir / program), *args]
        if self._as_root:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        # cwd: the postgres user may not be allowed into the current directory.
        return _run(command, what, cwd=self.root or "/", env=_client_env())

    def _log_tail(self) -> str:
        if self.root is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])

    # -- databases ---------------------------------------------------------------------------

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        """The SQLAlchemy URL of ``database`` on this server (no password: trust)."""
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql; return its unaligned output."""
        assert self.root is not None, "the cluster is not started"
        return _run(
            [
                str(self.bindir / "psql"), "--no-psqlrc", "--quiet", "--tuples-only",
                "--no-align", "--set", "ON_ERROR_STOP=1", "--host", "127.0.0.1",
                "--port", str(self.port), "--username", SUPERUSER, "--dbname", database,
                "--command", statement,
            ],
            f"psql {statement!r}",
            env=_client_env(),
        ).strip()  # fmt: skip

    def create_database(self, name: str | None = None, template: str = "template0") -> str:
        """A new database (a copy of ``template``); return its name."""
        if name is None:
            self._counter += 1
            name = f"test_{self._counter}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any connection still open to it."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop_leftovers() -> None:
    for cluster in list(_running):
        cluster.stop()


atexit.register(_stop_leftovers)
