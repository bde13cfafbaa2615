"""Real servers for the deployment tests: start a process, wait until it answers, stop it.

Everything listens on 127.0.0.1 on a free port; every wait is bounded.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll ``check`` until it returns something true (not None, False or empty); return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def eventually_equal(observe: Callable[[], T], expected: T, timeout: float = 30.0) -> None:
    """Poll ``observe`` until it gives ``expected``; if it never does, fail with the last view.

    Prometheus and Alertmanager settle asynchronously (scrapes, evaluations, inhibitions), so a
    single look could be too early; the failure shows the last view beside the expected one.
    """
    eventually_agree(lambda: (observe(), expected), timeout)


def eventually_agree(observe: Callable[[], tuple[T, T]], timeout: float = 30.0) -> T:
    """Poll ``observe`` until the two views it gives are equal; return the view they agree on,
    or fail with the last pair."""
    deadline = time.monotonic() + timeout
    while (seen := observe())[0] != seen[1] and time.monotonic() < deadline:
        time.sleep(0.2)
    left, right = seen
    assert left == right, f"still after {timeout:.0f} s:\n{left!r}\n!=\n{right!r}"
    return left


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def send_json(url: str, body: Any, method: str = "POST") -> Any:
    """Send ``body`` as JSON; return the JSON answer (None when there is none)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = response.read()
    return json.loads(answer) if answer else None


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, ConnectionError):
        return False


@contextmanager
def running(
    args: list[str], ready_url: str, log: Path, startup: float = 30.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` with its output in ``log`` until the block ends; ready when the URL answers
    (within ``startup`` seconds)."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        what = f"{' '.join(args[:2])} at {ready_url}"
        wait_for(lambda: _ready(process, ready_url, log), what, startup)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _ready(process: subprocess.Popen[bytes], url: str, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"{process.args[0]} exited early:\n{log.read_text(errors='replace')}")
    return answers(url)
