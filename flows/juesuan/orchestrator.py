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
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


class Orchestrator:
    """Prefect's API for one run: the server PREFECT_API_URL names, or a temporary one in a process of its own.

    The temporary server is the one Prefect itself would start (its app, run by uvicorn, as
    `prefect.server.api.server.SubprocessASGIServer` runs it), but launched without importing Prefect's server
    into this process (several seconds) and before the pipeline's own imports, which then overlap its start-up.
    """

    def __init__(self, api_url: str | None, timeout: int):
        self.launched = time.monotonic()
        self.timeout = timeout
        self.api_url = api_url
        self.process: subprocess.Popen | None = None
        # The server's error output, read when it fails to start (a file: a pipe nobody reads can fill and block it).
        self._errors = tempfile.TemporaryFile() if api_url is None else None
        self.temporary = api_url is None
        if self.temporary:
            self._spawn()

    def _spawn(self) -> None:
        from prefect.settings import get_current_settings

        with socket.socket() as probe:  # a port free now; a server that still finds it taken exits with 3
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=subprocess.DEVNULL, stderr=self._errors)

    def _wait(self) -> str | None:
        """Wait for the API to answer; None when it does, else why not."""
        import httpx

        deadline = time.monotonic() + self.timeout
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    if self.process.returncode == 3:  # uvicorn could not bind: the port was taken meanwhile
                        self._spawn()
                        continue
                    self._errors.seek(0)
                    error = self._errors.read().decode(errors="replace").strip().splitlines()
                    return f"the server exited with {self.process.returncode}" + (f": {error[-1]}" if error else "")
                try:
                    if client.get(self.api_url + "/health", timeout=10).status_code == 200:
                        return None
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        return "timed out while attempting to connect to the temporary Prefect API server"

    @contextmanager
    def running(self) -> Iterator[float]:
        """Wait until the API answers (a second start if the first misses the deadline), point Prefect's client
        at it for the block, and stop a temporary server afterwards. Yields the seconds since launch."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        try:
            if not self.temporary:
                _check_server(self.api_url)
            else:
                for attempt in range(STARTUP_ATTEMPTS):
                    if attempt:
                        self.stop()  # frees the port; the next attempt starts afresh
                        self._spawn()
                    failure = self._wait()
                    if failure is None:
                        break
                else:
                    raise OrchestratorUnavailable(
                        f"Prefect's temporary server did not start within {self.timeout} s ({STARTUP_ATTEMPTS} "
                        f"attempts; {failure[:120]}): set {TIMEOUT_VARIABLE} to more seconds, or start a server with "
                        "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api")
            with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
                try:
                    yield time.monotonic() - self.launched
                finally:
                    _drain_prefect_workers()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the temporary server, if this run started one."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _drain_prefect_workers() -> None:
    # The flow's logs and events are sent by background workers: flushed while the API still answers, as
    # Prefect's own test harness does before it stops its server.
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    try:
        APILogWorker.instance().drain()
    except RuntimeError:  # never started
        pass
    EventsWorker.drain_all()


def launch_orchestrator(timeout: int | None = None) -> Orchestrator:
    """Start getting Prefect's API ready and return at once; `Orchestrator.running()` waits for it.

    With PREFECT_API_URL set, that server is used (and must answer). Otherwise a temporary server is launched on a
    prepared database, with `timeout` seconds per attempt to answer.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    api_url = PREFECT_API_URL.value()
    timeout = timeout or startup_timeout()
    if api_url:
        return Orchestrator(api_url, timeout)
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        raise OrchestratorUnavailable(
            "no Prefect API: PREFECT_API_URL is not set and this Prefect profile does not allow a temporary server "
            "(PREFECT_SERVER_EPHEMERAL_ENABLED=false): set PREFECT_API_URL to a running server's /api")
    prepare_database()
    return Orchestrator(None, timeout)
