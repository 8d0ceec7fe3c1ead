"""The worker that runs a run's dbt build and checks: a process of its own, its errors raised in the run, and it
never outlives the run."""

import os
import signal
import subprocess
import sys
import time

import pytest
from juesuan import warm


def test_calls_run_in_the_worker_and_raise_their_errors_here():
    warm.start(modules=("json",))
    try:
        assert warm.call(os.getpid) != os.getpid()
        assert warm.call(int, "42") == 42
        with pytest.raises(ValueError, match="invalid literal for int"):
            warm.call(int, "四十二")
        warm.release()  # the worker exits once idle; calls run here from now on
        assert warm.call(os.getpid) == os.getpid()
    finally:
        warm.stop()


def test_the_worker_dies_with_a_run_killed_outright():
    # Killed in the middle of a call (as of a dbt build): the worker is busy, not waiting for the run's next call.
    code = ("import os, threading, time; from juesuan import warm\n"
            "if __name__ == '__main__':\n"
            "    warm.start(modules=('json',)); pid = warm.call(os.getpid)\n"
            "    threading.Thread(target=warm.call, args=(time.sleep, 600), daemon=True).start()\n"
            "    time.sleep(1); print(pid, flush=True); time.sleep(600)\n")
    run = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    worker = int(run.stdout.readline())
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{worker}/stat") as stat:
                if stat.read().split(") ")[1][0] in "ZX":  # dead, waiting to be reaped
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"worker {worker} still runs after its run was killed")
