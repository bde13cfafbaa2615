"""What every probe shares: the deadline, the timing of each step, turning errors into a result.

This is the "handler" of the blackbox_exporter split: probes are plain ``async`` code that raises
:class:`ProbeError` (or lets socket errors and timeouts through); :func:`run_probe` owns the
deadline, the phases and the one place exceptions become a typed :class:`ProbeResult`.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from camhealth.probes.auth import Credentials
from camhealth.probes.redact import redact
from camhealth.probes.results import (
    DeviceFacts,
    FailureCode,
    FrameSample,
    Phase,
    ProbeError,
    ProbeKind,
    ProbeResult,
    StreamFacts,
)

_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}
# Steps that run on our CPU alone, nothing awaited from the camera (the frames probe's decode).
DECODE = "decode"
OUR_STEPS = frozenset({DECODE})


@dataclass(frozen=True)
class Target:
    """What a probe talks to: a URL, its credentials, the time allowed and a name for results.

    ``name`` is the camera id; without one the (redacted) URL names the result.
    """

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    timeout: float = 5.0
    name: str | None = None

    @property
    def label(self) -> str:
        return redact(self.name or self.url, self.credentials.secrets)


@dataclass
class Steps:
    """The running probe's deadline (event-loop time), its phases so far and the facts learned."""

    deadline: float
    phases: list[Phase] = field(default_factory=list)
    current: str = "start"
    stream: StreamFacts | None = None
    device: DeviceFacts | None = None
    frame: FrameSample | None = None

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        """Time one step; it may not run past the probe's deadline."""
        self.current = name
        started = time.perf_counter()
        try:
            async with asyncio.timeout_at(self.deadline):
                yield
        finally:
            self.phases.append(Phase(name, time.perf_counter() - started))

    def remaining(self) -> float:
        return max(0.0, self.deadline - asyncio.get_running_loop().time())


def classify(exc: BaseException, step: str) -> tuple[FailureCode, str]:
    """The failure code and an unredacted text for an exception raised during ``step``."""
    if isinstance(exc, ProbeError):
        return exc.code, exc.detail
    if isinstance(exc, TimeoutError):
        return FailureCode.timeout, f"no answer in time ({step})"
    if isinstance(exc, ConnectionRefusedError):
        return FailureCode.refused, "connection refused: the port is closed"
    if isinstance(exc, socket.gaierror):
        return FailureCode.unreachable, "the host name does not resolve"
    if isinstance(exc, ConnectionError | asyncio.IncompleteReadError):
        return FailureCode.protocol_error, f"connection closed by the camera ({step})"
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE:
        return FailureCode.unreachable, f"no route to the host ({exc.strerror})"
    if isinstance(exc, OSError):
        return FailureCode.unreachable, f"network error ({exc.strerror or type(exc).__name__})"
    return FailureCode.protocol_error, f"unexpected reply ({step}: {type(exc).__name__})"


def monitor_late(result: ProbeResult) -> bool:
    """Whether ``result`` timed out in one of ``OUR_STEPS``: the monitor was late, the camera
    had answered. A scheduler counts it as late rather than as the camera's timeout."""
    last = result.phases[-1].name if result.phases else ""
    return result.failure is FailureCode.timeout and last in OUR_STEPS


ProbeBody = Callable[[Steps], Awaitable[None]]


async def run_probe(kind: ProbeKind, target: Target, body: ProbeBody) -> ProbeResult:
    """Run ``body`` under the target's hard deadline and turn whatever happens into a result.

    The camera's credentials are masked in the result's text, as is any URL userinfo.
    Cancellation is not swallowed: a shutting-down scheduler stays in charge.
    """
    started_at, started = time.time(), time.perf_counter()
    steps = Steps(asyncio.get_running_loop().time() + target.timeout)
    failure: FailureCode | None = None
    detail = ""
    try:
        await body(steps)
    except (ProbeError, OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        failure, detail = classify(exc, steps.current)
    return ProbeResult(
        kind=kind,
        target=target.label,
        started_at=started_at,
        duration=time.perf_counter() - started,
        failure=failure,
        detail=redact(detail, target.credentials.secrets),
        phases=tuple(steps.phases),
        stream=steps.stream,
        device=steps.device,
        frame=steps.frame,
    )
