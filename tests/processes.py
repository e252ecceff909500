"""The scheduler as an operator runs it: `sanctions-feed schedule` in a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


class Scheduler:
    """`sanctions-feed schedule` in a child process, logging to a file."""

    def __init__(self, feeds: Path, *args: str, db: str | None = None):
        self.log = feeds.parent / f"scheduler-{time.monotonic_ns()}.log"
        # A temporary directory of its own: what its runs leave there is theirs, whatever else runs.
        self.tmp = feeds.parent / "tmp"
        self.tmp.mkdir(exist_ok=True)
        env = {**os.environ, "SANCTIONS_FEED_LOG": str(self.log), "TMPDIR": str(self.tmp)}
        if db:
            env["SANCTIONS_FEED_DB"] = db
        self.process = subprocess.Popen([sys.executable, "-m", "sanctions_feed", "--log-level", "INFO", "schedule",
                                         "--feeds", str(feeds), *args], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "") -> float:
        start = time.monotonic()
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(f"the scheduler exited ({self.process.returncode}): "
                                     f"{self.process.stdout.read()}\n" + "\n".join(self.lines()))
            if time.monotonic() - start > timeout:
                raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(self.lines()[-30:]))
            time.sleep(0.05)
        return time.monotonic()

    def finished(self, text: str) -> int:
        return sum(1 for line in self.lines() if "exited" in line and text in line)

    def stop(self, timeout: float = 60.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def schedulers():
    started: list[Scheduler] = []

    def start(*args, **kwargs) -> Scheduler:
        started.append(Scheduler(*args, **kwargs))
        return started[-1]
    yield start
    for scheduler in started:
        scheduler.kill()
