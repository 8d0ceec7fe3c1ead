"""Getting Prefect's API ready before a run: a running server when PREFECT_API_URL names one, else a temporary one.

On a machine that never ran Prefect, the temporary server first has to create its SQLite database (dozens of
migrations) and register its block types, and Prefect gives the whole start-up 20 seconds: on a busy or slow
machine it misses that and the run dies with a traceback. So the database is prepared here first, in this
process and without a deadline (once per Prefect home), and the server then gets a generous, configurable
start-up time and a second attempt. When it still cannot start, OrchestratorUnavailable says what to do.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

# Seconds the temporary server may take to answer. Prefect's own default (20 s) is missed on a fresh home or a
# busy machine; start-up takes about 6 s on an idle one.
DEFAULT_STARTUP_TIMEOUT = 600
STARTUP_ATTEMPTS = 2
TIMEOUT_VARIABLE = "JUESUAN_ORCHESTRATOR_TIMEOUT"


class OrchestratorUnavailable(RuntimeError):
    """Prefect's API could not be reached or started; the message says what to do."""


def startup_timeout() -> int:
    """The start-up time allowed to the temporary server: $JUESUAN_ORCHESTRATOR_TIMEOUT, else 600 s."""
    value = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_STARTUP_TIMEOUT
    try:
        seconds = int(value)
    except ValueError as exc:
        raise OrchestratorUnavailable(f"{TIMEOUT_VARIABLE}={value!r} is not a whole number of seconds") from exc
    if seconds <= 0:
        raise OrchestratorUnavailable(f"{TIMEOUT_VARIABLE}={value!r} must be a positive number of seconds")
    return seconds


def prefect_home() -> Path:
    """Where Prefect keeps its settings and database ($PREFECT_HOME, else ~/.prefect)."""
    from prefect.settings import PREFECT_HOME

    return Path(PREFECT_HOME.value()).expanduser()


def database_ready() -> bool:
    """Whether this Prefect home's database was prepared (migrated and its block types registered)."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = PREFECT_API_DATABASE_CONNECTION_URL.value() or ""
    if not url.startswith("sqlite"):
        return True  # a database server someone runs: preparing it is theirs
    return (prefect_home() / "memo_store.toml").is_file() and Path(url.split(":///", 1)[-1]).is_file()


@contextmanager
def _home_lock():
    # Two first runs at once (two terminals, parallel tests) must not migrate the same SQLite file together.
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".juesuan-prepare.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_database() -> bool:
    """Migrate the temporary server's database and register its block types, once per Prefect home.

    Returns whether anything had to be done. This is what the server would otherwise do inside its start-up
    deadline; the memo file it writes makes the server skip block registration afterwards.
    """
    if database_ready():
        return False
    with _home_lock():
        if database_ready():
            return False
        from prefect.server.api.server import _memoize_block_auto_registration
        from prefect.server.database import provide_database_interface
        from prefect.server.models.block_registration import run_block_auto_registration

        async def register_blocks() -> None:
            db = provide_database_interface()
            async with await db.session() as session:
                await run_block_auto_registration(session=session)

        async def prepare() -> None:
            await provide_database_interface().create_db()
            await _memoize_block_auto_registration(register_blocks)()

        asyncio.run(prepare())
    return True


def _check_server(api_url: str) -> None:
    import httpx

    try:
        response = httpx.get(api_url.rstrip("/") + "/health", timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise OrchestratorUnavailable(
            f"the Prefect server at PREFECT_API_URL={api_url} does not answer ({type(exc).__name__}): "
            "start it with `prefect server start`, or unset PREFECT_API_URL to use a temporary one") from exc


def start_orchestrator(timeout: int | None = None) -> float:
    """Make Prefect's API ready for a flow run in this process; returns the seconds it took.

    With PREFECT_API_URL set, that server is used (and must answer). Otherwise the temporary server Prefect
    would start on the first flow call is started here, on a prepared database, with `timeout` seconds per
    attempt; Prefect's client then finds it running and reuses it.
    """
    started = time.monotonic()
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    api_url = PREFECT_API_URL.value()
    if api_url:
        _check_server(api_url)
        return time.monotonic() - started
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        raise OrchestratorUnavailable(
            "no Prefect API: PREFECT_API_URL is not set and this Prefect profile does not allow a temporary server "
            "(PREFECT_SERVER_EPHEMERAL_ENABLED=false): set PREFECT_API_URL to a running server's /api")
    timeout = timeout or startup_timeout()
    prepare_database()
    from prefect.server.api.server import SubprocessASGIServer

    failure = None
    for _ in range(STARTUP_ATTEMPTS):
        server = SubprocessASGIServer()
        try:
            server.start(timeout=timeout)
            return time.monotonic() - started
        except RuntimeError as exc:  # Prefect raises RuntimeError when the server does not answer in time
            failure = exc
            server.stop()  # frees the port and the instance, so the next attempt starts afresh
    raise OrchestratorUnavailable(
        f"Prefect's temporary server did not start within {timeout} s ({STARTUP_ATTEMPTS} attempts; "
        f"{str(failure).splitlines()[0][:120]}): set {TIMEOUT_VARIABLE} to more seconds, or start a server with "
        "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api")
