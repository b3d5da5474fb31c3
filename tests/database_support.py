"""Helpers for tests that look at the database itself, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from bot.storage.database import Database

# The database URL that `wegweiser` processes of the running test get (set by the `home`
# fixture on PostgreSQL; on SQLite they find their file under XDG_DATA_HOME).
PROCESS_DATABASE_ENV_VAR = "WEGWEISER_TEST_PROCESS_DATABASE_URL"


def process_environment(environment: dict[str, str]) -> dict[str, str]:
    """``environment`` for a `wegweiser` process of the running test: none of the caller's
    configuration, and on PostgreSQL the test's database."""
    environment.pop("WEGWEISER_CONFIG", None)
    environment.pop("WEGWEISER_DATABASE_URL", None)
    url = environment.pop(PROCESS_DATABASE_ENV_VAR, None)
    if url:
        environment["WEGWEISER_DATABASE_URL"] = url
    return environment


def _dump(connection: Connection) -> list[str]:
    dump: list[str] = []
    preparer = connection.dialect.identifier_preparer
    for name in sorted(inspect(connection).get_table_names()):
        rows = connection.execute(text(f"SELECT * FROM {preparer.quote(name)}"))
        dump.extend(f"{name}: {tuple(row)!r}" for row in rows)
    return dump


async def everything_stored(database: Database) -> str:
    """Every row of every table, as text."""
    async with database.engine.connect() as connection:
        return "\n".join(await connection.run_sync(_dump))


async def everything_stored_at(url: str) -> str:
    """Every row of every table of the database at ``url``, as text."""
    database = Database(url)
    try:
        return await everything_stored(database)
    finally:
        await database.close()
