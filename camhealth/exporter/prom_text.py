"""The pieces of the Prometheus text and OpenMetrics formats every family writes with."""

from __future__ import annotations

ONE, ZERO = "1.0", "0.0"


def escape(value: str) -> str:
    """A label value as both formats want it: backslash, double quote and newline escaped.

    NUL, which ``camera_metrics`` cuts a camera's block at, becomes U+FFFD (a device's
    garbage, never a real name).
    """
    if "\\" in value or '"' in value or "\n" in value or "\0" in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return value.replace("\0", "\ufffd")
    return value


def number(value: float) -> str:
    """Floats as prometheus_client writes them (1.0, 0.05, 1.7e+09, NaN, +Inf)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def flag(value: bool | None) -> str:
    return ONE if value is True else ZERO
